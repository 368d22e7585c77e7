/**
 * The "secrets and privacy" chaos scenario (chaos/privacy.ts): a full run of the embedded stack with the demo's
 * three tasks, gateway faults, forged notifications and bad client input; then every log, audit record, history (raw
 * and decoded), error message and the sandbox's and dev server's files are scanned for key material, and the raw
 * histories for Alipay ids, nicknames and notification bodies. No finding, and the run itself went as the demo does.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runPrivacy } from '../../chaos/privacy';

test(
  'secrets and privacy: a full run leaves no key material anywhere and no private data in raw histories',
  { timeout: 600_000 },
  async () => {
    const lines: string[] = [];
    const { row, figures, durationMs } = await runPrivacy({ short: true, say: (l) => lines.push(l) });
    process.stderr.write(`# secrets and privacy: ${(durationMs / 1000).toFixed(1)} s; ${JSON.stringify(figures)}\n`);
    assert.deepEqual(row.problems, [], `${row.problems.join('\n')}\n--- progress:\n${lines.slice(-40).join('\n')}`);
    assert.equal(row.crashes, 0);
    assert.equal(row.tasks, 3);
    assert.equal(row.completed + row.needsAttention, 3);
    assert.ok(row.moneyConserved);
    assert.equal(row.forgedAccepted, 0);
    assert.equal(row.serverErrors, 0);
    assert.ok(row.faultsInjected >= 8, `${row.faultsInjected} faults`);
    for (const kind of [
      'log file',
      'audit record',
      'raw history',
      'decoded history',
      'error message',
      'temporal database',
    ])
      assert.ok(figures[kind]?.bytes > 0, `nothing scanned of kind ${kind}`);
  },
);
