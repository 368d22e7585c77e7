/**
 * Failed transfers end to end: the real workflow on the time-skipping server, the real activities, the sandbox
 * gateway with the accountAbnormal winner fault, its signed notifications through the webhook. A winner whose
 * Alipay account is abnormal fails at task.confirm (F), at the payout (assign_transfer F) or in a leftover plan
 * (failure_bidders); the workflow marks the transfer failed with Alipay's code, frees the amount, and the task
 * still ends with the sandbox ledger equal to the workflow ledger to the fen.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sandboxLedger as sandboxLedgerOf } from '../../cli/demo/sandbox-ledger';
import type { TaskView } from '../../workflows/messages';
import { startTestStack, type TestStack } from '../support/stack';

const DAY = 86_400_000;
const PUBLISHER = '2088100000000021';
const W = [
  '2088300000000001',
  '2088300000000002',
  '2088300000000003',
  '2088300000000004',
  '2088300000000005',
  '2088300000000006',
];

/** round_half_up(x * bp / 10000), written independently of alipay/core/fees (small amounts only). */
const fee = (x: number, bp: number): number => Math.floor((x * bp * 2 + 10000) / 20000);

function conserved(v: TaskView): void {
  const l = v.ledger;
  assert.equal(
    l.bountyFrozenFen + l.valueAddedFeePaidFen,
    l.winnersReceivedFen + l.platformReceivedFen + l.alipayFeesFen + l.refundedFen + l.stillFrozenFen,
    JSON.stringify(l),
  );
}

describe('failed transfers through the sandbox (time-skipping)', () => {
  let stack: TestStack;
  let rates: { commissionBp: number; alipayFeeBp: number };
  before(async () => {
    stack = await startTestStack();
    rates = stack.sandbox.config.feeRates;
  });
  after(async () => {
    await stack?.stop();
  });

  /** A winner transfer of gross g, computed here: the winner's share, the platform's, Alipay's. */
  const split = (g: number): { winner: number; platform: number; fees: number } => {
    const c = fee(g, rates.commissionBp);
    const f = fee(c, rates.alipayFeeBp);
    return { winner: g - c, platform: c - f, fees: f };
  };

  async function sandboxLedger(id: string): Promise<TaskView['ledger']> {
    const l = await sandboxLedgerOf(stack.sandbox, id);
    assert.ok(l, `the sandbox knows ${id}`);
    return l;
  }

  async function publishAndPay(id: string, bountyFen: number, expiresInMs: number): Promise<void> {
    const published = await stack.tasks.publish({
      outerTaskId: id,
      title: `任务 ${id}`,
      taskType: 'DESIGN',
      publisherId: `pub-${id}`,
      publisherAlipayUserId: PUBLISHER,
      bountyFen,
      valueAddedFeeFen: 0,
      expiresAtMs: (await stack.now()) + expiresInMs,
    });
    await stack.sandbox.pay(published.cashierUrl, { payerUserId: PUBLISHER, followReturn: true });
    await stack.flush();
    const view = await stack.status(id);
    assert.equal(view.phase, 'open');
    assert.equal(view.ledger.bountyFrozenFen, bountyFen);
  }

  const transferOf = (v: TaskView, no: string) => {
    const t = v.transfers.find((x) => x.transferNo === no);
    assert.ok(t, `transfer ${no} in the view`);
    return t;
  };

  test('an immediate winner reported F at task_confirm: failed with the code, amount free, another winner is paid; ledgers equal', async () => {
    const id = 'fail-confirm';
    await publishAndPay(id, 10_000, 5 * DAY);
    stack.sandbox.injectFault({ target: 'winner', kind: 'accountAbnormal', stage: 'confirm', alipayUserId: W[0] });
    const r1 = await stack.tasks.selectWinners(id, {
      winners: [{ alipayUserId: W[0], nickname: 'Broken', amountFen: 6_000 }],
    });
    await stack.sandbox.confirm(r1.confirmUrl, { followReturn: true });
    await stack.flush();
    let view = await stack.status(id);
    const failed = transferOf(view, r1.transferNos[0]);
    assert.deepEqual([failed.status, failed.errorCode, failed.winnerPaid], ['failed', 'ACCOUNT_NOT_EXIST', false]);
    assert.equal(view.availableFen, 10_000, 'the failed amount is free again');
    assert.equal(view.ledger.stillFrozenFen, 10_000);
    assert.deepEqual(await sandboxLedger(id), view.ledger);

    // the publisher selects another winner, who is paid
    const r2 = await stack.tasks.selectWinners(id, {
      winners: [{ alipayUserId: W[1], nickname: 'Good', amountFen: 6_000 }],
    });
    await stack.sandbox.confirm(r2.confirmUrl, { followReturn: true });
    await stack.flush();
    view = await stack.status(id);
    const paid = transferOf(view, r2.transferNos[0]);
    assert.deepEqual([paid.status, paid.winnerPaid, paid.commissionSettled], ['paid', true, true]);
    const s = split(6_000);
    assert.deepEqual(view.ledger, {
      bountyFrozenFen: 10_000,
      valueAddedFeePaidFen: 0,
      winnersReceivedFen: s.winner,
      platformReceivedFen: s.platform,
      alipayFeesFen: s.fees,
      refundedFen: 0,
      stillFrozenFen: 4_000,
    });
    assert.equal(view.availableFen, 4_000);
    conserved(view);
    assert.deepEqual(await sandboxLedger(id), view.ledger, 'the sandbox and the workflow agree to the fen');
    assert.equal(view.needsAttention, false, JSON.stringify(view.attention));
    assert.equal(stack.sandbox.ledger().winners[W[0]] ?? 0, 0, 'nothing reached the abnormal account');
    assert.deepEqual(stack.sandbox.ledger().violations, []);

    // after expiry the rest goes back to the publisher and the task closes with both ledgers equal
    await stack.pass(5 * DAY + 1_000); // the client rounds the expiry up to Alipay's whole second
    const plan = await stack.tasks.planLeftover(id, { refundFen: 4_000, platformFen: 0, winners: [] });
    await stack.sandbox.confirmLeftover(plan.adminPage.fields, { followReturn: true });
    await stack.flush();
    await stack.pass(2 * DAY);
    const result = await stack.result(id);
    assert.deepEqual(result.view.ledger, { ...view.ledger, refundedFen: 4_000, stillFrozenFen: 0 });
    assert.equal(result.view.phase, 'settled');
    assert.equal(result.view.needsAttention, false, JSON.stringify(result.view.attention));
    assert.deepEqual(await sandboxLedger(id), result.view.ledger, 'the sandbox and the workflow agree to the fen');
  });

  test('an announcement winner whose payout assign fails: failed, amount free, a leftover plan after expiry refunds it; ledgers equal', async () => {
    const id = 'fail-payout';
    await publishAndPay(id, 10_000, 10 * DAY);
    const r = await stack.tasks.selectWinners(id, {
      winners: [
        { alipayUserId: W[2], nickname: 'Fine', amountFen: 5_000 },
        { alipayUserId: W[3], nickname: 'Closed', amountFen: 3_000 },
      ],
      announceEndMs: (await stack.now()) + 2 * DAY,
    });
    await stack.sandbox.confirm(r.confirmUrl, { followReturn: true });
    await stack.flush();
    assert.equal((await stack.status(id)).phase, 'announcement');
    // the second winner's account becomes abnormal during the announcement: the payout's assign_transfer is F
    stack.sandbox.injectFault({
      target: 'winner',
      kind: 'accountAbnormal',
      stage: 'payment',
      alipayUserId: W[3],
      errorCode: 'ACCOUNT_NOT_EXIST',
    });
    await stack.pass(2 * DAY + 60_000);
    let view = await stack.status(id);
    const [good, bad] = [transferOf(view, r.transferNos[0]), transferOf(view, r.transferNos[1])];
    assert.deepEqual([good.status, good.winnerPaid, good.commissionSettled], ['paid', true, true]);
    assert.deepEqual([bad.status, bad.errorCode, bad.winnerPaid], ['failed', 'ACCOUNT_NOT_EXIST', false]);
    assert.equal(view.availableFen, 5_000, 'the failed 3000 is free again');
    assert.equal(
      stack.sandbox.notifications({ outerTaskId: id, notifyType: 'platform_profit_transfer' }).length,
      1,
      'no commission for the failed payout',
    );
    assert.deepEqual(await sandboxLedger(id), view.ledger);

    await stack.pass(8 * DAY); // expired
    view = await stack.status(id);
    assert.equal(view.phase, 'expired');
    const plan = await stack.tasks.planLeftover(id, { refundFen: view.availableFen, platformFen: 0, winners: [] });
    await stack.sandbox.confirmLeftover(plan.adminPage.fields, { followReturn: true });
    await stack.flush();
    await stack.pass(2 * DAY); // past the resend window
    const result = await stack.result(id);
    const s = split(5_000);
    assert.deepEqual(result.view.ledger, {
      bountyFrozenFen: 10_000,
      valueAddedFeePaidFen: 0,
      winnersReceivedFen: s.winner,
      platformReceivedFen: s.platform,
      alipayFeesFen: s.fees,
      refundedFen: 5_000,
      stillFrozenFen: 0,
    });
    conserved(result.view);
    assert.equal(result.view.phase, 'settled');
    assert.equal(result.view.needsAttention, false, JSON.stringify(result.view.attention));
    assert.deepEqual(await sandboxLedger(id), result.view.ledger, 'the sandbox and the workflow agree to the fen');
    assert.equal(stack.sandbox.ledger().winners[W[3]] ?? 0, 0);
  });

  test('a leftover plan with a failure bidder: failed, a second leftover plan refunds the rest; ledgers equal', async () => {
    const id = 'fail-leftover';
    await publishAndPay(id, 10_000, DAY);
    await stack.pass(DAY + 60_000);
    assert.equal((await stack.status(id)).phase, 'expired');
    stack.sandbox.injectFault({ target: 'winner', kind: 'accountAbnormal', stage: 'leftover', alipayUserId: W[5] });
    const plan1 = await stack.tasks.planLeftover(id, {
      refundFen: 2_000,
      platformFen: 1_000,
      winners: [
        { alipayUserId: W[4], nickname: 'Late', amountFen: 1_500 },
        { alipayUserId: W[5], nickname: 'Gone', amountFen: 3_000 },
      ],
    });
    await stack.sandbox.confirmLeftover(plan1.adminPage.fields, { followReturn: true });
    await stack.flush();
    let view = await stack.status(id);
    const [good, bad] = [transferOf(view, plan1.transferNos[0]), transferOf(view, plan1.transferNos[1])];
    assert.deepEqual([good.status, good.winnerPaid, good.commissionSettled], ['paid', true, true]);
    assert.deepEqual([bad.status, bad.errorCode, bad.winnerPaid], ['failed', 'ACCOUNT_NOT_EXIST', false]);
    assert.equal(view.leftovers[0].status, 'done');
    const left = 10_000 - 2_000 - 1_000 - 1_500;
    assert.equal(view.availableFen, left, "the failure bidder's 3000 is free for a new plan");
    assert.equal(
      stack.sandbox.notifications({ outerTaskId: id, notifyType: 'assign_transfer' }).length,
      1,
      'no assign for the failure bidder',
    );
    assert.deepEqual(await sandboxLedger(id), view.ledger);

    const plan2 = await stack.tasks.planLeftover(id, { refundFen: left, platformFen: 0, winners: [] });
    await stack.sandbox.confirmLeftover(plan2.adminPage.fields, { followReturn: true });
    await stack.flush();
    await stack.pass(2 * DAY);
    const result = await stack.result(id);
    const s = split(1_500);
    const shareFee = fee(1_000, rates.alipayFeeBp);
    assert.deepEqual(result.view.ledger, {
      bountyFrozenFen: 10_000,
      valueAddedFeePaidFen: 0,
      winnersReceivedFen: s.winner,
      platformReceivedFen: s.platform + 1_000 - shareFee,
      alipayFeesFen: s.fees + shareFee,
      refundedFen: 2_000 + left,
      stillFrozenFen: 0,
    });
    conserved(result.view);
    assert.equal(result.view.phase, 'settled');
    assert.equal(result.view.needsAttention, false, JSON.stringify(result.view.attention));
    assert.deepEqual(await sandboxLedger(id), result.view.ledger, 'the sandbox and the workflow agree to the fen');
    view = result.view;
    assert.deepEqual(
      view.leftovers.map((p) => p.status),
      ['done', 'done'],
    );
  });
});
