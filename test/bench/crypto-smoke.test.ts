/**
 * The cheapest benchmark end to end, tiny: `npm run bench -- crypto` as a process, checked for its output's shape
 * (the verdict line last). Not its figures: a shared machine's speed is no test.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { VERDICT_LINE } from '../../bench/lib/stats';

test('bench crypto (3 pairs of 20 ms) ends with its verdict line', () => {
  const main = join(__dirname, '..', '..', 'bench', 'main.js');
  const res = spawnSync(process.execPath, [main, 'crypto', '--pairs', '3', '--ms', '20'], { encoding: 'utf8' });
  assert.equal(res.status, 0, res.stderr);
  const lines = res.stdout.trim().split('\n');
  assert.match(lines[lines.length - 1], VERDICT_LINE);
  assert.match(lines[lines.length - 1], /^bench crypto: /);
  assert.ok(lines.some((l) => l.startsWith('load average ')));
});
