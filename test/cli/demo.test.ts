/**
 * `witkey demo` against a running stack (dev server, sandbox, `witkey worker`, `witkey webhook`): the scenario's
 * tasks go through Temporal, the browser steps are played on the sandbox over its HTTP control API, and the printed
 * ledger table shows the sandbox and the workflow equal to the fen.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startCliStack, witkey, type CliStack } from './helpers';

describe('witkey demo against a running stack', () => {
  let stack: CliStack;
  before(async () => {
    stack = await startCliStack();
  });
  after(async () => {
    await stack?.stop();
  });

  test('runs the scenario over the sandbox HTTP API; both ledgers agree for every task', async () => {
    const r = await witkey(['demo'], stack.env, 240_000);
    assert.equal(r.code, 0, `${r.stderr.slice(-3000)}\n${stack.logs().slice(-2000)}`);
    assert.match(r.stderr, /scenario complete: the sandbox ledger and the workflow ledger agree to the fen/);
    const rows = r.stdout.split('\n').filter((l) => /^\S+-[ABC]\s+\S+\s+workflow\s/.test(l));
    assert.equal(rows.length, 3, r.stdout);
    const phases = rows.map((l) => l.trim().split(/\s+/)[1]);
    assert.deepEqual(phases, ['settled', 'settled', 'cancelled']);
    for (const l of rows) assert.match(l, /\byes$/, l);
    assert.match(r.stderr, /-A: round 2: winner \S+ confirmed/);
    assert.match(r.stderr, /-C: payment deadline passed: trade.query found it unpaid, trade.cancel closed it/);
  });
});
