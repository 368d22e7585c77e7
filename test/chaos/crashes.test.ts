/**
 * The crash scenarios of `npm run chaos` in their CI form (`--short --only crashes`, seed 1: the schedule that found
 * the stale-clock nondeterminism, the worker that gave up on a restarting sandbox and the deadline lost during a
 * payout): 9 lifecycles on the embedded shape (dev server on SQLite) and 9 on the cluster shape (PostgreSQL, two
 * Temporal nodes), each with two workers, two webhooks, the sandbox and the codec server as processes, while workers
 * are SIGKILLed every few seconds, a webhook is killed while notifications flow, Temporal goes down (the dev server
 * stopped, a cluster node SIGKILLed) and the sandbox is killed; every check of chaos/checks.ts must pass.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';

const MAIN = join(__dirname, '..', '..', 'chaos', 'main.js');

function run(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

test(
  'crashes on the embedded and the cluster shape: every task final or parked with a reason, money exact',
  { timeout: 25 * 60_000 }, // a guard against a hang, not a speed test: about 6 min here
  async () => {
    const r = await run(['--short', '--only', 'crashes'], { WITKEY_CHAOS_SEED: '1' });
    const lines = r.stdout.trim().split('\n');
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr.split('\n').slice(-40).join('\n')}`);
    assert.match(r.stdout, /\| crashes \(embedded\) +\| 9 +\| [1-9]\d* +\|/);
    assert.match(r.stdout, /\| crashes \(cluster\) +\| 9 +\| [1-9]\d* +\|/);
    assert.equal(
      lines.at(-1),
      'chaos: 2 scenarios, 18 tasks, money conserved: yes, double transfers: 0, lost: 0, forged accepted: 0, crashes: 0',
    );
    for (const event of [
      /SIGKILL worker-\d/,
      /SIGKILL webhook-\d/,
      /stop temporal-dev/,
      /SIGKILL temporal-2/,
      /SIGKILL sandbox/,
    ])
      assert.match(r.stderr, event);
  },
);
