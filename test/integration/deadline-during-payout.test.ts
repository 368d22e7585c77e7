/**
 * A deadline that falls due while a step waits. Two winners announced in two rounds whose announcements end one
 * second apart; the first payout (confirm.by.platform) takes four seconds at the gateway, so the second round's end
 * passes while the task waits for it, and the payout's notifications come two hours later (nothing else wakes it). Before `deadlines-since-steps` the task then took its next deadline from the
 * time after the payout, dropped the second end (already past) and slept until the task's expiry: the second winner
 * was paid days late (or, after the expiry, the task asked an operator: NOTHING_SCHEDULED, chaos seed 1, A001).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { plainTask, startTestStack, type TestStack } from '../support/stack';

const DAY = 86_400_000;
const PUBLISHER = '2088100000000031';

describe('a deadline that falls due during a payout (time-skipping)', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack();
  });
  after(async () => {
    await stack?.stop();
  });

  test("the second round's announcement end is not lost: both winners are paid at their ends", async () => {
    const id = `deadline-during-payout-${process.pid}`;
    const t0 = await stack.now();
    const published = await stack.tasks.publish(plainTask(id, PUBLISHER, t0 + 10 * DAY));
    await stack.sandbox.pay(published.cashierUrl, { payerUserId: PUBLISHER, followReturn: true });
    await stack.flush();
    const firstEnd = Math.ceil((t0 + DAY) / 1000) * 1000;
    const rounds = [];
    for (const [i, endMs] of [firstEnd, firstEnd + 1_000].entries()) {
      const r = await stack.tasks.selectWinners(id, {
        winners: [{ alipayUserId: `208830000000010${i}`, nickname: `W${i}`, amountFen: 3_000 }],
        announceEndMs: endMs,
      });
      await stack.sandbox.confirm(r.confirmUrl, { followReturn: true });
      await stack.flush();
      rounds.push(r.transferNos[0]);
    }
    assert.deepEqual(
      (await stack.status(id)).transfers.map((t) => t.status),
      ['waiting', 'waiting'],
    );
    stack.sandbox.injectFault({
      target: 'request',
      kind: 'delay',
      service: 'alipay.witkey.task.confirm.by.platform',
      delayMs: 4_000,
    });
    // the first payout's notifications come late (2 hours): nothing else wakes the task after the payout
    stack.sandbox.injectFault({
      target: 'notification',
      kind: 'delay',
      outerTaskId: id,
      delayMs: 2 * 3_600_000,
      times: 0,
    });
    await stack.pass(firstEnd - (await stack.now()) + 60_000); // a minute after the ends: not days
    const early = await stack.status(id);
    assert.deepEqual(
      early.transfers.map((t) => t.status),
      ['paying', 'paying'],
      `both payouts sent at their ends: ${JSON.stringify(early.pendingActions)}`,
    );
    await stack.pass(3 * 3_600_000);
    const view = await stack.status(id);
    const byNo = new Map(view.transfers.map((t) => [t.transferNo, t]));
    assert.deepEqual(
      rounds.map((no) => [byNo.get(no)?.status, byNo.get(no)?.winnerPaid]),
      [
        ['paid', true],
        ['paid', true],
      ],
      JSON.stringify(view.pendingActions),
    );
    assert.equal(view.needsAttention, false, JSON.stringify(view.attention));
    await stack.saveHistory(id, 'deadline-during-payout');
  });
});
