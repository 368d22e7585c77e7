/**
 * Replay: every recorded history (test/replay/histories/*.json, one per path of both lifecycle parts, recorded with
 * WITKEY_RECORD_HISTORIES=test/replay/histories by the workflow and integration tests) replays against today's
 * workflow code without a non-determinism error — including histories recorded before a patch().
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { witkeyWorkflowBundle } from '../../worker';
import '../support/servers'; // quiet worker logs

const HISTORIES = resolve(__dirname, '..', '..', '..', 'test', 'replay', 'histories', '0.1.0');

describe('replay of recorded histories', () => {
  test('every recorded path replays with the current workflow code', async () => {
    const files = (await readdir(HISTORIES)).filter((f) => f.endsWith('.json') && f !== 'manifest.json').sort();
    assert.ok(files.length >= 16, `expected the recorded paths, found ${files.length}`);
    const histories = await Promise.all(files.map(async (f) => ({ workflowId: f.replace(/\.json$/, ''), history: historyFromJSON(JSON.parse(await readFile(join(HISTORIES, f), 'utf8'))) })));
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories({ workflowBundle: await witkeyWorkflowBundle() }, histories)) {
      replayed += 1;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    assert.equal(replayed, files.length);
    assert.deepEqual(failures, []);
  });
});
