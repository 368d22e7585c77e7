/**
 * The bounty task workflow on the time-skipping server, with recording fake activities and notifications sent as
 * signals: each main path, days of announcement and expiry in seconds, duplicates and reordering. (The same paths
 * against the sandbox gateway live in the integration tests.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { splitLeftoverPlatformShare, splitWinnerTransfer } from '../../alipay/core/fees';
import { TaskClosedError, TaskRequestError, type WitkeyTasks } from '../../client/tasks';
import type { StartedServer } from '../../devstack/servers';
import { taskWorkflowId } from '../../workflows/messages';
import type { FakeGateway } from '../support/fake-gateway';
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
/** Since the payout-batching patch, due transfers of all rounds share confirm.by.platform calls (was one per round). */
const PAYOUT_CALLS_FOR_TWO_ROUNDS = 1;
describe('bounty task workflow (time-skipping)', () => {
  let server: StartedServer;
  let h: WorkflowHarness;
  let tasks: WitkeyTasks;
  let gateway: FakeGateway;
  before(async () => {
    server = await timeSkippingServer();
    h = await startWorkflowHarness(server, { resendWindowMs: DAY });
    tasks = h.tasks;
    gateway = h.gateway;
  });
  after(async () => {
    await h?.stop();
    await server?.env.teardown();
  });
  const notify = (id: string, event: object, notifyId?: string): Promise<void> => h.notify(id, event, notifyId);
  const now = (): Promise<number> => h.now();
  const publishAndPay = (id: string, b: number, v: number, e: number): Promise<void> => h.publishAndPay(id, b, v, e);
  const payTransfer = (id: string, no: string, g: number, s: 'ANNOUNCE' | 'IMMEDIATE'): Promise<void> =>
    h.payTransfer(id, no, g, s);

  test('announcement path: 7-day announcement, a cancelled winner, payout, 30-day expiry, leftover refund, settled', async () => {
    const id = 'ann-1';
    await publishAndPay(id, 100_000, 2_000, 30 * DAY);
    // publishing again returns the same URL; different parameters are refused with the field named
    const again = await tasks.publish({
      outerTaskId: id,
      title: `task ${id}`,
      taskType: 'DESIGN',
      publisherId: 'pub-1',
      publisherAlipayUserId: PUBLISHER,
      bountyFen: 100_000,
      valueAddedFeeFen: 2_000,
      expiresAtMs: (await tasks.status(id)).spec.expiresAtMs,
    });
    assert.equal(again.phase, 'open');
    await assert.rejects(
      tasks.publish({
        outerTaskId: id,
        title: `task ${id}`,
        taskType: 'DESIGN',
        publisherId: 'pub-1',
        bountyFen: 99_999,
        valueAddedFeeFen: 2_000,
        expiresAtMs: (await tasks.status(id)).spec.expiresAtMs,
      }),
      (err: unknown) => err instanceof TaskRequestError && /bountyFen is 100000, not 99999/.test(err.message),
    );
    assert.equal(gateway.pages.filter((p) => p === `create:${id}FZ`).length, 1, 'the cashier page is built once');

    const round = await tasks.selectWinners(id, {
      winners: [
        { alipayUserId: WINNERS[0], nickname: '天之蓝', amountFen: 30_000 },
        { alipayUserId: WINNERS[1], nickname: 'Tom', amountFen: 20_000 },
      ],
      announceEndMs: (await now()) + 7 * DAY,
    });
    assert.deepEqual(round.transferNos, [`${id}T1`, `${id}T2`]);
    await assert.rejects(
      tasks.selectWinners(id, { winners: [{ alipayUserId: WINNERS[2], nickname: 'x', amountFen: 50_001 }] }),
      (err: unknown) => err instanceof TaskRequestError && err.code !== '' && /free/.test(err.message),
    );
    await assert.rejects(
      tasks.selectWinners(id, { winners: [{ alipayUserId: PUBLISHER, nickname: 'me', amountFen: 1 }] }),
      /publisher/,
    );

    await notify(id, {
      type: 'task_confirm',
      transfers: round.transferNos.map((no, i) => ({
        outerTransferNo: no,
        amountFen: [30_000, 20_000][i],
        alipayUserId: WINNERS[i],
        status: 'W',
      })),
    });
    assert.equal((await tasks.status(id)).phase, 'announcement');

    const cancel = await tasks.cancelWinners(id, [`${id}T2`]);
    assert.deepEqual(cancel.cancelled, [`${id}T2`]);
    assert.equal((await tasks.status(id)).availableFen, 70_000, 'the cancelled amount is free again');

    await server.env.sleep(7 * DAY + 60_000);
    assert.deepEqual(gateway.payouts, [[`${id}T1`]], 'paid out once, after the announcement');
    await assert.rejects(tasks.cancelWinners(id, [`${id}T1`]), /paying|over/);
    await payTransfer(id, `${id}T1`, 30_000, 'ANNOUNCE');

    await server.env.sleep(23 * DAY);
    const expired = await tasks.status(id);
    assert.equal(expired.phase, 'expired');
    assert.equal(expired.availableFen, 70_000);
    const plan = await tasks.planLeftover(id, {
      refundFen: 50_000,
      platformFen: 10_000,
      winners: [{ alipayUserId: WINNERS[2], nickname: 'late', amountFen: 10_000 }],
    });
    assert.equal(plan.adminPage.method, 'POST');
    const share = splitLeftoverPlatformShare(10_000, RATES);
    await notify(id, {
      type: 'left_amount_handle',
      refund: { serialNo: plan.refundSerialNo!, amountFen: 50_000 },
      platform: { serialNo: plan.platformSerialNo!, amountFen: 10_000 },
      successBidders: [{ outerTransferNo: plan.transferNos[0], amountFen: 10_000, alipayUserId: WINNERS[2] }],
      failureBidders: [],
    });
    await notify(id, {
      type: 'refund_transfer',
      outerTransferNo: plan.refundSerialNo!,
      amountFen: 50_000,
      status: 'S',
      transferTime: await now(),
    });
    await notify(id, {
      type: 'platform_profit_transfer',
      subType: 'PLATFORM_PROFIT_BY_IMMEDIATE_PAYMENT',
      outerTransferNo: plan.platformSerialNo!,
      profitAmountFen: 10_000,
      alipayFeeFen: share.alipayFeeFen,
      platformAmountFen: share.platformFen,
      status: 'S',
      transferTime: await now(),
    });
    await payTransfer(id, plan.transferNos[0], 10_000, 'IMMEDIATE');
    assert.equal((await tasks.status(id)).phase, 'closing');

    const result = await h.result(id);
    conserved(result);
    const t1 = splitWinnerTransfer(30_000, RATES);
    const t3 = splitWinnerTransfer(10_000, RATES);
    assert.deepEqual(result.view.ledger, {
      bountyFrozenFen: 100_000,
      valueAddedFeePaidFen: 2_000,
      winnersReceivedFen: t1.winnerFen + t3.winnerFen,
      platformReceivedFen: 2_000 + t1.platformFen + t3.platformFen + share.platformFen,
      alipayFeesFen: t1.alipayFeeFen + t3.alipayFeeFen + share.alipayFeeFen,
      refundedFen: 50_000,
      stillFrozenFen: 0,
    });
    assert.equal(result.view.phase, 'settled');
    assert.equal(result.view.needsAttention, false, JSON.stringify(result.view.attention));
    // every notification counted once, though resends arrived three times
    assert.equal(new Set(result.processedNotifyIds).size, result.processedNotifyIds.length);
    await assert.rejects(
      tasks.publish({
        outerTaskId: id,
        title: `task ${id}`,
        taskType: 'DESIGN',
        publisherId: 'pub-1',
        bountyFen: 100_000,
        valueAddedFeeFen: 2_000,
        expiresAtMs: result.view.spec.expiresAtMs,
      }),
      (err: unknown) => err instanceof TaskClosedError && err.view?.phase === 'settled',
    );
    await h.saveHistory(id, 'announcement-path');
  });

  test('two rounds whose announcements end together are paid out together', async () => {
    const id = 'two-rounds';
    await publishAndPay(id, 50_000, 0, 30 * DAY);
    const end = (await now()) + 5 * DAY;
    const r1 = await tasks.selectWinners(id, {
      winners: [{ alipayUserId: WINNERS[0], nickname: 'a', amountFen: 10_000 }],
      announceEndMs: end,
    });
    const r2 = await tasks.selectWinners(id, {
      winners: [{ alipayUserId: WINNERS[1], nickname: 'b', amountFen: 20_000 }],
      announceEndMs: end,
    });
    for (const [r, amount, winner] of [
      [r1, 10_000, WINNERS[0]],
      [r2, 20_000, WINNERS[1]],
    ] as const) {
      await notify(id, {
        type: 'task_confirm',
        transfers: [{ outerTransferNo: r.transferNos[0], amountFen: amount, alipayUserId: winner, status: 'W' }],
      });
    }
    const before = gateway.payouts.length;
    await server.env.sleep(5 * DAY + 1_000);
    const calls = gateway.payouts.slice(before);
    assert.deepEqual(calls.flat().sort(), [r1.transferNos[0], r2.transferNos[0]].sort(), 'both paid out, each once');
    assert.equal(calls.length, PAYOUT_CALLS_FOR_TWO_ROUNDS);
    await h.saveHistory(id, 'two-rounds-end-together-v2');
  });

  test('immediate path: winners paid at once (transfer_status I), then the rest refunded after expiry', async () => {
    const id = 'imm-1';
    await publishAndPay(id, 5_000, 0, 2 * DAY);
    const round = await tasks.selectWinners(id, {
      winners: [{ alipayUserId: WINNERS[0], nickname: 'a', amountFen: 4_999 }],
    });
    await notify(id, {
      type: 'task_confirm',
      transfers: [{ outerTransferNo: round.transferNos[0], amountFen: 4_999, alipayUserId: WINNERS[0], status: 'I' }],
    });
    assert.equal((await tasks.status(id)).phase, 'payout');
    await payTransfer(id, round.transferNos[0], 4_999, 'IMMEDIATE');
    assert.deepEqual(
      gateway.payouts.filter((p) => p.some((no) => no.startsWith(id))),
      [],
      'no confirm.by.platform for immediate payment',
    );
    await server.env.sleep(2 * DAY + 1_000); // expiry is rounded up to a whole second
    const plan = await tasks.planLeftover(id, { refundFen: 1, platformFen: 0, winners: [] });
    await notify(id, {
      type: 'left_amount_handle',
      refund: { serialNo: plan.refundSerialNo!, amountFen: 1 },
      successBidders: [],
      failureBidders: [],
    });
    await notify(id, {
      type: 'refund_transfer',
      outerTransferNo: plan.refundSerialNo!,
      amountFen: 1,
      status: 'S',
      transferTime: await now(),
    });
    const result = await h.result(id);
    conserved(result);
    assert.equal(result.view.ledger.refundedFen, 1, 'a leftover of 1 fen is refunded, not lost');
    assert.equal(result.view.ledger.stillFrozenFen, 0);
    await h.saveHistory(id, 'immediate-path');
  });

  async function publishOnly(id: string, valueAddedFeeFen = 0): Promise<void> {
    await tasks.publish({
      outerTaskId: id,
      title: `task ${id}`,
      taskType: 'DESIGN',
      publisherId: 'pub-1',
      publisherAlipayUserId: PUBLISHER,
      bountyFen: 1_000,
      valueAddedFeeFen,
      expiresAtMs: (await now()) + 10 * DAY,
    });
  }

  test('payment never arrives: trade.query finds nothing, trade.cancel has nothing to cancel: cancelled, nothing charged', async () => {
    const id = 'unpaid-1';
    gateway.tradeQuery = { kind: 'not_found' };
    gateway.tradeCancel = { kind: 'no_action' };
    await publishOnly(id);
    await server.env.sleep(2 * 3_600_000 + 1_000);
    const view = await tasks.status(id);
    assert.equal(view.phase, 'cancelled');
    assert.deepEqual([gateway.queries.includes(`${id}FZ`), gateway.tradeCancels.includes(`${id}FZ`)], [true, true]);
    assert.equal(view.ledger.bountyFrozenFen + view.ledger.refundedFen, 0);
    await h.saveHistory(id, 'unpaid-not-found');
  });

  test('payment never arrives but the trade was paid: trade.cancel refunds bounty and value-added fee', async () => {
    const id = 'unpaid-2';
    gateway.tradeQuery = { kind: 'found', tradeStatus: 'WAIT_BUYER_PAY', totalAmountFen: 1_100 };
    gateway.tradeCancel = { kind: 'refunded' };
    await publishOnly(id, 100);
    await server.env.sleep(2 * 3_600_000 + 1_000);
    const view = await tasks.status(id);
    assert.equal(view.phase, 'cancelled');
    assert.deepEqual(view.ledger, {
      bountyFrozenFen: 1_000,
      valueAddedFeePaidFen: 100,
      winnersReceivedFen: 0,
      platformReceivedFen: 0,
      alipayFeesFen: 0,
      refundedFen: 1_100,
      stillFrozenFen: 0,
    });
    // the late notifications of that payment change nothing
    await notify(id, {
      type: 'task_freeze',
      outerTaskFreezeNo: `${id}FZ`,
      taskAmountFen: 1_000,
      paidTime: await now(),
    });
    assert.equal((await tasks.status(id)).ledger.refundedFen, 1_100);
    await h.saveHistory(id, 'unpaid-refunded');
  });

  test('the notification was lost but trade.query finds the trade paid: the task continues, no cancel', async () => {
    const id = 'unpaid-3';
    gateway.tradeQuery = { kind: 'found', tradeStatus: 'TRADE_SUCCESS', totalAmountFen: 1_000 };
    const cancelsBefore = gateway.tradeCancels.length;
    await publishOnly(id);
    await server.env.sleep(2 * 3_600_000 + 1_000);
    const view = await tasks.status(id);
    assert.equal(view.phase, 'open');
    assert.equal(view.ledger.bountyFrozenFen, 1_000);
    assert.equal(gateway.tradeCancels.length, cancelsBefore);
    await h.saveHistory(id, 'paid-found-by-query');
  });

  test('an amount that does not match is flagged for an operator and moves nothing', async () => {
    const id = 'mismatch-1';
    await publishAndPay(id, 10_000, 0, 5 * DAY);
    await notify(id, {
      type: 'task_freeze',
      outerTaskFreezeNo: `${id}FZ`,
      taskAmountFen: 9_999,
      paidTime: await now(),
    });
    const view = await tasks.status(id);
    assert.equal(view.needsAttention, true);
    assert.equal(view.attention[0].code, 'AMOUNT_MISMATCH');
    assert.equal(view.ledger.bountyFrozenFen, 10_000);
    const desc = await server.env.client.workflow.getHandle(taskWorkflowId(id)).describe();
    assert.equal(desc.searchAttributes.WitkeyNeedsAttention?.[0], true);
    await h.saveHistory(id, 'amount-mismatch');
  });
});
