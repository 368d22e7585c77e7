/**
 * The client rounds a time up to the whole second (Alipay's times have no milliseconds), but only a time in whole
 * milliseconds: a fractional one (1.005) is refused, not rounded into a valid-looking time (it became 1000, a task
 * expiring in 1970, accepted: found by the full hostile-input chaos run). Refused before Temporal is asked.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Client } from '@temporalio/client';
import { TaskRequestError, WitkeyTasks } from '../../client/tasks';

const untouchable = new Proxy(
  {},
  {
    get: (_target, name) => {
      throw new Error(`the client was used (${String(name)})`);
    },
  },
) as Client;

const tasks = new WitkeyTasks(untouchable, { taskQueue: 'unused', feeRates: { commissionBp: 0, alipayFeeBp: 0 } });
const SPEC = {
  outerTaskId: 'times-1',
  title: 'times',
  taskType: 'DESIGN',
  publisherId: 'pub-times',
  publisherAlipayUserId: '2088100000000061',
  bountyFen: 10_000,
  valueAddedFeeFen: 0,
  expiresAtMs: 4_000_000_000_000,
};

test('client: publish refuses a fractional expiresAtMs instead of rounding it to a whole second', async () => {
  for (const expiresAtMs of [1.005, 0.5, 0.001, 4_000_000_000_000.5, 1e21, 2 ** 53 + 0.5])
    await assert.rejects(
      tasks.publish({ ...SPEC, expiresAtMs }),
      (e: unknown) => e instanceof TaskRequestError && e.field === 'expiresAtMs',
      String(expiresAtMs),
    );
  // a whole number of ms is still rounded up to the second (and then reaches Temporal)
  await assert.rejects(tasks.publish({ ...SPEC, expiresAtMs: 4_000_000_000_001 }), /the client was used/);
});
