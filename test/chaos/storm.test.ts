/**
 * The notification-storm chaos scenario in its CI form (chaos/storm.ts): every notification duplicated, reordered,
 * delayed past the next phase and past the task's close, plus forgeries; final states exact, no forgery accepted.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chaosVerdict } from '../../chaos/table';
import { notificationStorm } from '../../chaos/storm';

test(
  'notification storm (short): final states exact, nothing twice, nothing lost, no forgery accepted',
  { timeout: 900_000 }, // a guard against a hang, not a speed test: the short run takes 1–3 min here
  async () => {
    const row = await notificationStorm.run({
      short: true,
      say: (l) => process.env.WITKEY_TEST_VERBOSE && console.error(l),
    });
    assert.deepEqual(row.problems, []);
    // the suite's own verdict: money conserved, nothing twice, nothing lost, no forgery, no 5xx, no crash
    assert.ok(chaosVerdict([row]).ok, chaosVerdict([row]).line);
    assert.equal(row.needsAttention, 0);
    assert.equal(row.completed, row.tasks);
    assert.ok(row.faultsInjected > row.tasks * 8, `notifications stormed: ${row.faultsInjected}`);
  },
);
