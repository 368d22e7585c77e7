/**
 * The replay corpus is the CI gate of workflow versioning (docs/VERSIONING.md):
 * - every history of every version folder in test/replay/histories/ replays against today's workflow code (an
 *   unpatched change of the commands a workflow emits fails here with TMPRL1100);
 * - every folder holds the histories its manifest lists;
 * - the newest folder was recorded by today's workflow code (same fingerprint), and has every history the tests
 *   record: a change of workflow logic cannot land without `npm run histories:record` and its folder.
 * (The histories the tests record in this very run are replayed as they are recorded: test/support/histories.ts.)
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { witkeyWorkflowOptions } from '../../worker';
import '../support/servers'; // quiet worker logs
import { changedFiles, currentFingerprint, folderNameFor, loadCorpus, newestFolder, recordedNames } from './corpus';

const RECORD = 'npm run histories:record';

/** The core's reason ("[TMPRL1100] Nondeterminism error: ...") out of the replay error, else the message. */
function shortReason(message: string): string {
  return /\[TMPRL\d+\][^"]*/.exec(message)?.[0] ?? message;
}

describe('replay corpus', () => {
  const { folders, problems } = loadCorpus();

  test('every version folder has a manifest and every history it lists', () => {
    assert.ok(
      folders.some((f) => f.manifest.baseline),
      'the release baseline folder (test/replay/histories/0.1.0) is missing',
    );
    const missing: string[] = [...problems];
    for (const f of folders) {
      const present = new Set(f.files);
      const listed = new Set(f.manifest.histories);
      for (const h of f.manifest.histories)
        if (!present.has(h)) missing.push(`${f.name}/${h}: listed in the manifest, not in the folder`);
      for (const h of f.files) if (!listed.has(h)) missing.push(`${f.name}/${h}: not listed in the manifest`);
      if (f.files.length === 0) missing.push(`${f.name}/: no histories`);
    }
    if (missing.length) assert.fail(`the corpus is incomplete:\n  ${missing.join('\n  ')}`);
  });

  test('every stored history of every version replays with the current workflow code', async () => {
    const histories = await Promise.all(
      folders.flatMap((f) =>
        f.files.map(async (file) => ({
          workflowId: `${f.name}/${file.replace(/\.json$/, '')}`,
          history: historyFromJSON(JSON.parse(await readFile(join(f.dir, file), 'utf8'))),
        })),
      ),
    );
    assert.ok(histories.length >= 20, `expected the recorded paths, found ${histories.length}`);
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories(await witkeyWorkflowOptions(), histories)) {
      replayed += 1;
      if (result.error) failures.push(`${result.workflowId}: ${shortReason(result.error.message)}`);
    }
    assert.equal(replayed, histories.length);
    if (failures.length) {
      assert.fail(
        `${failures.length} of ${histories.length} recorded histories do not replay with today's workflow code: a change of the commands ` +
          `a workflow emits must be behind patched() (docs/VERSIONING.md)\n  ${failures.join('\n  ')}`,
      );
    }
  });

  test('the newest corpus folder was recorded by the current workflow code', () => {
    const newest = newestFolder(folders);
    assert.ok(newest, 'no corpus folder');
    const today = currentFingerprint();
    if (today.fingerprint === newest.manifest.fingerprint && today.scheme === newest.manifest.fingerprintScheme) return;
    const changed = changedFiles(newest.manifest, today);
    assert.fail(
      `workflow code changed since the corpus was recorded: run \`${RECORD}\` and commit test/replay/histories/${folderNameFor(today.fingerprint)}\n` +
        `  newest folder: ${newest.name} (fingerprint ${newest.manifest.fingerprint.slice(0, 12)}, commit ${newest.manifest.commit.slice(0, 7)}, ${newest.manifest.date})\n` +
        `  today:         fingerprint ${today.fingerprint.slice(0, 12)} (${today.scheme})\n` +
        (changed ? `  changed since: ${changed.join(', ') || '(scheme only)'}\n` : '') +
        `  (a change of the commands a workflow emits needs patched(): the older folders must still replay; docs/VERSIONING.md)`,
    );
  });

  test('the newest corpus folder has every history the tests record', () => {
    const newest = newestFolder(folders);
    assert.ok(newest, 'no corpus folder');
    const names = recordedNames();
    assert.ok(names.size >= 10, `expected the tests' saveHistory calls, found ${names.size}`);
    const twice = [...names]
      .filter(([, files]) => files.length > 1)
      .map(([name, files]) => `${name} (${files.join(', ')})`);
    if (twice.length) assert.fail(`history names recorded by more than one saveHistory call: ${twice.join('; ')}`);
    const stored = new Set(newest.manifest.histories);
    const absent = [...names.keys()].filter((name) => !stored.has(`${name}.json`)).sort();
    if (absent.length)
      assert.fail(
        `the tests record histories that test/replay/histories/${newest.name} lacks (${absent.join(', ')}): run \`${RECORD}\` and commit the folder it prints`,
      );
  });
});
