// OpenAPI: RSA2 request signing (sign_type signed), response verification over the raw *_response text,
// typed alipay.trade.query / alipay.trade.cancel with retry_flag / action / sub_code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { keys, fixturePath, openssl, withTempDir, writeTemp } from './helpers';
import { buildOpenApiResponse, parseOpenApiResponse, responseKey, verifyOpenApiRequest } from '../../alipay/openapi';
import {
  buildTradeCancel,
  buildTradeQuery,
  parseTradeCancelResponse,
  parseTradeQueryResponse,
  tradeCancelResponseBody,
  tradeQueryResponseBody,
} from '../../alipay/trade';
import { AlipayError, InboundRejectedError, MalformedReplyError, SignatureError } from '../../alipay/core/errors';
import { parseNotifyTime } from '../../alipay/core/times';
import { formParse } from '../../alipay/form';

const config = () => ({
  gatewayUrl: 'https://openapi.alipay.com/gateway.do',
  appId: '2014060600164699',
  privateKey: keys.rsaPrivate(),
  alipayPublicKey: keys.rsaPublic(),
});

// Alipay's trade.query document: the response sample, verbatim (its signature is Alipay's, over text we can locate but not verify).
const SEED_CANCEL_RESPONSE =
  '{"alipay_trade_cancel_response":{"code":"10000","msg":"Success","action":"close","out_trade_no":"sao201881610515614521","retry_flag":"N","trade_no":"2019032622001494891000009752"},"sign":"Ofs6d6BgfDAurk9li1FGBmqEZfCQrTiobx6/61ws6POInXaRckOCIyyUiS7r87GIZzwI0z+k1eqpfV1ymbHSpSViO2/r4yTptsQOVvLhQ/KGEdi4k8BJm3OH8Sd2t/VJdaQ2mKJjycPqaovSIzma6ZjhhglawZ9r8/RvviwTT0he3Q7yjE1OJK+0qZ2O7Df/QnNTUnQPxSW6QTG9vJsfMEeFSa763f7xdMSRv+rO/qUYUgrfZ41g/fAdbHvMMphv89fSJRJ1zNRhXeagFwVD8+9pJlIvq02E5YULiMGqvYT2h1YCm+bH4QWhnF1cJb+Cj+uj9LaF/A4xjZLeQ2uYLw=="}';

test('request: common params, sign_type signed, openssl verifies the signature', () => {
  const req = buildTradeCancel(
    config(),
    { outTradeNo: 'sao201881610515614521' },
    { timestamp: parseNotifyTime('2019-03-26 10:00:00') },
  );
  assert.deepEqual(Object.keys(req.params).sort(), [
    'app_id',
    'biz_content',
    'charset',
    'format',
    'method',
    'sign',
    'sign_type',
    'timestamp',
    'version',
  ]);
  assert.equal(req.params.timestamp, '2019-03-26 10:00:00');
  assert.equal(req.params.biz_content, '{"out_trade_no":"sao201881610515614521"}');
  const expected =
    'app_id=2014060600164699&biz_content={"out_trade_no":"sao201881610515614521"}&charset=utf-8&format=JSON&method=alipay.trade.cancel&sign_type=RSA2&timestamp=2019-03-26 10:00:00&version=1.0';
  withTempDir((dir) => {
    const sig = writeTemp(dir, 's', Buffer.from(req.params.sign, 'base64'));
    assert.match(
      openssl([
        'dgst',
        '-sha256',
        '-verify',
        fixturePath('rsa-public.pem'),
        '-signature',
        sig,
        writeTemp(dir, 'd', expected),
      ]).toString(),
      /Verified OK/,
    );
  });
  // Gateway side reads the POST body back and verifies it.
  const v = verifyOpenApiRequest(req.body, () => keys.rsaPublic());
  assert.equal(v.method, 'alipay.trade.cancel');
  assert.deepEqual(v.bizContent, { out_trade_no: 'sao201881610515614521' });
  assert.deepEqual(formParse(req.body, 'utf-8'), req.params);
  assert.throws(
    () => verifyOpenApiRequest(req.body.replace('sao2018', 'sao2019'), () => keys.rsaPublic()),
    (e: unknown) => e instanceof InboundRejectedError && e.code === 'isv.invalid-signature',
  );
  assert.throws(() => verifyOpenApiRequest(req.body, () => undefined), InboundRejectedError);
  // Certificate mode adds app_cert_sn and alipay_root_cert_sn, both signed.
  const certReq = buildTradeQuery({ ...config(), appCertSn: 'a', alipayRootCertSn: 'b' }, { outTradeNo: 'x' });
  assert.equal(certReq.params.app_cert_sn, 'a');
  assert.equal(verifyOpenApiRequest(certReq.body, () => keys.rsaPublic()).params.alipay_root_cert_sn, 'b');
});

test('the trade.query document: response: the signed region is the raw *_response text; a foreign signature is refused', () => {
  assert.equal(responseKey('alipay.trade.cancel'), 'alipay_trade_cancel_response');
  assert.throws(
    () => parseOpenApiResponse(SEED_CANCEL_RESPONSE, 'alipay.trade.cancel', keys.rsaPublic()),
    (e: unknown) => e instanceof SignatureError && e.outcomeUnknown,
  );
  // Re-sign the seed's exact *_response text with openssl and substitute the signature: now it verifies.
  const raw = SEED_CANCEL_RESPONSE.slice(
    SEED_CANCEL_RESPONSE.indexOf(':') + 1,
    SEED_CANCEL_RESPONSE.indexOf(',"sign"'),
  );
  const sig = withTempDir((dir) =>
    openssl(['dgst', '-sha256', '-sign', fixturePath('rsa-private-pkcs1.pem'), writeTemp(dir, 'd', raw)]).toString(
      'base64',
    ),
  );
  const resigned = SEED_CANCEL_RESPONSE.replace(/"sign":"[^"]+"/, `"sign":"${sig}"`);
  const r = parseOpenApiResponse(resigned, 'alipay.trade.cancel', keys.rsaPublic());
  assert.equal(r.rawText, raw);
  assert.equal(r.signed, true);
  assert.deepEqual(parseTradeCancelResponse(resigned, keys.rsaPublic()), {
    kind: 'closed',
    outTradeNo: 'sao201881610515614521',
    tradeNo: '2019032622001494891000009752',
  });
  // Any change inside the signed text, even whitespace, is refused; outside it is harmless.
  assert.throws(
    () =>
      parseOpenApiResponse(
        resigned.replace('"code":"10000"', '"code": "10000"'),
        'alipay.trade.cancel',
        keys.rsaPublic(),
      ),
    SignatureError,
  );
  assert.equal(
    parseOpenApiResponse(resigned.replace(',"sign"', ' ,\n "sign"'), 'alipay.trade.cancel', keys.rsaPublic()).signed,
    true,
  );
});

const respond = (method: string, body: Record<string, string>, opts: { sign?: boolean } = {}) =>
  buildOpenApiResponse(method, body, keys.rsaPrivate(), opts);

test('trade.cancel: the emulated table (close, refund, not found, retry)', () => {
  const pk = keys.rsaPublic();
  const cancel = (b: Record<string, string>, o?: { sign?: boolean }) =>
    parseTradeCancelResponse(respond('alipay.trade.cancel', b, o), pk);
  assert.deepEqual(
    cancel(tradeCancelResponseBody({ action: 'close', retryFlag: 'N', outTradeNo: 'F1', tradeNo: 'T1' })),
    { kind: 'closed', outTradeNo: 'F1', tradeNo: 'T1' },
  );
  assert.deepEqual(cancel(tradeCancelResponseBody({ action: 'refund', retryFlag: 'N', outTradeNo: 'F1' })), {
    kind: 'refunded',
    outTradeNo: 'F1',
  });
  assert.deepEqual(cancel(tradeCancelResponseBody({ retryFlag: 'N', outTradeNo: 'F1' })), {
    kind: 'no_action',
    outTradeNo: 'F1',
  });
  assert.deepEqual(cancel(tradeCancelResponseBody({ systemError: true, outTradeNo: 'F1' })), {
    kind: 'retry',
    code: '40004',
    subCode: 'ACQ.SYSTEM_ERROR',
  });
  assert.deepEqual(cancel({ code: '40004', msg: 'x', sub_code: 'AQC.SYSTEM_ERROR', retry_flag: 'N' }), {
    kind: 'retry',
    code: '40004',
    subCode: 'AQC.SYSTEM_ERROR',
  });
  assert.deepEqual(cancel({ code: '20000', msg: 'Service Currently Unavailable' }, { sign: false }), {
    kind: 'retry',
    code: '20000',
  });
  assert.deepEqual(cancel({ code: '10000', msg: 'Success', action: 'close', retry_flag: 'Y' }), {
    kind: 'retry',
    code: '10000',
  });
  assert.deepEqual(cancel({ code: '40004', msg: 'x', sub_code: 'ACQ.TRADE_STATUS_ERROR', retry_flag: 'N' }), {
    kind: 'failed',
    code: '40004',
    subCode: 'ACQ.TRADE_STATUS_ERROR',
    errorClass: 'input',
  });
  assert.deepEqual(cancel({ code: '40002', msg: 'x', sub_code: 'isv.invalid-signature' }, { sign: false }), {
    kind: 'failed',
    code: '40002',
    subCode: 'isv.invalid-signature',
    errorClass: 'configuration',
  });
  assert.throws(() => cancel({ code: '10000', msg: 'Success', action: 'close' }, { sign: false }), SignatureError);
  assert.throws(() => cancel({ code: '10000', msg: 'Success', action: 'explode' }), MalformedReplyError);
  assert.throws(() => cancel({ code: '10000', msg: 'Success', retry_flag: 'maybe' }), MalformedReplyError);
});

test('trade.query: found / not found / unknown', () => {
  const pk = keys.rsaPublic();
  const query = (b: Record<string, string>) => parseTradeQueryResponse(respond('alipay.trade.query', b), pk);
  assert.deepEqual(
    query(
      tradeQueryResponseBody({
        found: true,
        tradeStatus: 'TRADE_SUCCESS',
        outTradeNo: 'F1',
        tradeNo: 'T1',
        totalAmount: '302.00',
      }),
    ),
    { kind: 'found', tradeStatus: 'TRADE_SUCCESS', outTradeNo: 'F1', tradeNo: 'T1', totalAmountFen: 30200 },
  );
  assert.deepEqual(query(tradeQueryResponseBody({ found: false })), { kind: 'not_found' });
  assert.deepEqual(query({ code: '20000', msg: 'unknown' }), { kind: 'unknown', code: '20000' });
  assert.deepEqual(query({ code: '40004', msg: 'x', sub_code: 'ACQ.SYSTEM_ERROR' }), {
    kind: 'unknown',
    code: '40004',
    subCode: 'ACQ.SYSTEM_ERROR',
  });
  assert.throws(() => query({ code: '10000', msg: 'Success', trade_status: 'WHATEVER' }), MalformedReplyError);
  // An error_response (e.g. unknown method) is read too.
  const err = buildOpenApiResponse(
    'alipay.trade.query',
    { code: '40001', msg: 'Missing Required Arguments', sub_code: 'isv.missing-method' },
    keys.rsaPrivate(),
    { key: 'error_response', sign: false },
  );
  assert.deepEqual(parseTradeQueryResponse(err, pk), {
    kind: 'failed',
    code: '40001',
    subCode: 'isv.missing-method',
    errorClass: 'configuration',
  });
});

test('property: arbitrary response text yields a typed error, never a result', () => {
  const pk = keys.rsaPublic();
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string(),
        fc.json(),
        fc.jsonValue().map((v) => JSON.stringify({ alipay_trade_cancel_response: v })),
      ),
      (text) => {
        try {
          const r = parseTradeCancelResponse(text, pk);
          // Only unsigned non-success bodies can be read without a signature; they never claim close/refund.
          assert.ok(r.kind === 'retry' || r.kind === 'failed', JSON.stringify(r));
        } catch (e) {
          assert.ok(e instanceof AlipayError, String(e));
        }
      },
    ),
    { numRuns: 2000 },
  );
});

test('property: a mutated signed response never yields a different verified result', () => {
  const pk = keys.rsaPublic();
  const text = respond(
    'alipay.trade.cancel',
    tradeCancelResponseBody({ action: 'refund', retryFlag: 'N', outTradeNo: 'F1', tradeNo: 'T1' }),
  );
  const original = parseTradeCancelResponse(text, pk);
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: text.length - 1 }),
      fc.integer({ min: 0, max: 3 }),
      fc.string({ maxLength: 3 }),
      (pos, del, ins) => {
        try {
          const r = parseTradeCancelResponse(text.slice(0, pos) + ins + text.slice(pos + del), pk);
          if (r.kind !== 'retry' && r.kind !== 'failed') assert.deepEqual(r, original);
        } catch (e) {
          assert.ok(e instanceof AlipayError, String(e));
        }
      },
    ),
    { numRuns: 1000 },
  );
});
