/**
 * `witkey cluster --check`, the short form CI runs: PostgreSQL, two Temporal server processes, the Web UI, two
 * workers, two webhooks and the sandbox, a batch of 6 lifecycles while a server and a worker are SIGKILLed and
 * started again. Every task must end in its phase with both ledgers equal, and nothing may be left behind.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { cleanEnv, witkey } from '../cli/helpers';

describe('witkey cluster --check', () => {
  test('6 tasks across 2 Temporal servers while one server and one worker are killed: all final, ledgers equal', async () => {
    const run = await witkey(['cluster', '--check', '--tasks', '6'], cleanEnv({}), 20 * 60_000);
    const lines = run.stdout.trim().split('\n');
    assert.equal(
      lines.at(-1),
      'cluster: 6 tasks, 2 processes killed, all final: yes, ledgers equal: yes',
      `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      /WitkeyPhase, SQL visibility on PostgreSQL\): settled 4, cancelled 2; the Web UI server counts 6 tasks\n/,
    );
    assert.match(run.stderr, /membership: 2 frontend, 2 history, 2 matching, 2 worker hosts in one cluster/);
    assert.match(run.stderr, /SIGKILL temporal-2 \(pid \d+\)/);
    assert.match(run.stderr, /SIGKILL worker-1 \(pid \d+\)/);
    for (const kind of ['A', 'B', 'C'])
      assert.equal(lines.filter((l) => new RegExp(`-${kind}\\d{3} `).test(l)).length, 2);
    const workDir = /logs +(\S+)/.exec(run.stdout)?.[1];
    assert.ok(workDir, 'the work folder is printed');
    assert.equal(existsSync(workDir), false, 'the work folder (logs, sandbox state) is removed at the end');
    const pgDir = /throwaway data in (\S+)\)/.exec(run.stderr)?.[1];
    assert.ok(pgDir && !existsSync(pgDir), 'the PostgreSQL data folder is removed at the end');
  });

  test('bad input is refused before anything starts', async () => {
    const run = await witkey(['cluster', '--check', '--tasks', '0'], cleanEnv({}));
    assert.equal(run.code, 1);
    assert.match(run.stderr, /--tasks.*must be a whole number from 1 to 1000/);
    assert.doesNotMatch(run.stderr, /PostgreSQL/);
  });

  test('without PostgreSQL it says how to install it', async () => {
    const run = await witkey(['cluster', '--check'], cleanEnv({ WITKEY_POSTGRES_BIN: '/nonexistent' }));
    assert.equal(run.code, 1);
    assert.match(run.stderr, /WITKEY_POSTGRES_BIN=\/nonexistent holds no postgres executable/);
  });
});
