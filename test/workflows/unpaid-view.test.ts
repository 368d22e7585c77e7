/** What `status` says an unpaid task waits for: the publisher, the resolution of its freeze after the deadline, or an operator. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { taskView } from '../../workflows/task/view';
import { newTask, T0 } from './ledger-ops';

const HOUR = 3_600_000;

describe('the next step of an unpaid task', () => {
  test('before the payment deadline: the publisher', () => {
    const state = { ...newTask(10_000, 0), paymentDeadlineMs: T0 + 2 * HOUR };
    assert.deepEqual(taskView(state, T0).pendingActions, [
      'waiting for the publisher to pay the bounty at the cashier (task_freeze)',
    ]);
  });

  test('after it, while trade.query / trade.cancel run: the resolution, not the publisher', () => {
    const state = { ...newTask(10_000, 0), paymentDeadlineMs: T0 + 2 * HOUR };
    const [next] = taskView(state, T0 + 2 * HOUR).pendingActions;
    assert.match(next, /^the payment deadline passed: resolving the unpaid freeze \(trade\.query, then trade\.cancel/);
  });

  test('a blocked payment step: the operator, with the actions that resolve it', () => {
    const state = {
      ...newTask(10_000, 0),
      paymentDeadlineMs: T0 + 2 * HOUR,
      blocked: { step: 'payment', code: 'PAYMENT_UNRESOLVED', message: 'no clear answer', sinceMs: T0 + 3 * HOUR },
    } as ReturnType<typeof newTask>;
    assert.deepEqual(taskView(state, T0 + 4 * HOUR).pendingActions, [
      'the payment step waits for an operator (PAYMENT_UNRESOLVED): retry, cancel_unpaid or settle_manually',
    ]);
  });

  test('once resolved (cancelled), nothing is pending', () => {
    const state = { ...newTask(10_000, 0), paymentDeadlineMs: T0, paymentResolved: true, cancelled: true };
    assert.deepEqual(taskView(state, T0 + HOUR).pendingActions, []);
  });
});
