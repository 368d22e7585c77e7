/**
 * Part 2 of the workflow: what goes wrong and how it is fixed without losing a fen — a payout blocked by a
 * configuration error and resumed by an operator, a failed transfer re-planned, amount.append (paid, and never
 * paid), manual settlement, a task nobody won, late notifications after close.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { splitWinnerTransfer } from '../../alipay/core/fees';
import { GATEWAY_FAILURE } from '../../activities/types';
import { TaskRequestError } from '../../client/tasks';
import type { StartedServer } from '../../devstack/servers';
import { taskWorkflowId } from '../../workflows/messages';
import { timeSkippingServer } from '../support/servers';
import { conserved, RATES, startWorkflowHarness, WINNERS, type WorkflowHarness } from '../support/workflow-harness';

const DAY = 86_400_000;
const OP = { operator: 'ops-alice', reason: 'test' };

describe('bounty task side paths (time-skipping)', () => {
  let server: StartedServer;
  let h: WorkflowHarness;
  before(async () => {
    server = await timeSkippingServer();
    h = await startWorkflowHarness(server, { resendWindowMs: DAY });
  });
  after(async () => {
    await h?.stop();
    await server?.env.teardown();
  });

  test('a payout refused for configuration needs attention; after the fix an operator retries and it pays once', async () => {
    const id = 'blocked-1';
    await h.publishAndPay(id, 10_000, 0, 20 * DAY);
    const r = await h.tasks.selectWinners(id, {
      winners: [{ alipayUserId: WINNERS[0], nickname: 'a', amountFen: 6_000 }],
      announceEndMs: (await h.now()) + 3 * DAY,
    });
    await h.notify(id, {
      type: 'task_confirm',
      transfers: [{ outerTransferNo: r.transferNos[0], amountFen: 6_000, alipayUserId: WINNERS[0], status: 'W' }],
    });
    h.gateway.payoutFailure = GATEWAY_FAILURE.configuration;
    await server.env.sleep(3 * DAY + 1_000);
    let view = await h.tasks.status(id);
    assert.equal(view.needsAttention, true);
    assert.equal(view.attention.at(-1)!.code, 'PAYOUT_FAILED');
    assert.match(view.attention.at(-1)!.message, /ILLEGAL_PARTNER/);
    assert.equal(view.transfers[0].status, 'waiting', 'nothing moved');
    const desc = await server.env.client.workflow.getHandle(taskWorkflowId(id)).describe();
    assert.equal(desc.searchAttributes.WitkeyNeedsAttention?.[0], true);
    await assert.rejects(
      h.tasks.operator(id, { action: 'retry', operator: '', reason: 'x' }),
      (e: unknown) => e instanceof TaskRequestError && /operator/.test(e.message),
    );

    h.gateway.payoutFailure = undefined; // the partner id was fixed
    const before = h.gateway.payouts.length;
    view = await h.tasks.operator(id, { action: 'retry', ...OP, reason: 'partner id corrected in config' });
    await server.env.sleep(1_000);
    view = await h.tasks.status(id);
    assert.equal(h.gateway.payouts.length, before + 1, 'paid out exactly once');
    assert.equal(view.transfers[0].status, 'paying');
    assert.equal(view.needsAttention, false);
    assert.deepEqual(
      view.operatorActions.map((a) => [a.action, a.operator, a.reason]),
      [['retry', 'ops-alice', 'partner id corrected in config']],
    );
    await h.saveHistory(id, 'payout-blocked-retry');
  });

  test('a transfer reported failed (F) frees its amount; the publisher picks another winner', async () => {
    const id = 'failed-1';
    await h.publishAndPay(id, 10_000, 0, 20 * DAY);
    const r = await h.tasks.selectWinners(id, {
      winners: [{ alipayUserId: WINNERS[0], nickname: 'a', amountFen: 7_000 }],
    });
    await h.notify(id, {
      type: 'task_confirm',
      transfers: [{ outerTransferNo: r.transferNos[0], amountFen: 7_000, alipayUserId: WINNERS[0], status: 'I' }],
    });
    const split = splitWinnerTransfer(7_000, RATES);
    await h.notify(id, {
      type: 'assign_transfer',
      subType: 'ASSIGN_FOR_IMMEDIATE_PAYMENT',
      outerTransferNo: r.transferNos[0],
      alipayUserId: WINNERS[0],
      amountFen: 7_000,
      commissionFen: split.commissionFen,
      winnerAmountFen: split.winnerFen,
      status: 'F',
      errorCode: 'ACCOUNT_NOT_EXIST',
      transferTime: await h.now(),
    });
    let view = await h.tasks.status(id);
    assert.equal(view.transfers[0].status, 'failed');
    assert.equal(view.transfers[0].errorCode, 'ACCOUNT_NOT_EXIST');
    assert.equal(view.availableFen, 10_000, 'the failed amount is free again');
    assert.equal(view.ledger.winnersReceivedFen, 0);
    const r2 = await h.tasks.selectWinners(id, {
      winners: [{ alipayUserId: WINNERS[1], nickname: 'b', amountFen: 7_000 }],
    });
    assert.notEqual(
      r2.transferNos[0],
      r.transferNos[0],
      'a new transfer number: never a second payment under the old one',
    );
    view = await h.tasks.status(id);
    assert.equal(view.availableFen, 3_000);
    await h.saveHistory(id, 'transfer-failed-replanned');
  });

  test('amount.append adds bounty and moves the deadline when paid; an unpaid one is cancelled and changes nothing', async () => {
    const id = 'append-1';
    await h.publishAndPay(id, 10_000, 0, 5 * DAY);
    const before = await h.tasks.status(id);
    const newExpiry = before.spec.expiresAtMs + 5 * DAY;
    const ext = await h.tasks.extend(id, { addBountyFen: 4_000, addValueAddedFeeFen: 100, newExpiresAtMs: newExpiry });
    assert.equal(ext.freezeNo, `${id}AF1`);
    await assert.rejects(h.tasks.extend(id, { addBountyFen: 1, newExpiresAtMs: newExpiry }), /still waiting/);
    await h.notify(id, {
      type: 'task_freeze',
      outerTaskFreezeNo: ext.freezeNo,
      taskAmountFen: 4_000,
      paidTime: await h.now(),
    });
    await h.notify(id, {
      type: 'additional_profit_transfer',
      additionalProfitTransferNo: `${id}AA1`,
      amountFen: 100,
      status: 'S',
      transferTime: await h.now(),
    });
    let view = await h.tasks.status(id);
    assert.equal(view.ledger.bountyFrozenFen, 14_000);
    assert.equal(view.ledger.valueAddedFeePaidFen, 100);
    assert.equal(view.spec.expiresAtMs, newExpiry);
    const desc = await server.env.client.workflow.getHandle(taskWorkflowId(id)).describe();
    assert.equal(desc.searchAttributes.WitkeyAmountFen?.[0], 14_000, 'the visible amount follows the append');

    h.gateway.tradeQuery = { kind: 'found', tradeStatus: 'WAIT_BUYER_PAY' };
    h.gateway.tradeCancel = { kind: 'closed' };
    const ext2 = await h.tasks.extend(id, { addBountyFen: 5_000, newExpiresAtMs: newExpiry + DAY });
    await server.env.sleep(2 * 3_600_000 + 1_000);
    view = await h.tasks.status(id);
    assert.ok(h.gateway.tradeCancels.includes(ext2.freezeNo), 'trade.cancel on the append freeze');
    assert.equal(view.ledger.bountyFrozenFen, 14_000, 'nothing added');
    assert.equal(view.spec.expiresAtMs, newExpiry, 'the deadline did not move');
    assert.equal(view.phase, 'open');
    await h.saveHistory(id, 'amount-append');
  });

  test('nobody won: after expiry the whole bounty is refunded; a late duplicate after close changes nothing', async () => {
    const id = 'nowin-1';
    await h.publishAndPay(id, 2_500, 0, 2 * DAY);
    await server.env.sleep(2 * DAY + 1_000);
    const plan = await h.tasks.planLeftover(id, { refundFen: 2_500, platformFen: 0, winners: [] });
    await h.notify(
      id,
      {
        type: 'left_amount_handle',
        refund: { serialNo: plan.refundSerialNo, amountFen: 2_500 },
        successBidders: [],
        failureBidders: [],
      },
      `lah-${id}`,
    );
    await h.notify(
      id,
      {
        type: 'refund_transfer',
        outerTransferNo: plan.refundSerialNo,
        amountFen: 2_500,
        status: 'S',
        transferTime: await h.now(),
      },
      `rf-${id}`,
    );
    const result = await h.result(id);
    conserved(result);
    assert.equal(result.view.ledger.refundedFen, 2_500);
    assert.ok(
      result.processedNotifyIds.includes(`rf-${id}`),
      'the record of the closed task lists every notification it processed',
    );
    await h.saveHistory(id, 'nobody-won');
  });

  test('an operator settles a stuck task manually: recorded with who and why, and the task closes', async () => {
    const id = 'manual-1';
    await h.publishAndPay(id, 3_000, 0, 20 * DAY);
    await h.notify(id, {
      type: 'task_freeze',
      outerTaskFreezeNo: `${id}FZ`,
      taskAmountFen: 1,
      paidTime: await h.now(),
    }); // a bad amount: attention
    await assert.rejects(
      h.tasks.operator(id, { action: 'settle_manually', operator: 'ops-bob', reason: '' }),
      /reason/,
    );
    const view = await h.tasks.operator(id, {
      action: 'settle_manually',
      operator: 'ops-bob',
      reason: 'refunded by bank transfer, ticket 42',
    });
    assert.equal(view.phase, 'settled');
    assert.equal(view.needsAttention, false);
    assert.deepEqual(
      view.operatorActions[0].outcome,
      "settled manually with 3000 fen still frozen in the system's books",
    );
    const result = await h.result(id);
    assert.equal(result.view.operatorActions.length, 1);
    await h.saveHistory(id, 'manual-settlement');
  });

  test('notifications that overtake the step they follow are kept and applied after it; none is lost', async () => {
    const id = 'overtake-1';
    await h.publishAndPay(id, 20_000, 0, 3 * DAY);
    const r = await h.tasks.selectWinners(id, {
      winners: [{ alipayUserId: WINNERS[0], nickname: 'a', amountFen: 8_000 }],
    });
    await h.payTransfer(id, r.transferNos[0], 8_000, 'IMMEDIATE'); // assign + profit before task_confirm
    let view = await h.tasks.status(id);
    assert.equal(view.transfers[0].status, 'requested');
    assert.equal(view.ledger.winnersReceivedFen, 0, 'not applied yet');
    assert.equal(view.needsAttention, false, 'not an error: kept for later');
    await h.notify(id, {
      type: 'task_confirm',
      transfers: [{ outerTransferNo: r.transferNos[0], amountFen: 8_000, alipayUserId: WINNERS[0], status: 'I' }],
    });
    view = await h.tasks.status(id);
    const split = splitWinnerTransfer(8_000, RATES);
    assert.equal(view.transfers[0].status, 'paid');
    assert.equal(view.ledger.winnersReceivedFen, split.winnerFen);
    assert.equal(view.ledger.platformReceivedFen, split.platformFen);

    // leftover: the final refund and platform notifications before the intermediate left_amount_handle
    await server.env.sleep(3 * DAY + 1_000);
    const plan = await h.tasks.planLeftover(id, { refundFen: 10_000, platformFen: 2_000, winners: [] });
    const share = 2_000 - Math.round((2_000 * RATES.alipayFeeBp) / 10_000);
    await h.notify(id, {
      type: 'refund_transfer',
      outerTransferNo: plan.refundSerialNo,
      amountFen: 10_000,
      status: 'S',
      transferTime: await h.now(),
    });
    await h.notify(id, {
      type: 'platform_profit_transfer',
      subType: 'PLATFORM_PROFIT_BY_IMMEDIATE_PAYMENT',
      outerTransferNo: plan.platformSerialNo,
      profitAmountFen: 2_000,
      alipayFeeFen: 2_000 - share,
      platformAmountFen: share,
      status: 'S',
      transferTime: await h.now(),
    });
    await h.notify(id, {
      type: 'left_amount_handle',
      refund: { serialNo: plan.refundSerialNo, amountFen: 10_000 },
      platform: { serialNo: plan.platformSerialNo, amountFen: 2_000 },
      successBidders: [],
      failureBidders: [],
    });
    view = await h.tasks.status(id);
    assert.equal(view.availableFen, 0, 'nothing earmarked twice');
    assert.deepEqual(
      view.leftovers.map((p) => [p.status, p.refund?.status, p.platform?.status]),
      [['done', 'done', 'done']],
    );
    const result = await h.result(id);
    conserved(result);
    assert.equal(result.view.ledger.stillFrozenFen, 0);
    assert.equal(result.view.needsAttention, false);
    await h.saveHistory(id, 'overtaking-notifications');
  });

  test('a confirmation made before expiry but notified after it is applied; the leftover waits for it', async () => {
    const id = 'lateconfirm-1';
    await h.publishAndPay(id, 6_000, 0, 2 * DAY);
    const r = await h.tasks.selectWinners(id, {
      winners: [{ alipayUserId: WINNERS[0], nickname: 'a', amountFen: 1_000 }],
    });
    await server.env.sleep(2 * DAY + 1_000); // expired, the confirmation still on its way
    await assert.rejects(
      h.tasks.planLeftover(id, { refundFen: 5_000, platformFen: 0, winners: [] }),
      /may still be confirmed/,
    );
    await h.notify(id, {
      type: 'task_confirm',
      transfers: [{ outerTransferNo: r.transferNos[0], amountFen: 1_000, alipayUserId: WINNERS[0], status: 'I' }],
    });
    const view = await h.tasks.status(id);
    assert.equal(view.transfers[0].status, 'paying');
    assert.equal(view.needsAttention, false);
  });

  test('a retried selection with the same request id returns the same round, not a second one', async () => {
    const id = 'idem-1';
    await h.publishAndPay(id, 9_000, 0, 5 * DAY);
    const input = { winners: [{ alipayUserId: WINNERS[0], nickname: 'a', amountFen: 4_000 }] };
    const first = await h.tasks.selectWinners(id, input, 'site-req-77');
    const again = await h.tasks.selectWinners(id, input, 'site-req-77');
    assert.deepEqual(again.transferNos, first.transferNos);
    const view = await h.tasks.status(id);
    assert.equal(view.rounds.length, 1);
    assert.equal(view.availableFen, 5_000);
  });

  test("a payment whose notifications never come within Alipay's resend window is flagged for an operator", async () => {
    const id = 'overdue-1';
    await h.publishAndPay(id, 4_000, 0, 10 * DAY);
    const r = await h.tasks.selectWinners(id, {
      winners: [{ alipayUserId: WINNERS[0], nickname: 'a', amountFen: 1_000 }],
    });
    await h.notify(id, {
      type: 'task_confirm',
      transfers: [{ outerTransferNo: r.transferNos[0], amountFen: 1_000, alipayUserId: WINNERS[0], status: 'I' }],
    });
    assert.equal((await h.tasks.status(id)).needsAttention, false);
    await server.env.sleep(DAY + 1_000); // the harness's resend window is one day
    const view = await h.tasks.status(id);
    assert.equal(view.needsAttention, true);
    assert.deepEqual(
      view.attention.map((a) => a.code),
      ['NOTIFICATION_OVERDUE'],
    );
    assert.equal(view.transfers[0].status, 'paying', 'nothing assumed: the money stays where the ledger knows it is');
    await h.saveHistory(id, 'notification-overdue');
  });

  test('an operator cancels a task the publisher never paid, before the payment deadline: nothing charged', async () => {
    const id = 'cancel-unpaid-1';
    h.gateway.tradeQuery = { kind: 'found', tradeStatus: 'WAIT_BUYER_PAY' };
    h.gateway.tradeCancel = { kind: 'closed' };
    await h.tasks.publish({
      outerTaskId: id,
      title: id,
      taskType: 'DESIGN',
      publisherId: 'pub-1',
      bountyFen: 2_000,
      valueAddedFeeFen: 0,
      expiresAtMs: (await h.now()) + 10 * DAY,
    });
    const view = await h.tasks.operator(id, {
      action: 'cancel_unpaid',
      operator: 'ops-dan',
      reason: 'publisher withdrew the task',
    });
    assert.equal(view.operatorActions[0].action, 'cancel_unpaid');
    let after = await h.tasks.status(id);
    for (let i = 0; i < 50 && after.phase !== 'cancelled'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await h.tasks.status(id);
    }
    assert.equal(after.phase, 'cancelled');
    assert.ok(h.gateway.tradeCancels.includes(`${id}FZ`));
    assert.equal(after.ledger.bountyFrozenFen + after.ledger.refundedFen, 0, 'nothing charged');
    // a paid task cannot be cancelled this way
    await h.publishAndPay('cancel-unpaid-2', 2_000, 0, 10 * DAY);
    await assert.rejects(
      h.tasks.operator('cancel-unpaid-2', { action: 'cancel_unpaid', operator: 'ops-dan', reason: 'x' }),
      /only an unpaid task/,
    );
  });
});
