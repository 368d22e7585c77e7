// Fault injection: request faults (drop after processing, HTTP 5xx, SYSTEM_ERROR, delay, malformed XML) on system
// interfaces, pages and OpenAPI; notification faults (duplicate, reorder, delay, drop, bad signature, GBK body);
// in process and through the HTTP control API.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildConfirmByPlatform, buildTaskConfirm, buildTaskCreate } from '../../alipay/core/services';
import { MalformedReplyError, GatewayError } from '../../alipay/core/errors';
import { parseMapiReply } from '../../alipay/mapi-reply';
import { loadPrivateKey, loadPublicKey } from '../../alipay/keys';
import { buildTradeCancel, parseTradeCancelResponse } from '../../alipay/trade';
import { formParse } from '../../alipay/form';
import type { Sandbox, ManualClock } from '../../sandbox';
import {
  DAY,
  MINUTE,
  T0,
  type PartnerClient,
  type Receiver,
  startSandboxFixture,
  type SandboxFixture,
} from './helpers';

describe('faults', () => {
  let s: Sandbox;
  let clock: ManualClock;
  let client: PartnerClient;
  let receiver: Receiver;
  let seq = 0;

  let fixture: SandboxFixture;
  before(async () => {
    fixture = await startSandboxFixture();
    ({ sandbox: s, clock, client, receiver } = fixture);
  });
  after(() => fixture.stop());

  const createUrl = (id: string, profitFen = 0, charset = 'utf-8'): string =>
    client.url(
      buildTaskCreate({
        outerTaskId: id,
        outerTaskFreezeNo: `${id}FZ`,
        taskAmountFen: 10000,
        ...(profitFen ? { additionalProfitAmountFen: profitFen, additionalProfitTransferNo: `${id}AP` } : {}),
        returnUrl: 'http://127.0.0.1:9/return',
        notifyUrl: receiver.url,
        taskType: 'T',
        taskTitle: '悬赏任务',
        taskExpiredTime: T0 + 10 * DAY,
        outerAccountId: `pub-${id}`,
      }),
      charset,
    );

  /** A paid task with one W transfer whose announcement is over. */
  async function taskWithDueTransfer(): Promise<{ id: string; no: string }> {
    clock.set(T0);
    const id = `F${++seq}`;
    await s.pay(createUrl(id));
    const publisher = s.task(id)!.publisherUserId!;
    await s.confirm(
      client.url(
        buildTaskConfirm({
          outerTaskId: id,
          outerAccountId: `pub-${id}`,
          alipayUserId: publisher,
          transfers: [{ outerTransferNo: `${id}T1`, amountFen: 5000, alipayUserId: '2088000000000009', nickname: 'W' }],
          announcePeriodEnd: T0 + DAY,
          returnUrl: 'http://127.0.0.1:9/return',
          notifyUrl: receiver.url,
        }),
      ),
    );
    clock.set(T0 + DAY);
    await s.flushNotifications();
    return { id, no: `${id}T1` };
  }

  test('drop: processed, connection closed without a reply; the retry gets the recorded outcome', async () => {
    const { id, no } = await taskWithDueTransfer();
    s.injectFault({
      target: 'request',
      kind: 'drop',
      service: 'alipay.witkey.task.confirm.by.platform',
      match: { outer_task_id: id },
    });
    await assert.rejects(client.call(buildConfirmByPlatform({ outerTaskId: id, transferNos: [no] }), 'GET'));
    assert.equal(s.transfers(id)[0].status, 'S', 'the payment happened');
    const retry = await client.call(buildConfirmByPlatform({ outerTaskId: id, transferNos: [no] }), 'GET');
    parseMapiReply(retry.body, 'utf-8', client.alipayVerifier);
    assert.equal(s.journal(id).filter((p) => p.reason === 'winner_payment').length, 1, 'paid once');
    assert.deepEqual(s.ledger().violations, []);
  });

  test('http5xx and SYSTEM_ERROR: nothing processed', async () => {
    const { id, no } = await taskWithDueTransfer();
    const before = JSON.stringify(s.ledger());
    s.injectFault({
      target: 'request',
      kind: 'http5xx',
      service: 'alipay.witkey.task.confirm.by.platform',
      status: 502,
    });
    const r1 = await client.call(buildConfirmByPlatform({ outerTaskId: id, transferNos: [no] }), 'GET');
    assert.equal(r1.status, 502);
    s.injectFault({ target: 'request', kind: 'systemError', service: 'alipay.witkey.task.confirm.by.platform' });
    const r2 = await client.call(buildConfirmByPlatform({ outerTaskId: id, transferNos: [no] }), 'GET');
    assert.throws(
      () => parseMapiReply(r2.body, 'utf-8', client.alipayVerifier),
      (e: unknown) => e instanceof GatewayError && e.gatewayCode === 'SYSTEM_ERROR' && e.errorClass === 'transient',
    );
    assert.equal(JSON.stringify(s.ledger()), before);
    assert.equal(s.transfers(id)[0].status, 'W');
    const r3 = await client.call(buildConfirmByPlatform({ outerTaskId: id, transferNos: [no] }), 'GET');
    parseMapiReply(r3.body, 'utf-8', client.alipayVerifier);
    assert.equal(s.transfers(id)[0].status, 'S', 'faults are consumed (times defaults to 1)');
  });

  test('delay and malformed XML', async () => {
    const { id, no } = await taskWithDueTransfer();
    s.injectFault({ target: 'request', kind: 'delay', delayMs: 300 });
    s.injectFault({ target: 'request', kind: 'malformedXml', service: 'alipay.witkey.task.confirm.by.platform' });
    const t0 = Date.now();
    const r = await client.call(buildConfirmByPlatform({ outerTaskId: id, transferNos: [no] }), 'GET');
    assert.ok(Date.now() - t0 >= 290, 'delayed');
    assert.throws(() => parseMapiReply(r.body, 'utf-8', client.alipayVerifier), MalformedReplyError);
    assert.equal(s.transfers(id)[0].status, 'S', 'processed before the malformed reply');
  });

  test('page drop: paid, no return callback', async () => {
    clock.set(T0);
    s.injectFault({
      target: 'request',
      kind: 'drop',
      service: 'alipay.witkey.task.create',
      match: { outer_task_id: 'FP1' },
    });
    const r = await s.pay(createUrl('FP1'));
    assert.equal(r.dropped, true);
    assert.equal(s.task('FP1')!.status, 'OPEN');
    s.injectFault({ target: 'request', kind: 'http5xx', service: 'alipay.witkey.task.create' });
    await assert.rejects(s.pay(createUrl('FP2')), { code: 'HTTP_503' });
    assert.equal(s.task('FP2'), undefined);
    await s.flushNotifications();
  });

  test('OpenAPI SYSTEM_ERROR on cancel: retry_flag Y, nothing done', async () => {
    clock.set(T0);
    await s.openPage(createUrl('FO1'));
    const k = s.config.keyFiles;
    const api = {
      gatewayUrl: s.openApiUrl,
      appId: s.config.appId,
      privateKey: loadPrivateKey(readFileSync(k.appRsaPrivate, 'utf8')),
      alipayPublicKey: loadPublicKey(readFileSync(k.alipayRsaPublic, 'utf8')),
    };
    s.injectFault({ target: 'request', kind: 'systemError', service: 'alipay.trade.cancel' });
    const req = buildTradeCancel(api, { outTradeNo: 'FO1FZ' });
    const send = async () =>
      (await fetch(req.url, { method: 'POST', headers: { 'content-type': req.contentType }, body: req.body })).text();
    assert.equal(parseTradeCancelResponse(await send(), api.alipayPublicKey).kind, 'retry');
    assert.equal(s.task('FO1')!.freezes[0].status, 'WAIT_BUYER_PAY');
    assert.equal(parseTradeCancelResponse(await send(), api.alipayPublicKey).kind, 'closed');
  });

  test('notification faults: duplicate, reorder, delay, drop, bad signature, GBK body', async () => {
    clock.set(T0);
    const mark = () => receiver.received.length;

    // duplicate: 1 + 2 copies with the same notify_id on the first delivery
    s.injectFault({ target: 'notification', kind: 'duplicate', outerTaskId: 'FN1', count: 2 });
    let m = mark();
    await s.pay(createUrl('FN1'));
    await s.flushNotifications();
    const dup = receiver.received.slice(m);
    assert.equal(dup.length, 3);
    assert.equal(new Set(dup.map((r) => r.notification?.notifyId)).size, 1);

    // reorder: the two notifications of one payment arrive in reverse order
    s.injectFault({ target: 'notification', kind: 'reorder', outerTaskId: 'FN2', times: 2 });
    m = mark();
    await s.pay(createUrl('FN2', 100));
    await s.flushNotifications();
    assert.deepEqual(
      receiver.received.slice(m).map((r) => r.notification?.notifyType),
      ['additional_profit_transfer', 'task_freeze'],
    );

    // delay: first attempt 5 minutes later
    s.injectFault({ target: 'notification', kind: 'delay', outerTaskId: 'FN3', delayMs: 5 * MINUTE });
    m = mark();
    await s.pay(createUrl('FN3'));
    await s.flushNotifications();
    assert.equal(mark(), m);
    clock.advance(5 * MINUTE);
    await s.flushNotifications();
    assert.equal(mark(), m + 1);

    // drop: the first attempt is not sent; the 2-minute resend is
    clock.set(T0);
    s.injectFault({ target: 'notification', kind: 'drop', outerTaskId: 'FN4' });
    m = mark();
    await s.pay(createUrl('FN4'));
    await s.flushNotifications();
    assert.equal(mark(), m);
    assert.equal(s.notifications({ outerTaskId: 'FN4' })[0].attempts[0].kind, 'dropped');
    clock.advance(2 * MINUTE);
    await s.flushNotifications();
    assert.equal(mark(), m + 1);
    assert.equal(s.notifications({ outerTaskId: 'FN4' })[0].status, 'delivered');

    // bad signature: refused by the receiver, then resent correctly
    clock.set(T0);
    s.injectFault({ target: 'notification', kind: 'badSignature', outerTaskId: 'FN5' });
    m = mark();
    await s.pay(createUrl('FN5'));
    await s.flushNotifications();
    assert.match(receiver.received[m].error ?? '', /signature/);
    assert.equal(receiver.received[m].answer, 'fail');
    clock.advance(2 * MINUTE);
    await s.flushNotifications();
    assert.ok(receiver.received[m + 1].notification);
    assert.equal(s.notifications({ outerTaskId: 'FN5' })[0].attempts[0].badSignature, true);

    // GBK body: encoded and signed in GBK whatever the request's charset
    clock.set(T0);
    s.injectFault({ target: 'notification', kind: 'gbk', outerTaskId: 'FN6' });
    m = mark();
    await s.pay(createUrl('FN6'));
    await s.flushNotifications();
    const gbk = receiver.received[m];
    assert.match(gbk.contentType, /charset=gbk/);
    assert.ok(gbk.notification, 'verifies as GBK');
    assert.equal(formParse(gbk.raw, 'gbk').notify_type, 'task_freeze');
  });

  test('faults through the HTTP control API', async () => {
    clock.set(T0);
    const post = (path: string, body: unknown) =>
      fetch(`${s.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const bad = await post('/sandbox/faults', { target: 'request', kind: 'explode' });
    assert.equal(bad.status, 400);
    const created = await post('/sandbox/faults', {
      target: 'request',
      kind: 'systemError',
      service: 'alipay.witkey.task.create',
      times: 0,
    });
    assert.equal(created.status, 201);
    const fault = (await created.json()) as { id: string };
    const list = (await (await fetch(`${s.url}/sandbox/faults`)).json()) as { faults: Array<{ id: string }> };
    assert.ok(list.faults.some((f) => f.id === fault.id));
    const refused = await post('/sandbox/pay', { request: createUrl('FH1') });
    assert.equal(refused.status, 422);
    assert.equal(((await refused.json()) as { error: string }).error, 'SYSTEM_ERROR');
    assert.equal((await fetch(`${s.url}/sandbox/faults/${fault.id}`, { method: 'DELETE' })).status, 200);
    const ok = await post('/sandbox/pay', { request: createUrl('FH1') });
    assert.equal(ok.status, 200);
    const body = (await ok.json()) as { returnUrl: string; event: { type: string } };
    assert.equal(body.event.type, 'task_freeze');
    const flushed = (await (await post('/sandbox/notifications/flush', {})).json()) as { attempts: unknown[] };
    assert.equal(flushed.attempts.length, 1);
    const advanced = (await (await post('/sandbox/clock/advance', { ms: 1000 })).json()) as { now: number };
    assert.equal(advanced.now, T0 + 1000);
    await post('/sandbox/clock/advance', { ms: 0 });
  });
});
