/**
 * Regression tests for the money paths found under adversarial use (issue "Money stays right on every path"): each
 * failed on the code before its fix. Operator actions and late or out-of-order events get the same checks as the
 * happy path: values, money totals and states.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { businessNumber } from '../../alipay/core/business-numbers';
import { splitWinnerTransfer } from '../../alipay/core/fees';
import type { StartedServer } from '../../devstack/servers';
import { newTaskState, selectWinners, TaskRuleError } from '../../workflows/task/ledger';
import { pageRefusedSignal, taskWorkflowId, type TaskView } from '../../workflows/messages';
import { timeSkippingServer } from '../support/servers';
import {
  conserved,
  PUBLISHER,
  RATES,
  startWorkflowHarness,
  WINNERS,
  type WorkflowHarness,
} from '../support/workflow-harness';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const OP = { operator: 'ops-alice', reason: 'regression test' };

function winner(i: number): string {
  return `2088${String(300_000_000_000 + i)}`;
}

async function until(what: string, check: () => boolean | Promise<boolean>, tries = 300): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for: ${what}`);
}

function booked(v: TaskView): void {
  const l = v.ledger;
  assert.equal(
    l.bountyFrozenFen + l.valueAddedFeePaidFen,
    l.winnersReceivedFen + l.platformReceivedFen + l.alipayFeesFen + l.refundedFen + l.stillFrozenFen,
    JSON.stringify(l),
  );
}

describe('money paths under adversarial use (time-skipping)', { timeout: 600_000 }, () => {
  let server: StartedServer;
  let h: WorkflowHarness;
  before(async () => {
    server = await timeSkippingServer();
    h = await startWorkflowHarness(server, { resendWindowMs: DAY });
  });
  afterEach(() => {
    Object.assign(h.gateway, {
      auditBroken: undefined,
      payoutGate: undefined,
      cancelBehaviour: 'ok',
      payoutFailure: undefined,
      tradeQuery: { kind: 'not_found' },
      tradeCancel: { kind: 'no_action' },
    });
  });
  after(async () => {
    await h?.stop();
    await server?.env.teardown();
  });

  test('1. a notification that arrives while the task closes is acted on, never lost (late freeze after cancel, audit write failing)', async () => {
    const id = 'mp-close-late';
    await h.tasks.publish({
      outerTaskId: id,
      title: 't',
      taskType: 'DESIGN',
      publisherId: 'p',
      publisherAlipayUserId: PUBLISHER,
      bountyFen: 80_000,
      valueAddedFeeFen: 0,
      expiresAtMs: (await h.now()) + 10 * DAY,
    });
    h.gateway.tradeCancel = { kind: 'closed' };
    await server.env.sleep(2 * HOUR + 1_000); // payment deadline: query (not found), cancel (closed)
    assert.equal((await h.tasks.status(id)).phase, 'cancelled');
    h.gateway.auditBroken = 'ENOSPC: no space left on device';
    const attempts = h.gateway.auditAttempts;
    await server.env.sleep(DAY + 1_000); // the resend window passes: the task closes and its record cannot be written
    await until('the audit write is retried', () => h.gateway.auditAttempts > attempts + 1);
    h.gateway.tradeCancel = { kind: 'refunded' };
    await h.notify(
      id,
      {
        type: 'task_freeze',
        outerTaskFreezeNo: businessNumber(id, { kind: 'freeze' }),
        taskAmountFen: 80_000,
        paidTime: await h.now(),
      },
      'late-freeze-1',
    );
    h.gateway.auditBroken = undefined;
    const result = await h.result(id);
    assert.ok(result.processedNotifyIds.includes('late-freeze-1'), 'the late freeze is in the result');
    assert.equal(h.gateway.tradeCancels.length, 2, 'the late payment was refunded by a second trade.cancel');
    assert.equal(result.view.ledger.bountyFrozenFen, 80_000);
    assert.equal(result.view.ledger.refundedFen, 80_000);
    assert.equal(result.view.ledger.stillFrozenFen, 0);
    assert.ok(result.view.attention.filter((a) => a.code === 'PAID_AFTER_CANCEL').every((a) => a.resolved));
    conserved(result);
    await h.saveHistory(id, 'close-rechecks-late-freeze');
  });

  test('2. a manual settlement during a payout stops the batches not yet sent (45 winners, settled during the first batch)', async () => {
    const id = 'mp-settle-batch';
    await h.publishAndPay(id, 100_000, 0, 30 * DAY);
    const end = (await h.now()) + 3 * DAY;
    for (let r = 0; r < 3; r++) {
      const round = await h.tasks.selectWinners(id, {
        winners: Array.from({ length: 15 }, (_, i) => ({
          alipayUserId: winner(r * 15 + i),
          nickname: `w${r * 15 + i}`,
          amountFen: 1_000,
        })),
        announceEndMs: end,
      });
      await h.notify(id, {
        type: 'task_confirm',
        transfers: round.transferNos.map((no, i) => ({
          outerTransferNo: no,
          amountFen: 1_000,
          alipayUserId: winner(r * 15 + i),
          status: 'W',
        })),
      });
    }
    await h.notify(id, {
      type: 'assign_transfer',
      subType: 'ASSIGN_FOR_ANNOUNCE_PAYMENT',
      outerTransferNo: `${id}T999`,
      alipayUserId: WINNERS[0],
      amountFen: 1,
      commissionFen: 0,
      winnerAmountFen: 1,
      status: 'S',
      transferTime: await h.now(),
    });
    assert.equal((await h.tasks.status(id)).needsAttention, true);
    let release!: () => void;
    h.gateway.payoutGate = new Promise((r) => (release = r));
    const calls = h.gateway.payoutCalls;
    const payoutsBefore = h.gateway.payouts.length;
    await server.env.sleep(3 * DAY + 1_000);
    await until('the first payout batch is at the gateway', () => h.gateway.payoutCalls > calls);
    await h.tasks.operator(id, { action: 'settle_manually', ...OP, reason: 'paid the winners by bank transfer' });
    release();
    await server.env.sleep(60_000);
    assert.equal(h.gateway.payouts.length - payoutsBefore, 1, 'only the batch already at the gateway was sent');
    assert.equal(h.gateway.payouts.at(-1)!.length, 30);
    const view = await h.tasks.status(id);
    assert.equal(
      view.transfers.filter((t) => t.status === 'paying').length,
      30,
      'the batch Alipay accepted is recorded',
    );
    assert.equal(view.transfers.filter((t) => t.status === 'waiting').length, 15, 'the rest was never sent');
    booked(view);
    await h.saveHistory(id, 'settlement-stops-payout');
  });

  test('3a. an unknown cancellation is repeated at once during the announcement: the winner is cancelled, never paid', async () => {
    const id = 'mp-cancel-unknown';
    await h.publishAndPay(id, 100_000, 0, 30 * DAY);
    const r = await h.tasks.selectWinners(id, {
      winners: [
        { alipayUserId: WINNERS[0], nickname: 'a', amountFen: 30_000 },
        { alipayUserId: WINNERS[1], nickname: 'b', amountFen: 20_000 },
      ],
      announceEndMs: (await h.now()) + 7 * DAY,
    });
    await h.notify(id, {
      type: 'task_confirm',
      transfers: r.transferNos.map((no, i) => ({
        outerTransferNo: no,
        amountFen: i === 0 ? 30_000 : 20_000,
        alipayUserId: WINNERS[i],
        status: 'W',
      })),
    });
    h.gateway.cancelBehaviour = 'unknown';
    await assert.rejects(h.tasks.cancelWinners(id, [r.transferNos[0]]), /unknown/);
    h.gateway.cancelBehaviour = 'ok'; // Alipay answers again
    await server.env.sleep(10 * 60_000); // well within the announcement
    let view = await h.tasks.status(id);
    assert.equal(
      view.transfers.find((t) => t.transferNo === r.transferNos[0])!.status,
      'cancelled',
      'repeated and cancelled during the announcement',
    );
    assert.ok(view.attention.filter((a) => a.code === 'CANCEL_OUTCOME_UNKNOWN').every((a) => a.resolved));
    await server.env.sleep(7 * DAY);
    assert.deepEqual(h.gateway.payouts.at(-1), [r.transferNos[1]], 'only the other winner is paid out');
    view = await h.tasks.status(id);
    assert.equal(view.availableFen, 100_000 - 20_000);
    booked(view);
    await h.saveHistory(id, 'cancel-unknown-repeated');
  });

  test('3b. a cancellation still unknown (or refused) when the announcement ends holds that payout for an operator', async () => {
    const id = 'mp-cancel-held';
    await h.publishAndPay(id, 100_000, 0, 30 * DAY);
    const r = await h.tasks.selectWinners(id, {
      winners: [
        { alipayUserId: WINNERS[0], nickname: 'a', amountFen: 30_000 },
        { alipayUserId: WINNERS[1], nickname: 'b', amountFen: 20_000 },
      ],
      announceEndMs: (await h.now()) + 2 * DAY,
    });
    await h.notify(id, {
      type: 'task_confirm',
      transfers: r.transferNos.map((no, i) => ({
        outerTransferNo: no,
        amountFen: i === 0 ? 30_000 : 20_000,
        alipayUserId: WINNERS[i],
        status: 'W',
      })),
    });
    h.gateway.cancelBehaviour = 'unknown';
    await assert.rejects(h.tasks.cancelWinners(id, [r.transferNos[0]]), /unknown/);
    await server.env.sleep(DAY); // still unknown: repeated with backoff
    assert.ok(h.gateway.cancelCalls > 6, `cancel repeated (${h.gateway.cancelCalls} calls)`);
    h.gateway.cancelBehaviour = 'refuse'; // after the end Alipay refuses: it may or may not have cancelled it
    await server.env.sleep(DAY + 1_000);
    let view = await h.tasks.status(id);
    const held = view.transfers.find((t) => t.transferNo === r.transferNos[0])!;
    assert.equal(held.status, 'waiting');
    assert.equal(held.payoutHeld, true);
    assert.ok(view.attention.some((a) => a.code === 'PAYOUT_HELD' && !a.resolved));
    assert.ok(!h.gateway.payouts.flat().includes(r.transferNos[0]), 'the held winner is never paid by itself');
    assert.ok(h.gateway.payouts.flat().includes(r.transferNos[1]), 'the other winner is paid');
    await assert.rejects(
      h.tasks.operator(id, { action: 'acknowledge', codes: ['PAYOUT_HELD'], ...OP }),
      /resolve_held_transfer/,
    );
    await h.tasks.operator(id, { action: 'acknowledge', ...OP }); // the other items (the cancellation's)
    // again, it would acknowledge nothing (the money item stands): refused, nothing recorded
    const actionsBefore = (await h.tasks.status(id)).operatorActions.length;
    await assert.rejects(
      h.tasks.operator(id, { action: 'acknowledge', ...OP }),
      /acknowledge: nothing to acknowledge; PAYOUT_HELD is about money and is resolved by resolve_held_transfer/,
    );
    await assert.rejects(
      h.tasks.operator(id, { action: 'acknowledge', codes: ['LEFTOVER_NOT_PLANNED'], ...OP }),
      /acknowledge: no open item with code LEFTOVER_NOT_PLANNED \(open: PAYOUT_HELD\)/,
    );
    const after = await h.tasks.status(id);
    assert.ok(
      after.attention.some((a) => a.code === 'PAYOUT_HELD' && !a.resolved),
      'the money item stays open',
    );
    assert.equal(after.operatorActions.length, actionsBefore, 'a refused action is not recorded');
    // the operator checked with Alipay: the cancel had gone through
    view = await h.tasks.operator(id, {
      action: 'resolve_held_transfer',
      transferNo: r.transferNos[0],
      outcome: 'cancelled',
      ...OP,
    });
    assert.equal(view.transfers.find((t) => t.transferNo === r.transferNos[0])!.status, 'cancelled');
    assert.equal(view.availableFen, 100_000 - 20_000);
    assert.ok(!h.gateway.payouts.flat().includes(r.transferNos[0]));
    await assert.rejects(
      h.tasks.operator(id, { action: 'resolve_held_transfer', transferNo: r.transferNos[0], outcome: 'pay', ...OP }),
      /not held/,
    );
    booked(view);
    await h.saveHistory(id, 'cancel-unknown-held');
  });

  test('3c. an operator may release a held payout: it is paid once', async () => {
    const id = 'mp-cancel-release';
    await h.publishAndPay(id, 50_000, 0, 30 * DAY);
    const r = await h.tasks.selectWinners(id, {
      winners: [{ alipayUserId: WINNERS[0], nickname: 'a', amountFen: 30_000 }],
      announceEndMs: (await h.now()) + DAY,
    });
    await h.notify(id, {
      type: 'task_confirm',
      transfers: [{ outerTransferNo: r.transferNos[0], amountFen: 30_000, alipayUserId: WINNERS[0], status: 'W' }],
    });
    h.gateway.cancelBehaviour = 'unknown';
    await assert.rejects(h.tasks.cancelWinners(id, r.transferNos), /unknown/);
    await server.env.sleep(DAY + 1_000);
    assert.equal((await h.tasks.status(id)).transfers[0].payoutHeld, true);
    const before = h.gateway.payouts.length;
    await h.tasks.operator(id, {
      action: 'resolve_held_transfer',
      transferNo: r.transferNos[0],
      outcome: 'pay',
      ...OP,
      reason: 'Alipay support: the cancel never arrived; the publisher agrees to pay',
    });
    await server.env.sleep(1_000);
    assert.deepEqual(h.gateway.payouts.slice(before), [r.transferNos], 'paid once after the release');
    const view = await h.tasks.status(id);
    assert.equal(view.transfers[0].status, 'paying');
    assert.ok(view.attention.filter((a) => a.code === 'PAYOUT_HELD').every((a) => a.resolved));
    await h.saveHistory(id, 'held-payout-released');
  });

  test("4. a refunded amount.append's value-added fee is booked once, whichever of refund and fee notification comes first", async () => {
    for (const order of ['fee-after-refund', 'fee-before-refund'] as const) {
      const id = `mp-append-${order}`;
      await h.publishAndPay(id, 50_000, 1_000, 30 * DAY);
      const append = await h.tasks.extend(id, {
        addBountyFen: 20_000,
        addValueAddedFeeFen: 300,
        newExpiresAtMs: (await h.now()) + 40 * DAY,
      });
      const fee = {
        type: 'additional_profit_transfer',
        additionalProfitTransferNo: appendFeeNo(id, append.append),
        amountFen: 300,
        status: 'S',
        transferTime: await h.now(),
      };
      if (order === 'fee-before-refund') await h.notify(id, fee);
      h.gateway.tradeQuery = { kind: 'not_found' };
      h.gateway.tradeCancel = { kind: 'refunded' };
      await server.env.sleep(2 * HOUR + 1_000); // the append's payment deadline: query, then cancel refunds it
      if (order === 'fee-after-refund') await h.notify(id, fee);
      const view = await h.tasks.status(id);
      assert.equal(view.ledger.platformReceivedFen, 1_000, `${order}: the platform keeps only the task's own fee`);
      assert.equal(view.ledger.refundedFen, 20_300, `${order}: bounty and fee of the append went back`);
      assert.equal(view.ledger.stillFrozenFen, 50_000);
      assert.equal(view.ledger.valueAddedFeePaidFen, 1_300);
      booked(view);
    }
  });

  test("4b. the task's own value-added fee notified after an append's fee is still booked", async () => {
    const spec = { id: 'mp-fee-order' };
    await h.tasks.publish({
      outerTaskId: spec.id,
      title: 't',
      taskType: 'DESIGN',
      publisherId: 'p',
      publisherAlipayUserId: PUBLISHER,
      bountyFen: 50_000,
      valueAddedFeeFen: 1_000,
      expiresAtMs: (await h.now()) + 30 * DAY,
    });
    await h.notify(spec.id, {
      type: 'task_freeze',
      outerTaskFreezeNo: businessNumber(spec.id, { kind: 'freeze' }),
      taskAmountFen: 50_000,
      paidTime: await h.now(),
    });
    const append = await h.tasks.extend(spec.id, {
      addBountyFen: 10_000,
      addValueAddedFeeFen: 200,
      newExpiresAtMs: (await h.now()) + 40 * DAY,
    });
    const view0 = await h.tasks.status(spec.id);
    await h.notify(spec.id, {
      type: 'task_freeze',
      outerTaskFreezeNo: append.freezeNo,
      taskAmountFen: 10_000,
      paidTime: await h.now(),
    });
    await h.notify(spec.id, {
      type: 'additional_profit_transfer',
      additionalProfitTransferNo: appendFeeNo(spec.id, append.append),
      amountFen: 200,
      status: 'S',
      transferTime: await h.now(),
    });
    await h.notify(spec.id, {
      type: 'additional_profit_transfer',
      additionalProfitTransferNo: view0.valueAddedFeeTransferNo,
      amountFen: 1_000,
      status: 'S',
      transferTime: await h.now(),
    });
    const view = await h.tasks.status(spec.id);
    assert.equal(view.ledger.valueAddedFeePaidFen, 1_200);
    assert.equal(view.ledger.platformReceivedFen, 1_200);
    assert.equal(view.needsAttention, false);
    booked(view);
  });

  test('7a. cancel_unpaid on a task whose payment step is blocked resolves the freeze now', async () => {
    const id = 'mp-cancel-unpaid-blocked';
    await h.tasks.publish({
      outerTaskId: id,
      title: 't',
      taskType: 'DESIGN',
      publisherId: 'p',
      publisherAlipayUserId: PUBLISHER,
      bountyFen: 80_000,
      valueAddedFeeFen: 0,
      expiresAtMs: (await h.now()) + 10 * DAY,
    });
    h.gateway.tradeCancel = { kind: 'failed', code: 'ACQ.TRADE_STATUS_ERROR' };
    await server.env.sleep(2 * HOUR + 1_000);
    let view = await h.tasks.status(id);
    assert.ok(view.attention.some((a) => a.code === 'PAYMENT_UNRESOLVED' && !a.resolved));
    // the blocked step's item is not acknowledged away: refused, with the actions that resolve it
    await assert.rejects(
      h.tasks.operator(id, { action: 'acknowledge', ...OP }),
      /PAYMENT_UNRESOLVED is the blocked step's item: resolved by retry, cancel_unpaid or settle_manually/,
    );
    assert.equal((await h.tasks.status(id)).operatorActions.length, view.operatorActions.length);
    const cancelsBefore = h.gateway.tradeCancels.length;
    h.gateway.tradeCancel = { kind: 'closed' };
    await h.tasks.operator(id, { action: 'cancel_unpaid', ...OP, reason: 'publisher gave up' });
    await server.env.sleep(1_000);
    view = await h.tasks.status(id);
    assert.equal(h.gateway.tradeCancels.length, cancelsBefore + 1, 'trade.cancel ran again');
    assert.equal(view.phase, 'cancelled');
    assert.equal(view.cancellation?.outcome, 'closed');
    assert.equal(view.needsAttention, false);
    await h.saveHistory(id, 'cancel-unpaid-unblocks');
  });

  test('7c. after a manual settlement no request moves money: winners, an append and a leftover plan are refused', async () => {
    const id = 'mp-settled-refuses';
    await h.publishAndPay(id, 20_000, 0, DAY / 2);
    // something an operator must look at: a notification of another task delivered here
    await h.notify(
      id,
      {
        type: 'task_freeze',
        outerTaskId: 'another-task',
        outerTaskFreezeNo: 'X1',
        taskAmountFen: 1,
        paidTime: await h.now(),
      },
      'wrong-task-1',
    );
    assert.equal((await h.tasks.status(id)).needsAttention, true);
    await h.tasks.operator(id, { action: 'settle_manually', ...OP, reason: 'refunded through Alipay support' });
    await assert.rejects(
      h.tasks.selectWinners(id, { winners: [{ alipayUserId: WINNERS[0], nickname: 'a', amountFen: 1_000 }] }),
      /settled manually/,
    );
    await assert.rejects(
      h.tasks.extend(id, { addBountyFen: 1_000, addValueAddedFeeFen: 0, newExpiresAtMs: (await h.now()) + DAY }),
      /settled manually/,
    );
    await server.env.sleep(DAY / 2 + 1_000); // expired; the task still listens for a resend window
    await assert.rejects(
      h.tasks.planLeftover(id, { refundFen: 6_000, platformFen: 0, winners: [] }),
      /settled manually/,
    );
    const view = await h.tasks.status(id);
    assert.deepEqual([view.rounds.length, view.leftovers.length, view.ledger.bountyFrozenFen], [0, 0, 20_000]);
    assert.equal(view.ledger.stillFrozenFen, 20_000, 'the books still show what was frozen: settled outside');
    const result = await h.result(id);
    assert.equal(result.view.phase, 'settled');
  });

  test('7b. a payment after a manual settlement of an unpaid task is not hidden: attention, the task stays open until settled again', async () => {
    const id = 'mp-paid-after-settle';
    await h.tasks.publish({
      outerTaskId: id,
      title: 't',
      taskType: 'DESIGN',
      publisherId: 'p',
      publisherAlipayUserId: PUBLISHER,
      bountyFen: 80_000,
      valueAddedFeeFen: 0,
      expiresAtMs: (await h.now()) + 10 * DAY,
    });
    h.gateway.tradeCancel = { kind: 'failed', code: 'ACQ.TRADE_STATUS_ERROR' };
    await server.env.sleep(2 * HOUR + 1_000);
    await h.tasks.operator(id, { action: 'settle_manually', ...OP, reason: 'publisher will not pay' });
    await h.notify(
      id,
      {
        type: 'task_freeze',
        outerTaskFreezeNo: businessNumber(id, { kind: 'freeze' }),
        taskAmountFen: 80_000,
        alipayUserId: PUBLISHER,
        paidTime: await h.now(),
      },
      'paid-late',
    );
    await server.env.sleep(3 * DAY);
    let view = await h.tasks.status(id);
    assert.equal(view.ledger.stillFrozenFen, 80_000, 'the books show the money frozen at Alipay');
    assert.ok(view.attention.some((a) => a.code === 'PAID_AFTER_SETTLEMENT' && !a.resolved));
    const desc = await server.env.client.workflow.getHandle(taskWorkflowId(id)).describe();
    assert.equal(desc.status.name, 'RUNNING', 'the task does not close with money frozen');
    view = await h.tasks.operator(id, {
      action: 'settle_manually',
      ...OP,
      reason: 'refunded the publisher through Alipay support',
    });
    assert.equal(view.manualSettlement?.stillFrozenFen, 80_000);
    const result = await h.result(id);
    assert.equal(result.view.phase, 'settled');
    assert.ok(result.processedNotifyIds.includes('paid-late'));
    await h.saveHistory(id, 'paid-after-settlement');
  });

  test('8a. a leftover plan whose admin page is never submitted is flagged, re-printable and can be withdrawn', async () => {
    const id = 'mp-leftover-unsubmitted';
    await h.publishAndPay(id, 30_000, 0, DAY);
    await server.env.sleep(DAY + 1_000);
    const plan = await h.tasks.planLeftover(id, { refundFen: 30_000, platformFen: 0, winners: [] });
    let view = await h.tasks.status(id);
    assert.deepEqual(view.leftovers[0].adminPage, plan.adminPage, 'the page is re-printable');
    await server.env.sleep(DAY + 1_000);
    view = await h.tasks.status(id);
    assert.ok(
      view.attention.some((a) => a.code === 'LEFTOVER_UNCONFIRMED' && !a.resolved),
      'flagged after a resend window',
    );
    view = await h.tasks.operator(id, {
      action: 'withdraw_leftover',
      round: plan.round,
      ...OP,
      reason: 'admin lost the page',
    });
    assert.equal(view.leftovers[0].status, 'withdrawn');
    assert.equal(view.availableFen, 30_000);
    assert.equal(view.needsAttention, false);
    const plan2 = await h.tasks.planLeftover(id, { refundFen: 30_000, platformFen: 0, winners: [] });
    assert.equal(plan2.round, 2);
    // the first page was submitted after all: its notification is recorded for an operator, not lost
    await h.notify(id, {
      type: 'left_amount_handle',
      refund: { serialNo: plan.refundSerialNo, amountFen: 30_000 },
      successBidders: [],
      failureBidders: [],
    });
    view = await h.tasks.status(id);
    assert.ok(view.attention.some((a) => a.code === 'LEFTOVER_AFTER_WITHDRAWAL' && !a.resolved));
    await h.saveHistory(id, 'leftover-unconfirmed-withdrawn');
  });

  test('8b. an expired task with money and no leftover plan is flagged; a plan answers the flag', async () => {
    const id = 'mp-leftover-never';
    await h.publishAndPay(id, 30_000, 0, DAY);
    await server.env.sleep(2 * DAY + 1_000);
    let view = await h.tasks.status(id);
    assert.ok(view.attention.some((a) => a.code === 'LEFTOVER_NOT_PLANNED' && !a.resolved));
    assert.match(view.attention.find((a) => a.code === 'LEFTOVER_NOT_PLANNED')!.message, /30000 fen/);
    await h.tasks.planLeftover(id, { refundFen: 30_000, platformFen: 0, winners: [] });
    view = await h.tasks.status(id);
    assert.equal(view.needsAttention, false);
    await h.saveHistory(id, 'leftover-not-planned');
  });

  test("8c. Alipay's refusal on a return page reaches the task; an unconfirmed round can be withdrawn and its page re-printed", async () => {
    const id = 'mp-page-refused';
    await h.publishAndPay(id, 30_000, 0, 10 * DAY);
    const r = await h.tasks.selectWinners(id, {
      winners: [{ alipayUserId: WINNERS[0], nickname: 'a', amountFen: 10_000 }],
    });
    let view = await h.tasks.status(id);
    assert.equal(view.rounds[0].confirmUrl, r.confirmUrl);
    const refusal = {
      outerTaskId: id,
      service: 'alipay.witkey.task.confirm',
      errorCode: 'WITKEY_AMOUNT_NOT_MATCH',
      references: r.transferNos,
    };
    const handle = server.env.client.workflow.getHandle(taskWorkflowId(id));
    await handle.signal(pageRefusedSignal, refusal);
    await handle.signal(pageRefusedSignal, refusal); // a reload of the return page: one item
    view = await h.tasks.status(id);
    assert.equal(view.attention.filter((a) => a.code === 'PAGE_REFUSED').length, 1);
    view = await h.tasks.operator(id, {
      action: 'withdraw_round',
      round: r.round,
      ...OP,
      reason: 'the publisher was refused',
    });
    assert.equal(view.rounds[0].status, 'abandoned');
    assert.equal(view.availableFen, 30_000);
    await assert.rejects(h.tasks.operator(id, { action: 'withdraw_round', round: r.round, ...OP }), /abandoned/);
    await h.saveHistory(id, 'page-refused-round-withdrawn');
  });

  test('8d. a withdrawn round or leftover plan that Alipay still handles is reinstated and booked when its money is free', async () => {
    const id = 'mp-reinstated';
    await h.publishAndPay(id, 30_000, 0, 2 * DAY);
    const r = await h.tasks.selectWinners(id, {
      winners: [{ alipayUserId: WINNERS[0], nickname: 'a', amountFen: 10_000 }],
    });
    await h.tasks.operator(id, { action: 'withdraw_round', round: r.round, ...OP });
    await h.notify(id, {
      type: 'task_confirm',
      transfers: [{ outerTransferNo: r.transferNos[0], amountFen: 10_000, alipayUserId: WINNERS[0], status: 'I' }],
    });
    let view = await h.tasks.status(id);
    assert.equal(view.transfers[0].status, 'paying', 'the confirmed round is reinstated');
    assert.ok(view.attention.some((a) => a.code === 'CONFIRMED_AFTER_WITHDRAWAL'));
    await h.payTransfer(id, r.transferNos[0], 10_000, 'IMMEDIATE');
    await server.env.sleep(2 * DAY + 1_000);
    const plan = await h.tasks.planLeftover(id, { refundFen: 20_000, platformFen: 0, winners: [] });
    await h.tasks.operator(id, { action: 'withdraw_leftover', round: plan.round, ...OP });
    await h.notify(id, {
      type: 'left_amount_handle',
      refund: { serialNo: plan.refundSerialNo, amountFen: 20_000 },
      successBidders: [],
      failureBidders: [],
    });
    await h.notify(id, {
      type: 'refund_transfer',
      outerTransferNo: plan.refundSerialNo,
      amountFen: 20_000,
      status: 'S',
      transferTime: await h.now(),
    });
    view = await h.tasks.status(id);
    assert.equal(view.leftovers[0].status, 'done', 'the submitted plan is reinstated and done');
    assert.equal(view.ledger.refundedFen, 20_000);
    assert.equal(view.ledger.stillFrozenFen, 0);
    booked(view);
    await h.saveHistory(id, 'withdrawn-reinstated');
  });

  test('8e. an open task with nothing scheduled (overdue notifications acknowledged) asks an operator again', async () => {
    const id = 'mp-nothing-scheduled';
    await h.publishAndPay(id, 30_000, 0, 10 * DAY);
    const r = await h.tasks.selectWinners(id, {
      winners: [{ alipayUserId: WINNERS[0], nickname: 'a', amountFen: 30_000 }],
    });
    await h.notify(id, {
      type: 'task_confirm',
      transfers: [{ outerTransferNo: r.transferNos[0], amountFen: 30_000, alipayUserId: WINNERS[0], status: 'I' }],
    });
    await server.env.sleep(DAY + 1_000); // the transfer's notifications never come
    let view = await h.tasks.status(id);
    assert.ok(view.attention.some((a) => a.code === 'NOTIFICATION_OVERDUE' && !a.resolved));
    await h.tasks.operator(id, { action: 'acknowledge', ...OP, reason: 'asked Alipay' });
    await server.env.sleep(11 * DAY);
    view = await h.tasks.status(id);
    assert.ok(
      view.attention.some((a) => a.code === 'NOTHING_SCHEDULED' && !a.resolved),
      'the open task does not sit unseen',
    );
    await assert.rejects(
      h.tasks.operator(id, { action: 'acknowledge', codes: ['NOTHING_SCHEDULED'], ...OP }),
      /settle_manually/,
    );
    await h.tasks.operator(id, { action: 'settle_manually', ...OP, reason: 'Alipay confirmed the payment by phone' });
    assert.equal((await h.result(id)).view.phase, 'settled');
    await h.saveHistory(id, 'nothing-scheduled');
  });

  test("9. the publisher's Alipay id from the notification is kept when the browser's return came first", async () => {
    const id = 'mp-return-first';
    await h.tasks.publish({
      outerTaskId: id,
      title: 't',
      taskType: 'DESIGN',
      publisherId: 'p',
      bountyFen: 30_000,
      valueAddedFeeFen: 0,
      expiresAtMs: (await h.now()) + 10 * DAY,
    });
    const freeze = {
      type: 'task_freeze',
      outerTaskFreezeNo: businessNumber(id, { kind: 'freeze' }),
      taskAmountFen: 30_000,
      paidTime: await h.now(),
    };
    await server.env.client.workflow.getHandle(taskWorkflowId(id)).signal('notification', {
      notifyId: `return:task_freeze:${businessNumber(id, { kind: 'freeze' })}`,
      via: 'return',
      event: { ...freeze, partner: '2088000000000000', outerTaskId: id },
    });
    await h.notify(id, { ...freeze, alipayUserId: PUBLISHER });
    const view = await h.tasks.status(id);
    assert.equal(view.spec.publisherAlipayUserId, PUBLISHER);
    assert.equal(view.ledger.bountyFrozenFen, 30_000, 'frozen once');
    const r = await h.tasks.selectWinners(id, {
      winners: [{ alipayUserId: WINNERS[0], nickname: 'a', amountFen: 10_000 }],
    });
    assert.equal(r.transferNos.length, 1);
    await h.saveHistory(id, 'return-before-notification');
  });

  test('10. a transfer that would leave the winner 0 fen after the commission is refused with the reason', () => {
    const state = newTaskState({
      outerTaskId: 'x',
      title: 't',
      taskType: 'DESIGN',
      publisherId: 'p',
      publisherAlipayUserId: PUBLISHER,
      bountyFen: 100,
      valueAddedFeeFen: 0,
      expiresAtMs: 4_102_444_800_000,
      feeRates: { commissionBp: 6_000, alipayFeeBp: 150 },
    });
    Object.assign(state, { paid: true });
    state.ledger.bountyFrozenFen = state.ledger.stillFrozenFen = 100;
    assert.equal(splitWinnerTransfer(1, { commissionBp: 6_000, alipayFeeBp: 150 }).winnerFen, 0);
    assert.throws(
      () => selectWinners(state, { winners: [{ alipayUserId: WINNERS[0], nickname: 'a', amountFen: 1 }] }, 0),
      (e: unknown) => e instanceof TaskRuleError && /winner would receive 0 fen/.test(e.message),
    );
    assert.equal(state.rounds.length, 0, 'nothing changed');
    const round = selectWinners(state, { winners: [{ alipayUserId: WINNERS[0], nickname: 'a', amountFen: 3 }] }, 0);
    assert.equal(state.transfers[round.transferNos[0]].winnerFen, 1);
    assert.ok(RATES.commissionBp < 5_000, 'the harness rates never round a 1-fen transfer to 0');
  });
});

/** The business number of an append's value-added fee transfer, as the workflow derives it. */
function appendFeeNo(outerTaskId: string, append: number): string {
  return businessNumber(outerTaskId, { kind: 'appendProfit', index: append });
}
