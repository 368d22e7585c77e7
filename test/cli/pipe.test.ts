/**
 * `witkey list | head -1`: when the reader closes the pipe early, the command stops quietly (exit 0, nothing on
 * stderr) instead of printing an EPIPE stack trace.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { cleanEnv, WITKEY_BIN } from './helpers';

test('output into a pipe the reader closed early: a quiet exit, no EPIPE stack', async () => {
  const child = spawn(process.execPath, [WITKEY_BIN, '--help'], {
    env: cleanEnv({}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // the reader goes away before the command writes a byte (node takes far longer than this to start)
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  assert.equal(stderr, '');
  assert.equal(code, 0);
});
