// Whole lifecycles through the sandbox (the protocol library as the partner's client): announcement path, immediate
// path, winner cancellation, leftover, unknown payment outcome (trade.query / trade.cancel). After every step the
// ledger is compared with figures computed here, independently of the sandbox and of alipay/core/fees.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildAmountAppend,
  buildCancelConfirmByPlatform,
  buildConfirmByPlatform,
  buildLeftAmountHandle,
  buildTaskConfirm,
  buildTaskCreate,
} from '../../alipay/core/services';
import { parseMapiReply, readCancelConfirmResponse } from '../../alipay/mapi-reply';
import { verifyReturnCallback } from '../../alipay/notify';
import {
  buildTradeCancel,
  buildTradeQuery,
  parseTradeCancelResponse,
  parseTradeQueryResponse,
} from '../../alipay/trade';
import { loadPrivateKey, loadPublicKey } from '../../alipay/keys';
import { readFileSync } from 'node:fs';
import type { Sandbox } from '../../sandbox';
import { DAY, HOUR, T0, type PartnerClient, type Receiver, startSandboxFixture, type SandboxFixture } from './helpers';
import type { ManualClock } from '../../sandbox';
import { GatewayError } from '../../alipay/core/errors';

const RATES = { commissionBp: 1000, alipayFeeBp: 100 };
/** round_half_up(x * bp / 10000), written independently of alipay/core/fees (small test amounts only). */
const fee = (x: number, bp: number): number => Math.floor((x * bp * 2 + 10000) / 20000);

const WINNER_A = '2088000000000001';
const WINNER_B = '2088000000000002';
const WINNER_C = '2088000000000003';

interface Expected {
  frozen: number;
  platform: number;
  fees: number;
  publisher: number;
  winners: Record<string, number>;
  external: number;
}

function assertLedger(s: Sandbox, outerTaskId: string, publisherId: string, e: Expected): void {
  const l = s.ledger();
  assert.deepEqual(l.violations, [], 'the sandbox reports its ledger conserved');
  assert.equal(l.frozen[`${s.config.partnerId}:${outerTaskId}`] ?? 0, e.frozen, 'frozen');
  assert.equal(l.platform[s.config.partnerId] ?? 0, e.platform, 'platform');
  assert.equal(l.alipayFees, e.fees, 'alipay fees');
  assert.equal(l.publishers[publisherId] ?? 0, e.publisher, 'publisher');
  for (const [w, v] of Object.entries(e.winners)) assert.equal(l.winners[w] ?? 0, v, `winner ${w}`);
  assert.equal(l.external, e.external, 'money brought in');
  // Independent conservation: money in = everything it became.
  const winnersTotal = Object.values(l.winners).reduce((a, b) => a + b, 0);
  const publishers = Object.values(l.publishers).reduce((a, b) => a + b, 0);
  const frozenTotal = Object.values(l.frozen).reduce((a, b) => a + b, 0);
  const platformTotal = Object.values(l.platform).reduce((a, b) => a + b, 0);
  assert.equal(
    -l.external,
    winnersTotal + publishers + frozenTotal + platformTotal + l.alipayFees,
    'nothing created or lost',
  );
}

describe('sandbox lifecycles', () => {
  let s: Sandbox;
  let clock: ManualClock;
  let client: PartnerClient;
  let receiver: Receiver;

  let fixture: SandboxFixture;
  before(async () => {
    fixture = await startSandboxFixture({ feeRates: RATES });
    ({ sandbox: s, clock, client, receiver } = fixture);
  });
  after(() => fixture.stop());

  const createUrl = (id: string, amountFen: number, profitFen: number, expiresAt: number): string =>
    client.url(
      buildTaskCreate({
        outerTaskId: id,
        outerTaskFreezeNo: `${id}FZ`,
        taskAmountFen: amountFen,
        ...(profitFen ? { additionalProfitAmountFen: profitFen, additionalProfitTransferNo: `${id}AP` } : {}),
        returnUrl: 'http://127.0.0.1:9/return',
        notifyUrl: receiver.url,
        taskType: 'DESIGN',
        taskTitle: '设计一个标志',
        taskExpiredTime: expiresAt,
        outerAccountId: `pub-${id}`,
        outerAccountName: '发布者',
      }),
    );

  const flushTypes = async (): Promise<string[]> => {
    const before = receiver.received.length;
    await s.flushNotifications();
    return receiver.received
      .slice(before)
      .map(
        (r) =>
          `${r.notification?.notifyType ?? `REFUSED:${r.error}`}${r.notification?.notifySubType ? `/${r.notification.notifySubType}` : ''}`,
      );
  };

  test('announcement path: freeze, confirm with announcement, cancel one winner, pay after the end, leftover', async () => {
    const id = 'TA1';
    const external = 10000 + 500;
    const pay = await s.pay(createUrl(id, 10000, 500, T0 + 7 * DAY));
    assert.equal(pay.returnMethod, 'GET');
    const ret = verifyReturnCallback('alipay.witkey.task.create', pay.returnUrl.slice(pay.returnUrl.indexOf('?') + 1), {
      verifier: client.alipayVerifier,
      charset: 'utf-8',
      partner: client.partner,
    });
    assert.equal(ret.isSuccess, true);
    const publisher = s.task(id)!.publisherUserId!;
    assert.match(publisher, /^2088[0-9]{12}$/);
    assertLedger(s, id, publisher, {
      frozen: 10000,
      platform: 500,
      fees: 0,
      publisher: 0,
      winners: {},
      external: -external,
    });
    assert.deepEqual(await flushTypes(), ['task_freeze', 'additional_profit_transfer']);

    // Paying again is idempotent (docs/PROTOCOL.md §3.1): same return, nothing moves, no new notification.
    const again = await s.pay(createUrl(id, 10000, 500, T0 + 7 * DAY));
    assert.equal(again.alreadyDone, true);
    assertLedger(s, id, publisher, {
      frozen: 10000,
      platform: 500,
      fees: 0,
      publisher: 0,
      winners: {},
      external: -external,
    });
    assert.deepEqual(await flushTypes(), []);

    const confirmReq = buildTaskConfirm({
      outerTaskId: id,
      outerAccountId: `pub-${id}`,
      alipayUserId: publisher,
      transfers: [
        { outerTransferNo: `${id}T1`, amountFen: 6000, alipayUserId: WINNER_A, nickname: 'Alice' },
        { outerTransferNo: `${id}T2`, amountFen: 3000, alipayUserId: WINNER_B, nickname: 'Bob' },
      ],
      announcePeriodEnd: T0 + 2 * DAY,
      returnUrl: 'http://127.0.0.1:9/return',
      notifyUrl: receiver.url,
    });
    const confirmed = await s.confirm(client.url(confirmReq));
    assert.equal(confirmed.event.type, 'task_confirm');
    assert.deepEqual(
      s.transfers(id).map((x) => x.status),
      ['W', 'W'],
    );
    assertLedger(s, id, publisher, {
      frozen: 10000,
      platform: 500,
      fees: 0,
      publisher: 0,
      winners: {},
      external: -external,
    });
    assert.deepEqual(await flushTypes(), ['task_confirm']);
    // Confirming the same request again replays the outcome.
    const replay = await s.confirm(client.url(confirmReq));
    assert.equal(replay.alreadyDone, true);
    assert.equal(s.transfers(id).length, 2);

    // Cancel the second winner during the announcement.
    const cancel = await client.call(
      buildCancelConfirmByPlatform({ outerTaskId: id, transferNos: [`${id}T2`, 'NOPE'] }),
      'POST',
    );
    const cancelReply = readCancelConfirmResponse(parseMapiReply(cancel.body, 'utf-8', client.alipayVerifier).response);
    assert.deepEqual(cancelReply.succeeded, [{ outerTransferNo: `${id}T2`, transferStatus: 'C' }]);
    assert.deepEqual(
      cancelReply.failed.map((f) => [f.outerTransferNo, f.errorCode]),
      [['NOPE', 'WITKEY_TRANSFER_NOT_EXIST']],
    );
    assert.equal(s.task(id)!.committedFen, 6000);
    assertLedger(s, id, publisher, {
      frozen: 10000,
      platform: 500,
      fees: 0,
      publisher: 0,
      winners: {},
      external: -external,
    });
    assert.deepEqual(await flushTypes(), [], 'cancel sends no notification');

    // Paying before the announcement end is refused.
    const early = await client.call(buildConfirmByPlatform({ outerTaskId: id, transferNos: [`${id}T1`] }), 'GET');
    assert.throws(
      () => parseMapiReply(early.body, 'utf-8', client.alipayVerifier),
      (e: unknown) => e instanceof GatewayError && e.gatewayCode === 'WITKEY_NOT_ALLOW',
    );
    assertLedger(s, id, publisher, {
      frozen: 10000,
      platform: 500,
      fees: 0,
      publisher: 0,
      winners: {},
      external: -external,
    });

    clock.set(T0 + 2 * DAY + 1000);
    const paid = await client.call(buildConfirmByPlatform({ outerTaskId: id, transferNos: [`${id}T1`] }), 'GET');
    parseMapiReply(paid.body, 'utf-8', client.alipayVerifier);
    const c1 = fee(6000, 1000);
    const f1 = fee(c1, 100);
    let platform = 500 + c1 - f1;
    let fees = f1;
    assertLedger(s, id, publisher, {
      frozen: 4000,
      platform,
      fees,
      publisher: 0,
      winners: { [WINNER_A]: 6000 - c1, [WINNER_B]: 0 },
      external: -external,
    });
    assert.deepEqual(await flushTypes(), [
      'assign_transfer/ASSIGN_FOR_ANNOUNCE_PAYMENT',
      'platform_profit_transfer/PLATFORM_PROFIT_BY_ANNOUNCE_PAYMENT',
    ]);
    const assign = receiver.verified().find((n) => n.event.type === 'assign_transfer')!;
    assert.equal(assign.event.type === 'assign_transfer' && assign.event.winnerAmountFen, 6000 - c1);
    // The same confirm.by.platform again: the recorded outcome, no second payment.
    const paidAgain = await client.call(buildConfirmByPlatform({ outerTaskId: id, transferNos: [`${id}T1`] }), 'GET');
    parseMapiReply(paidAgain.body, 'utf-8', client.alipayVerifier);
    assertLedger(s, id, publisher, {
      frozen: 4000,
      platform,
      fees,
      publisher: 0,
      winners: { [WINNER_A]: 6000 - c1 },
      external: -external,
    });

    // Leftover before the deadline: refused.
    const leftoverReq = buildLeftAmountHandle({
      outerTaskId: id,
      outerAccountId: 'admin',
      refund: { serialNo: `${id}RF1`, amountFen: 3000 },
      platform: { serialNo: `${id}PS1`, amountFen: 500 },
      transfers: [{ outerTransferNo: `${id}T3`, amountFen: 500, alipayUserId: WINNER_C, nickname: 'Carol' }],
      notifyUrl: receiver.url,
      returnUrl: 'http://127.0.0.1:9/return',
    });
    await assert.rejects(s.confirmLeftover(client.form(leftoverReq)), { code: 'WITKEY_NOT_ALLOW' });
    clock.set(T0 + 7 * DAY);
    const left = await s.confirmLeftover(client.form(leftoverReq));
    assert.equal(left.returnMethod, 'POST');
    assert.equal(left.returnFields.is_success, 'T');
    const c3 = fee(500, 1000);
    const f3 = fee(c3, 100);
    const fShare = fee(500, 100);
    platform += c3 - f3 + 500 - fShare;
    fees += f3 + fShare;
    assertLedger(s, id, publisher, {
      frozen: 0,
      platform,
      fees,
      publisher: 3000,
      winners: { [WINNER_A]: 6000 - c1, [WINNER_C]: 500 - c3 },
      external: -external,
    });
    assert.deepEqual(await flushTypes(), [
      'left_amount_handle',
      'refund_transfer',
      'assign_transfer/ASSIGN_FOR_IMMEDIATE_PAYMENT',
      'platform_profit_transfer/PLATFORM_PROFIT_BY_IMMEDIATE_PAYMENT',
      'platform_profit_transfer/PLATFORM_PROFIT_BY_IMMEDIATE_PAYMENT',
    ]);
    // The same leftover request again: replayed, nothing moves.
    const leftAgain = await s.confirmLeftover(client.form(leftoverReq));
    assert.equal(leftAgain.alreadyDone, true);
    assertLedger(s, id, publisher, {
      frozen: 0,
      platform,
      fees,
      publisher: 3000,
      winners: { [WINNER_A]: 6000 - c1, [WINNER_C]: 500 - c3 },
      external: -external,
    });
  });

  test('immediate path: task.confirm without announcement pays at once; amount.append adds bounty', async () => {
    clock.set(T0);
    const id = 'TI1';
    await s.pay(createUrl(id, 20000, 0, T0 + 3 * DAY));
    const publisher = s.task(id)!.publisherUserId!;
    const base = s.ledger();
    const platform0 = base.platform[s.config.partnerId] ?? 0;
    const fees0 = base.alipayFees;
    const external0 = base.external;
    assert.deepEqual(await flushTypes(), ['task_freeze']);

    const append = await s.confirm(
      client.url(
        buildAmountAppend({
          outerTaskId: id,
          outerTaskFreezeNo: `${id}AF1`,
          taskAmountFen: 5000,
          taskExpiredTime: T0 + 5 * DAY,
          outerAccountId: `pub-${id}`,
          returnUrl: 'http://127.0.0.1:9/r',
          notifyUrl: receiver.url,
        }),
      ),
    );
    assert.equal(append.event.type, 'task_freeze');
    assert.equal(s.task(id)!.expiresAt, T0 + 5 * DAY);
    assertLedger(s, id, publisher, {
      frozen: 25000,
      platform: platform0,
      fees: fees0,
      publisher: 0,
      winners: {},
      external: external0 - 5000,
    });
    assert.deepEqual(await flushTypes(), ['task_freeze']);

    const r = await s.confirm(
      client.url(
        buildTaskConfirm({
          outerTaskId: id,
          outerAccountId: `pub-${id}`,
          alipayUserId: publisher,
          transfers: [{ outerTransferNo: `${id}T1`, amountFen: 12345, alipayUserId: WINNER_B, nickname: 'Bob' }],
          returnUrl: 'http://127.0.0.1:9/return',
          notifyUrl: receiver.url,
        }),
      ),
    );
    assert.equal(r.event.type === 'task_confirm' && r.event.transfers[0].status, 'I');
    const c = fee(12345, 1000);
    const f = fee(c, 100);
    const winnerB0 = base.winners[WINNER_B] ?? 0;
    assertLedger(s, id, publisher, {
      frozen: 25000 - 12345,
      platform: platform0 + c - f,
      fees: fees0 + f,
      publisher: 0,
      winners: { [WINNER_B]: winnerB0 + 12345 - c },
      external: external0 - 5000,
    });
    assert.deepEqual(await flushTypes(), [
      'task_confirm',
      'assign_transfer/ASSIGN_FOR_IMMEDIATE_PAYMENT',
      'platform_profit_transfer/PLATFORM_PROFIT_BY_IMMEDIATE_PAYMENT',
    ]);
    const profit = receiver
      .verified()
      .filter((n) => n.event.type === 'platform_profit_transfer')
      .pop()!;
    assert.ok(profit.event.type === 'platform_profit_transfer');
    assert.deepEqual(
      [profit.event.profitAmountFen, profit.event.alipayFeeFen, profit.event.platformAmountFen],
      [c, f, c - f],
    );

    // Refusals leave the ledger as it was.
    const before = JSON.stringify(s.ledger());
    const tooMuch = buildTaskConfirm({
      outerTaskId: id,
      outerAccountId: `pub-${id}`,
      alipayUserId: publisher,
      transfers: [{ outerTransferNo: `${id}T2`, amountFen: 25000, alipayUserId: WINNER_B, nickname: 'Bob' }],
      returnUrl: 'http://127.0.0.1:9/return',
      notifyUrl: receiver.url,
    });
    await assert.rejects(s.confirm(client.url(tooMuch)), { code: 'WITKEY_TASK_LEF_AMOUNT_NOT_ENOUGH' });
    const self = buildTaskConfirm({
      outerTaskId: id,
      outerAccountId: `pub-${id}`,
      alipayUserId: publisher,
      transfers: [{ outerTransferNo: `${id}T2`, amountFen: 100, alipayUserId: publisher, nickname: 'me' }],
      returnUrl: 'http://127.0.0.1:9/return',
      notifyUrl: receiver.url,
    });
    await assert.rejects(s.confirm(client.url(self)), { code: 'BIDDER_EQUALS_TASK_CREATOR_ERROR' });
    const reused = buildTaskConfirm({
      outerTaskId: id,
      outerAccountId: `pub-${id}`,
      alipayUserId: publisher,
      transfers: [{ outerTransferNo: `${id}T1`, amountFen: 100, alipayUserId: WINNER_A, nickname: 'Alice' }],
      returnUrl: 'http://127.0.0.1:9/return',
      notifyUrl: receiver.url,
    });
    await assert.rejects(s.confirm(client.url(reused)), { code: 'WITKEY_DATA_NOT_MATCH' });
    assert.equal(JSON.stringify(s.ledger()), before);
    assert.deepEqual(await flushTypes(), []);
  });

  test('leftover refused while a transfer is in its announcement period (NOT_DONE_OF_TRANSFER_FOUND)', async () => {
    clock.set(T0);
    const id = 'TL1';
    await s.pay(createUrl(id, 1000, 0, T0 + 1 * DAY));
    const publisher = s.task(id)!.publisherUserId!;
    await s.confirm(
      client.url(
        buildTaskConfirm({
          outerTaskId: id,
          outerAccountId: `pub-${id}`,
          alipayUserId: publisher,
          transfers: [{ outerTransferNo: `${id}T1`, amountFen: 400, alipayUserId: WINNER_A, nickname: 'Alice' }],
          announcePeriodEnd: T0 + 2 * DAY,
          returnUrl: 'http://127.0.0.1:9/return',
          notifyUrl: receiver.url,
        }),
      ),
    );
    clock.set(T0 + 1 * DAY + HOUR);
    const req = buildLeftAmountHandle({
      outerTaskId: id,
      outerAccountId: 'admin',
      refund: { serialNo: `${id}RF1`, amountFen: 600 },
      notifyUrl: receiver.url,
      returnUrl: 'http://127.0.0.1:9/r',
    });
    await assert.rejects(s.confirmLeftover(client.form(req)), { code: 'NOT_DONE_OF_TRANSFER_FOUND' });
    clock.set(T0 + 2 * DAY);
    await client.call(buildConfirmByPlatform({ outerTaskId: id, transferNos: [`${id}T1`] }), 'GET');
    const done = await s.confirmLeftover(client.form(req));
    assert.equal(done.event.type, 'left_amount_handle');
    assert.equal(s.ledger().frozen[`${s.config.partnerId}:${id}`], 0);
    assert.deepEqual(s.ledger().violations, []);
    await s.flushNotifications();
  });

  test('unknown payment outcome: trade.query then trade.cancel (close when unpaid, refund when paid)', async () => {
    clock.set(T0);
    const k = s.config.keyFiles;
    const api = {
      gatewayUrl: s.openApiUrl,
      appId: s.config.appId,
      privateKey: loadPrivateKey(readFileSync(k.appRsaPrivate, 'utf8')),
      alipayPublicKey: loadPublicKey(readFileSync(k.alipayRsaPublic, 'utf8')),
    };
    const send = async (r: { url: string; body: string; contentType: string }): Promise<string> => {
      const res = await fetch(r.url, { method: 'POST', headers: { 'content-type': r.contentType }, body: r.body });
      return res.text();
    };
    // Never seen: not found; cancel has no action.
    assert.deepEqual(
      parseTradeQueryResponse(await send(buildTradeQuery(api, { outTradeNo: 'NOSUCHFZ' })), api.alipayPublicKey),
      { kind: 'not_found' },
    );
    assert.equal(
      parseTradeCancelResponse(await send(buildTradeCancel(api, { outTradeNo: 'NOSUCHFZ' })), api.alipayPublicKey).kind,
      'no_action',
    );

    // Opened, never paid: WAIT_BUYER_PAY, cancel closes; paying afterwards is refused.
    const unpaid = createUrl('TU1', 5000, 100, T0 + DAY);
    await s.openPage(unpaid);
    const q1 = parseTradeQueryResponse(await send(buildTradeQuery(api, { outTradeNo: 'TU1FZ' })), api.alipayPublicKey);
    assert.equal(q1.kind === 'found' && q1.tradeStatus, 'WAIT_BUYER_PAY');
    const before = JSON.stringify(s.ledger());
    assert.equal(
      parseTradeCancelResponse(await send(buildTradeCancel(api, { outTradeNo: 'TU1FZ' })), api.alipayPublicKey).kind,
      'closed',
    );
    assert.equal(
      parseTradeCancelResponse(await send(buildTradeCancel(api, { outTradeNo: 'TU1FZ' })), api.alipayPublicKey).kind,
      'closed',
      'repeat',
    );
    assert.equal(JSON.stringify(s.ledger()), before);
    await assert.rejects(s.pay(unpaid), { code: 'WITKEY_NOT_ALLOW' });

    // Paid but the notification lost: TRADE_SUCCESS; cancel refunds bounty and value-added fee.
    s.injectFault({ target: 'notification', kind: 'drop', outerTaskId: 'TP1', times: 0, count: 8 });
    await s.pay(createUrl('TP1', 7000, 300, T0 + DAY));
    const publisher = s.task('TP1')!.publisherUserId!;
    const q2 = parseTradeQueryResponse(await send(buildTradeQuery(api, { outTradeNo: 'TP1FZ' })), api.alipayPublicKey);
    assert.deepEqual(q2.kind === 'found' && [q2.tradeStatus, q2.totalAmountFen], ['TRADE_SUCCESS', 7300]);
    const l0 = s.ledger();
    assert.equal(
      parseTradeCancelResponse(await send(buildTradeCancel(api, { outTradeNo: 'TP1FZ' })), api.alipayPublicKey).kind,
      'refunded',
    );
    const l1 = s.ledger();
    assert.deepEqual(l1.violations, []);
    assert.equal(l1.publishers[publisher], (l0.publishers[publisher] ?? 0) + 7300);
    assert.equal(l1.platform[s.config.partnerId], (l0.platform[s.config.partnerId] ?? 0) - 300);
    assert.equal(l1.frozen[`${s.config.partnerId}:TP1`], 0);
    assert.equal(s.task('TP1')!.status, 'CLOSED');
    const q3 = parseTradeQueryResponse(await send(buildTradeQuery(api, { outTradeNo: 'TP1FZ' })), api.alipayPublicKey);
    assert.equal(q3.kind === 'found' && q3.tradeStatus, 'TRADE_CLOSED');
    s.clearFaults();
  });
});
