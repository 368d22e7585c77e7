/**
 * Whole task lifecycles with the real pieces: the workflow on the time-skipping server, the real activities
 * signing requests to the sandbox gateway, the sandbox's signed notifications POSTed to the webhook, which
 * signals the workflow. At the end of each path the sandbox ledger and the workflow ledger agree to the fen.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { readFile, writeFile } from 'node:fs/promises';
import { auditFile } from '../../activities';
import { sandboxLedger as sandboxLedgerOf } from '../../cli/demo/sandbox-ledger';
import { splitLeftoverPlatformShare, splitWinnerTransfer } from '../../alipay/core/fees';
import type { TaskResult, TaskView } from '../../workflows/messages';
import { startTestStack, type TestStack } from '../support/stack';

const DAY = 86_400_000;
const PUBLISHER = '2088100000000011';
const W = ['2088200000000011', '2088200000000012', '2088200000000013', '2088200000000014'];

function conserved(v: TaskView): void {
  const l = v.ledger;
  assert.equal(
    l.bountyFrozenFen + l.valueAddedFeePaidFen,
    l.winnersReceivedFen + l.platformReceivedFen + l.alipayFeesFen + l.refundedFen + l.stillFrozenFen,
    JSON.stringify(l),
  );
}

/** The sandbox's ledger of a task, in the workflow's buckets (the same reduction the main job prints). */
async function sandboxLedger(stack: TestStack, outerTaskId: string): Promise<TaskView['ledger']> {
  const ledger = await sandboxLedgerOf(stack.sandbox, outerTaskId);
  assert.ok(ledger, `the sandbox knows ${outerTaskId}`);
  return ledger;
}

describe('task lifecycles against the sandbox (time-skipping)', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack();
  });
  after(async () => {
    await stack?.stop();
  });

  async function publishAndPay(
    id: string,
    bountyFen: number,
    valueAddedFeeFen: number,
    expiresInMs: number,
  ): Promise<void> {
    const published = await stack.tasks.publish({
      outerTaskId: id,
      title: `任务 ${id}`,
      taskType: 'DESIGN',
      publisherId: `pub-${id}`,
      publisherAlipayUserId: PUBLISHER,
      bountyFen,
      valueAddedFeeFen,
      expiresAtMs: (await stack.now()) + expiresInMs,
    });
    const paid = await stack.sandbox.pay(published.cashierUrl, { payerUserId: PUBLISHER, followReturn: true });
    assert.equal(paid.dropped, false);
    await stack.flush();
    const view = await stack.status(id);
    assert.equal(view.phase, 'open');
    assert.equal(view.ledger.bountyFrozenFen, bountyFen);
    assert.equal(view.ledger.valueAddedFeePaidFen, valueAddedFeeFen);
  }

  test('announcement path in two rounds with a cancellation, payout after 7 days, leftover after 30 days', async () => {
    const id = 'sbx-ann';
    await publishAndPay(id, 100_000, 1_500, 30 * DAY);
    const rates = stack.sandbox.config.feeRates;

    const r1 = await stack.tasks.selectWinners(id, {
      winners: [
        { alipayUserId: W[0], nickname: '天之蓝', amountFen: 40_000 },
        { alipayUserId: W[1], nickname: 'Tom', amountFen: 10_000 },
      ],
      announceEndMs: (await stack.now()) + 7 * DAY,
    });
    await stack.sandbox.confirm(r1.confirmUrl, { followReturn: true });
    await stack.flush();
    await stack.pass(DAY);
    const r2 = await stack.tasks.selectWinners(id, {
      winners: [{ alipayUserId: W[2], nickname: 'Ann', amountFen: 20_000 }],
      announceEndMs: (await stack.now()) + 7 * DAY,
    });
    await stack.sandbox.confirm(r2.confirmUrl);
    await stack.flush();
    assert.equal((await stack.status(id)).phase, 'announcement');

    const cancelled = await stack.tasks.cancelWinners(id, [r1.transferNos[1]]);
    assert.deepEqual(cancelled.cancelled, [r1.transferNos[1]]);

    await stack.pass(6 * DAY + 12 * 3_600_000); // day 7.5: round 1 (ends day 7) paid out; round 2 (ends day 8) still announcing
    let view = await stack.status(id);
    assert.equal(view.transfers.find((t) => t.transferNo === r1.transferNos[0])!.status, 'paid');
    assert.equal(view.transfers.find((t) => t.transferNo === r2.transferNos[0])!.status, 'waiting');
    await stack.pass(DAY); // round 2 ends
    view = await stack.status(id);
    assert.ok(view.transfers.filter((t) => t.status === 'paid').every((t) => t.commissionSettled));

    await stack.pass(22 * DAY); // day 30.5: expired
    view = await stack.status(id);
    assert.equal(view.phase, 'expired');
    const left = view.availableFen;
    assert.equal(left, 100_000 - 40_000 - 20_000);
    const plan = await stack.tasks.planLeftover(id, {
      refundFen: 25_000,
      platformFen: 5_000,
      winners: [{ alipayUserId: W[3], nickname: 'Late', amountFen: left - 30_000 }],
    });
    await stack.sandbox.confirmLeftover(plan.adminPage.fields, { followReturn: true });
    await stack.flush();

    await stack.pass(2 * DAY); // past the resend window
    const result = await stack.result(id);
    conserved(result.view);
    const split = (g: number) => splitWinnerTransfer(g, rates);
    const share = splitLeftoverPlatformShare(5_000, rates);
    const winners = split(40_000).winnerFen + split(20_000).winnerFen + split(10_000).winnerFen;
    assert.deepEqual(result.view.ledger, {
      bountyFrozenFen: 100_000,
      valueAddedFeePaidFen: 1_500,
      winnersReceivedFen: winners,
      platformReceivedFen:
        1_500 + split(40_000).platformFen + split(20_000).platformFen + split(10_000).platformFen + share.platformFen,
      alipayFeesFen:
        split(40_000).alipayFeeFen + split(20_000).alipayFeeFen + split(10_000).alipayFeeFen + share.alipayFeeFen,
      refundedFen: 25_000,
      stillFrozenFen: 0,
    });
    assert.equal(result.view.phase, 'settled');
    assert.equal(result.view.needsAttention, false, JSON.stringify(result.view.attention));
    assert.deepEqual(
      await sandboxLedger(stack, id),
      result.view.ledger,
      'the sandbox and the workflow agree to the fen',
    );
    // the audit record outlives Temporal's retention, and status falls back to it
    const record = JSON.parse(await readFile(auditFile(stack.auditDir, id), 'utf8')) as TaskResult;
    assert.deepEqual(record.view.ledger, result.view.ledger);
    assert.deepEqual(record.processedNotifyIds, result.processedNotifyIds);
    await writeFile(
      auditFile(stack.auditDir, 'retired-task'),
      JSON.stringify({ ...record, view: { ...record.view, outerTaskId: 'retired-task' } }),
    );
    assert.deepEqual(
      (await stack.tasks.status('retired-task')).ledger,
      result.view.ledger,
      'a task no longer in Temporal is read from its record',
    );
    await stack.saveHistory(id, 'sandbox-announcement');
  });

  test('immediate path: paid at once; duplicates and resends change nothing', async () => {
    const id = 'sbx-imm';
    await publishAndPay(id, 8_000, 0, 3 * DAY);
    const r = await stack.tasks.selectWinners(id, {
      winners: [{ alipayUserId: W[0], nickname: 'Quick', amountFen: 8_000 }],
    });
    stack.sandbox.injectFault({ target: 'notification', kind: 'duplicate', count: 3, times: 0, outerTaskId: id });
    await stack.sandbox.confirm(r.confirmUrl);
    await stack.flush();
    stack.sandbox.clearFaults();
    const view = await stack.status(id);
    const t = view.transfers[0];
    assert.equal(t.status, 'paid');
    assert.equal(t.commissionSettled, true);
    conserved(view);
    assert.equal(view.ledger.stillFrozenFen, 0);
    assert.equal(view.needsAttention, false, JSON.stringify(view.attention));
    assert.deepEqual(await sandboxLedger(stack, id), view.ledger, 'the sandbox and the workflow agree to the fen');
    await stack.saveHistory(id, 'sandbox-immediate');
  });

  test('a payment that never completes is closed through the OpenAPI path (trade.query, then trade.cancel)', async () => {
    const id = 'sbx-unpaid';
    const published = await stack.tasks.publish({
      outerTaskId: id,
      title: 'never paid',
      taskType: 'DESIGN',
      publisherId: 'pub-u',
      publisherAlipayUserId: PUBLISHER,
      bountyFen: 3_000,
      valueAddedFeeFen: 300,
      expiresAtMs: (await stack.now()) + 10 * DAY,
    });
    await stack.sandbox.openPage(published.cashierUrl); // the publisher opens the cashier and walks away
    await stack.pass(2 * 3_600_000 + 5_000);
    const view = await stack.status(id);
    assert.equal(view.phase, 'cancelled');
    const freeze = stack.sandbox.task(id)!.freezes[0];
    assert.deepEqual([freeze.status, freeze.cancelAction], ['TRADE_CLOSED', 'close']);
    assert.deepEqual(await sandboxLedger(stack, id), view.ledger, 'nothing charged on either side');
    await stack.saveHistory(id, 'sandbox-unpaid-closed');
  });

  test('a payment whose notifications are lost is found paid by trade.query and the task goes on', async () => {
    const id = 'sbx-lost';
    stack.sandbox.injectFault({ target: 'notification', kind: 'drop', outerTaskId: id, count: 8, times: 0 });
    const published = await stack.tasks.publish({
      outerTaskId: id,
      title: 'lost notify',
      taskType: 'DESIGN',
      publisherId: 'pub-l',
      publisherAlipayUserId: PUBLISHER,
      bountyFen: 4_000,
      valueAddedFeeFen: 0,
      expiresAtMs: (await stack.now()) + 10 * DAY,
    });
    await stack.sandbox.pay(published.cashierUrl, { payerUserId: PUBLISHER });
    await stack.flush();
    assert.equal((await stack.status(id)).phase, 'awaiting_payment');
    await stack.pass(2 * 3_600_000 + 5_000);
    stack.sandbox.clearFaults();
    const view = await stack.status(id);
    assert.equal(view.phase, 'open');
    assert.equal(view.ledger.bountyFrozenFen, 4_000);
    assert.equal(stack.sandbox.task(id)!.freezes[0].status, 'TRADE_SUCCESS', 'not cancelled');
    await stack.saveHistory(id, 'sandbox-lost-notification');
  });

  test('amount.append through the sandbox: more bounty, a later deadline; both ledgers agree', async () => {
    const id = 'sbx-append';
    await publishAndPay(id, 5_000, 0, 5 * DAY);
    const view0 = await stack.status(id);
    const ext = await stack.tasks.extend(id, {
      addBountyFen: 2_500,
      addValueAddedFeeFen: 200,
      newExpiresAtMs: view0.spec.expiresAtMs + 3 * DAY,
    });
    await stack.sandbox.pay(ext.appendUrl, { payerUserId: PUBLISHER, followReturn: true });
    await stack.flush();
    const view = await stack.status(id);
    assert.equal(view.ledger.bountyFrozenFen, 7_500);
    assert.equal(view.ledger.valueAddedFeePaidFen, 200);
    assert.equal(view.spec.expiresAtMs, view0.spec.expiresAtMs + 3 * DAY);
    assert.equal(view.needsAttention, false, JSON.stringify(view.attention));
    assert.deepEqual(await sandboxLedger(stack, id), view.ledger);
    await stack.saveHistory(id, 'sandbox-amount-append');
  });

  test('reordered and duplicated notifications from the sandbox (reorder + duplicate faults) change nothing twice', async () => {
    const id = 'sbx-reorder';
    await publishAndPay(id, 9_000, 0, 3 * DAY);
    const r = await stack.tasks.selectWinners(id, {
      winners: [
        { alipayUserId: W[0], nickname: 'R', amountFen: 3_000 },
        { alipayUserId: W[1], nickname: 'S', amountFen: 2_000 },
      ],
    });
    stack.sandbox.injectFault({ target: 'notification', kind: 'reorder', outerTaskId: id, times: 0 });
    stack.sandbox.injectFault({ target: 'notification', kind: 'duplicate', outerTaskId: id, count: 2, times: 0 });
    await stack.sandbox.confirm(r.confirmUrl);
    await stack.flush();
    stack.sandbox.clearFaults();
    const view = await stack.status(id);
    assert.deepEqual(
      view.transfers.map((t) => [t.status, t.commissionSettled]),
      [
        ['paid', true],
        ['paid', true],
      ],
    );
    assert.equal(view.needsAttention, false, JSON.stringify(view.attention));
    assert.deepEqual(await sandboxLedger(stack, id), view.ledger, 'applied once each, whatever the order');
    await stack.saveHistory(id, 'sandbox-reordered');
  });
});
