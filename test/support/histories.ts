/**
 * Recording workflow histories for the replay corpus (docs/VERSIONING.md). Every test that drives a task to an
 * interesting end calls saveHistory(name): the task's history is fetched, written as <dir>/<name>.json (the Temporal
 * JSON history format) and replayed at once against the workflow code that recorded it, so a recording that does
 * not replay fails the test that made it.
 *
 * <dir> is WITKEY_RECORD_HISTORIES when set (`npm run histories:record` points it at an empty folder and then copies
 * the histories into test/replay/histories/<version>-<fingerprint>); otherwise a temporary folder of this process,
 * removed when the process exits (kept, and named in the error, when a recording did not replay). A normal
 * `npm test` therefore records and replays every history without writing into the checkout.
 *
 * Names are fixed by the test (lowercase words, digits, '-' and '.'; never a pid, a time or a random part), so a
 * recording run yields the same file names every time, and a name recorded twice in one folder is an error.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { witkeyWorkflowOptions } from '../../worker';
import { taskWorkflowId } from '../../workflows/messages';

const NAME = /^[a-z0-9]+(?:[-.][a-z0-9]+)*$/;

let tempDir: string | undefined;
let keepTempDir = false;

/** The folder recordings go to: WITKEY_RECORD_HISTORIES, or this process's temporary folder. */
export function recordingDir(): { dir: string; explicit: boolean } {
  const configured = process.env.WITKEY_RECORD_HISTORIES;
  if (configured) {
    const dir = resolve(configured);
    mkdirSync(dir, { recursive: true });
    return { dir, explicit: true };
  }
  if (!tempDir) {
    const dir = mkdtempSync(join(tmpdir(), 'witkey-histories-'));
    tempDir = dir;
    process.once('exit', () => {
      if (!keepTempDir) rmSync(dir, { recursive: true, force: true });
    });
  }
  return { dir: tempDir, explicit: false };
}

export function checkHistoryName(name: string): void {
  if (!NAME.test(name) || /\d{10,}/.test(name)) {
    throw new Error(
      `history name "${name}": use a fixed name of lowercase words, digits, '-' and '.' (no pid, time or random part), e.g. "announcement-path"`,
    );
  }
}

export async function saveHistory(client: Client, outerTaskId: string, name: string): Promise<void> {
  checkHistoryName(name);
  const workflowId = taskWorkflowId(outerTaskId);
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const { dir, explicit } = recordingDir();
  const file = join(dir, `${name}.json`);
  try {
    // in a recording run every name must be unique across all test files (they share the folder)
    await writeFile(file, historyToJSON(history), { flag: explicit ? 'wx' : 'w' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST')
      throw new Error(`history name "${name}" is recorded twice in ${dir}: every saveHistory needs its own name`);
    throw err;
  }
  try {
    await Worker.runReplayHistory(
      { ...(await witkeyWorkflowOptions()), replayName: `fresh-${name}` },
      history,
      workflowId,
    );
  } catch (err) {
    keepTempDir = true;
    throw new Error(
      `the history "${name}" this test just recorded does not replay with the workflow code that recorded it (kept as ${file}): ${(err as Error).message}`,
    );
  }
}
