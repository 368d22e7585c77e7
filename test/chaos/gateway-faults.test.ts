/**
 * The gateway-faults chaos scenario in its CI form (chaos/gateway-faults.ts): every request, notification and
 * winner fault of the sandbox, and a configuration error fixed and resumed; every task final, the books equal.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chaosVerdict } from '../../chaos/table';
import { gatewayFaults } from '../../chaos/gateway-faults';

test(
  'gateway faults (short): every task final, money conserved, nothing twice, nothing lost',
  { timeout: 900_000 }, // a guard against a hang, not a speed test: the short run takes 1–3 min here
  async () => {
    const row = await gatewayFaults.run({
      short: true,
      say: (l) => process.env.WITKEY_TEST_VERBOSE && console.error(l),
    });
    assert.deepEqual(row.problems, []);
    // the suite's own verdict: money conserved, nothing twice, nothing lost, no forgery, no 5xx, no crash
    assert.ok(chaosVerdict([row]).ok, chaosVerdict([row]).line);
    assert.equal(row.completed, row.tasks);
    assert.ok(row.needsAttention > 0, 'the configuration error parked tasks before the fix');
    assert.ok(row.faultsInjected > row.tasks, `faults hit: ${row.faultsInjected}`);
  },
);
