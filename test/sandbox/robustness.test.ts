// Bad requests never crash the sandbox or corrupt its ledger: malformed encodings, wrong charsets, oversize
// bodies, bad amounts, separator injection, bad JSON on the control API, random input (fast-check); a failing
// conservation check refuses the operation and leaves memory and disk unchanged.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildTaskCreate } from '../../alipay/core/services';
import { signMapiRequest, mapiGetUrl } from '../../alipay/mapi-request';
import type { Sandbox } from '../../sandbox';
import { DAY, T0, diskDump, partnerClient, removeTempDirs, startTestSandbox, type PartnerClient } from './helpers';

describe('bad requests', () => {
  let s: Sandbox;
  let client: PartnerClient;
  let dataDir: string;

  before(async () => {
    const t = await startTestSandbox();
    s = t.sandbox;
    dataDir = t.dataDir;
    client = partnerClient(s);
  });
  after(async () => {
    await s.stop();
    removeTempDirs();
  });

  const snapshot = () => JSON.stringify({ ledger: s.ledger(), tasks: s.tasks(), transfers: s.transfers() });
  const errorOf = async (res: Response) => /<error>([A-Z_]+)<\/error>/.exec(await res.text())?.[1];

  const createParams = (over: Record<string, string | undefined> = {}) => ({
    outer_task_id: 'B1',
    outer_task_freeze_no: 'B1FZ',
    task_amount: '10.00',
    return_url: 'http://127.0.0.1:9/r',
    notify_url: 'http://127.0.0.1:9/n',
    task_type: 'T',
    task_title: 't',
    task_expired_time: '20300105000000',
    outer_account_id: 'p',
    ...over,
  });
  /** Sign arbitrary business params (bypassing the builders' checks) so the gateway's own checks are tested. */
  const rawSigned = (service: string, params: Record<string, string | undefined>, charset = 'utf-8') =>
    mapiGetUrl(
      signMapiRequest(
        { service, params },
        { gatewayUrl: s.gatewayUrl, partner: client.partner, inputCharset: charset, signer: client.signer },
      ),
      s.gatewayUrl,
    );

  test('malformed transport is refused with a code', async () => {
    const before = snapshot();
    assert.equal(
      await errorOf(await fetch(`${s.gatewayUrl}?service=alipay.witkey.task.confirm.by.platform&a=%ZZ`)),
      'ILLEGAL_ARGUMENT',
    );
    assert.equal(await errorOf(await fetch(`${s.gatewayUrl}?service=x&service=y`)), 'ILLEGAL_ARGUMENT');
    assert.equal(await errorOf(await fetch(`${s.gatewayUrl}?_input_charset=latin1&service=x`)), 'ILLEGAL_CHARSET');
    assert.equal(
      await errorOf(
        await fetch(
          `${s.gatewayUrl}?service=alipay.witkey.task.confirm.by.platform&partner=${client.partner}&_input_charset=utf-8&sign_type=DSA`,
        ),
      ),
      'ILLEGAL_SIGN',
    );
    assert.equal(await errorOf(await fetch(s.gatewayUrl)), 'ILLEGAL_CHARSET');
    const raw8 = await fetch(s.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: Buffer.from([0x61, 0x3d, 0xe4, 0xb8, 0xad]),
    });
    assert.ok(['ILLEGAL_ARGUMENT', 'ILLEGAL_CHARSET'].includes((await errorOf(raw8))!));
    const big = await fetch(s.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `a=${'x'.repeat(200_000)}`,
    });
    assert.equal(big.status, 413);
    const wrongType = await fetch(s.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: '<x/>',
    });
    assert.equal(wrongType.status, 415);
    const badJson = await fetch(`${s.url}/sandbox/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"request":',
    });
    assert.equal(badJson.status, 400);
    const badShape = await fetch(`${s.url}/sandbox/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ request: 5, extra: true }),
    });
    assert.equal(badShape.status, 400);
    const notPage = await fetch(`${s.url}/sandbox/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ request: 'service=alipay.witkey.task.confirm.by.platform' }),
    });
    assert.equal(notPage.status, 422);
    assert.equal(snapshot(), before);
  });

  test('the root and unknown paths answer 404 with where the gateway and the API are', async () => {
    for (const path of ['/', '/sandbox', '/nope?x=1']) {
      const res = await fetch(`${s.url}${path}`);
      assert.equal(res.status, 404, path);
      const body = (await res.json()) as { error: string; message: string };
      assert.equal(body.error, 'NOT_FOUND');
      assert.match(body.message, /the gateway is \/gateway\.do, the control and inspection API is under \/sandbox\//);
    }
  });

  test('business validation: amounts, times, separators, unknown task', async () => {
    const before = snapshot();
    const code = async (url: string) => {
      try {
        await s.pay(url);
        return 'OK';
      } catch (err) {
        return (err as { code: string }).code;
      }
    };
    assert.equal(
      await code(rawSigned('alipay.witkey.task.create', createParams({ task_amount: '-1' }))),
      'ILLEGAL_ARGUMENT',
    );
    assert.equal(
      await code(rawSigned('alipay.witkey.task.create', createParams({ task_amount: '1e3' }))),
      'ILLEGAL_ARGUMENT',
    );
    assert.equal(
      await code(rawSigned('alipay.witkey.task.create', createParams({ task_amount: '1.001' }))),
      'ILLEGAL_ARGUMENT',
    );
    assert.equal(
      await code(rawSigned('alipay.witkey.task.create', createParams({ task_expired_time: '20301301000000' }))),
      'ILLEGAL_ARGUMENT',
    );
    assert.equal(
      await code(rawSigned('alipay.witkey.task.create', createParams({ task_expired_time: '20200101000000' }))),
      'ILLEGAL_ARGUMENT',
      'in the past',
    );
    assert.equal(
      await code(rawSigned('alipay.witkey.task.create', createParams({ additional_profit_amount: '1.00' }))),
      'ILLEGAL_ARGUMENT',
      'fee without number',
    );
    assert.equal(
      await code(rawSigned('alipay.witkey.task.create', createParams({ outer_task_freeze_no: 'x'.repeat(31) }))),
      'ILLEGAL_ARGUMENT',
    );
    const inject = rawSigned('alipay.witkey.task.confirm', {
      outer_task_id: 'B1',
      outer_account_id: 'p',
      alipay_user_id: '2088000000000001',
      transfer_detail: 'N1~*@^1.00~*@^2088000000000002~*@^evil*@|$N2~*@^9.00~*@^2088000000000003',
      return_url: 'http://127.0.0.1:9/r',
      notify_url: 'http://127.0.0.1:9/n',
    });
    await assert.rejects(s.confirm(inject), { code: 'ILLEGAL_ARGUMENT' });
    const unknown = rawSigned('alipay.witkey.task.confirm', {
      outer_task_id: 'NOPE',
      outer_account_id: 'p',
      alipay_user_id: '2088000000000001',
      transfer_detail: 'N1~*@^1.00~*@^2088000000000002~*@^ok',
      return_url: 'http://127.0.0.1:9/r',
      notify_url: 'http://127.0.0.1:9/n',
    });
    await assert.rejects(s.confirm(unknown), { code: 'WITKEY_TASK_NOT_EXIST' });
    assert.equal(snapshot(), before);
  });

  test('used business numbers: same request = same outcome, other data = WITKEY_DATA_NOT_MATCH', async () => {
    const url = client.url(
      buildTaskCreate({
        outerTaskId: 'B2',
        outerTaskFreezeNo: 'B2FZ',
        taskAmountFen: 500,
        returnUrl: 'http://127.0.0.1:9/r',
        notifyUrl: 'http://127.0.0.1:9/n',
        taskType: 'T',
        taskTitle: 't',
        taskExpiredTime: T0 + DAY,
        outerAccountId: 'p2',
      }),
    );
    const first = await s.pay(url);
    const second = await s.pay(url);
    assert.equal(second.alreadyDone, true);
    assert.equal(second.returnFields.paid_time, first.returnFields.paid_time);
    const before = snapshot();
    const other = client.url(
      buildTaskCreate({
        outerTaskId: 'B2',
        outerTaskFreezeNo: 'B2FZ',
        taskAmountFen: 900,
        returnUrl: 'http://127.0.0.1:9/r',
        notifyUrl: 'http://127.0.0.1:9/n',
        taskType: 'T',
        taskTitle: 't',
        taskExpiredTime: T0 + DAY,
        outerAccountId: 'p2',
      }),
    );
    await assert.rejects(s.pay(other), { code: 'WITKEY_DATA_NOT_MATCH' });
    const otherNo = client.url(
      buildTaskCreate({
        outerTaskId: 'B2',
        outerTaskFreezeNo: 'B2FZ2',
        taskAmountFen: 500,
        returnUrl: 'http://127.0.0.1:9/r',
        notifyUrl: 'http://127.0.0.1:9/n',
        taskType: 'T',
        taskTitle: 't',
        taskExpiredTime: T0 + DAY,
        outerAccountId: 'p2',
      }),
    );
    await assert.rejects(s.pay(otherNo), { code: 'WITKEY_TASK_EXIST_ERROR' });
    const stolenNo = client.url(
      buildTaskCreate({
        outerTaskId: 'B3',
        outerTaskFreezeNo: 'B2FZ',
        taskAmountFen: 500,
        returnUrl: 'http://127.0.0.1:9/r',
        notifyUrl: 'http://127.0.0.1:9/n',
        taskType: 'T',
        taskTitle: 't',
        taskExpiredTime: T0 + DAY,
        outerAccountId: 'p3',
      }),
    );
    await assert.rejects(s.pay(stolenNo), { code: 'WITKEY_DATA_NOT_MATCH' });
    assert.equal(snapshot(), before);
  });

  test('a failing conservation check refuses the operation; memory and disk unchanged', async () => {
    const before = snapshot();
    const disk = diskDump(dataDir);
    s.setConservationCheck(() => ['injected violation']);
    try {
      const url = client.url(
        buildTaskCreate({
          outerTaskId: 'B9',
          outerTaskFreezeNo: 'B9FZ',
          taskAmountFen: 500,
          returnUrl: 'http://127.0.0.1:9/r',
          notifyUrl: 'http://127.0.0.1:9/n',
          taskType: 'T',
          taskTitle: 't',
          taskExpiredTime: T0 + DAY,
          outerAccountId: 'p9',
        }),
      );
      await assert.rejects(s.pay(url), { code: 'SYSTEM_ERROR' });
    } finally {
      s.setConservationCheck(undefined);
    }
    assert.equal(snapshot(), before);
    assert.equal(diskDump(dataDir), disk);
    assert.equal(s.task('B9'), undefined);
  });

  test('random input never crashes the server nor changes the ledger (fast-check)', async () => {
    const before = snapshot();
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 300 }), fc.boolean(), async (text, post) => {
        const res = post
          ? await fetch(s.gatewayUrl, {
              method: 'POST',
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              body: text,
            })
          : await fetch(`${s.gatewayUrl}?${encodeURI(text).replace(/#/g, '%23')}`);
        assert.ok(res.status < 500, `status ${res.status}`);
        await res.arrayBuffer();
      }),
      { numRuns: 150 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          fc.constantFrom(
            'service',
            'partner',
            '_input_charset',
            'sign',
            'sign_type',
            'outer_task_id',
            'transfer_detail',
            'cancel_transfer_detail',
          ),
          fc.string({ maxLength: 40 }),
        ),
        async (params) => {
          const res = await fetch(s.gatewayUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams(params).toString(),
          });
          assert.ok(res.status < 500);
          await res.arrayBuffer();
        },
      ),
      { numRuns: 150 },
    );
    assert.equal(snapshot(), before);
    assert.equal((await fetch(`${s.url}/sandbox/config`)).status, 200, 'still alive');
  });
});
