// Alipay's two URL-encoded request samples reproduce byte for byte (minus the signature).
//
// How a "request string" is compared: the seed samples list the parameters in Java HashMap order (meaningless),
// so the library's serialiser is given the seed's key order and must then produce the identical string once the
// `sign=...` pair (a DSA signature, random per signing and made with Alipay's test key) is removed from both. The
// multiset of encoded `key=value` pairs is compared too, which is order-free.
// Known conversion damage in Alipay's task.create document, repaired in the literal below and nowhere else:
//   - "¬ify_url" is "&notify_url" after an HTML-entity mangling of "&not";
//   - "input_charset=UTF-8" lost its leading underscore (the confirm.by.platform sample and both tables say `_input_charset`).
// The charset spelling "UTF-8" (upper case) is what the samples send; the client config sends it as given.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keys, signMutations } from './helpers';
import {
  buildCancelConfirmByPlatform,
  buildConfirmByPlatform,
  buildTaskCreate,
  readWitkeyRequest,
} from '../../alipay/core/services';
import { parseCompactTime } from '../../alipay/core/times';
import { mapiGetUrl, mapiRequestString, signMapiRequest, verifyMapiRequest } from '../../alipay/mapi-request';
import type { MapiVerifier } from '../../alipay/sign';

// Alipay's task.create document, section 3.3 (repaired as described above)
const SEED_TASK_CREATE =
  'outer_task_id=time84011110310001&additional_profit_transfer_no=time9011080618&outer_account_name=%E7%93%9C%E5%A8%83%E5%AD%90&sign_type=DSA&notify_url=http%3A%2F%2Fcommunityweb.d88.alipay.net%2Fwitkey%2FwitkeyNotify.htm%3FappType%3DFREEZE_SUCCESS&task_amount=100.00&task_type=SJ_0001&additional_profit_amount=202.00&task_expired_time=20111213121212&return_url=http%3A%2F%2Fwww.douban.com&sign=MC0CFAJh90wz74GD7ULpm%2FnK53ynC29IAhUArQcg%2B7NNjwpLR1%2Ba98dD14MdvLA%3D&_input_charset=UTF-8&outer_account_id=douban_seller&outer_task_freeze_no=time840110732012&service=alipay.witkey.task.create&task_title=%E4%B8%8D%E5%81%9A%E5%A5%BD%E4%BA%8Btime&partner=2088101012352995';

// Alipay's confirm.by.platform document, section 3.3 (verbatim)
const SEED_CONFIRM_BY_PLATFORM =
  'outer_task_id=wf301111010000977&sign_type=DSA&transfer_detail=89944ID1%7E*%40%5E89943ID1&sign=MC0CFFQFoHCAUIdWmydAbK8nZZYkQDtcAhUAyqkhQUYnDSIH9iyLm5H%2FRsGNBs%3D&_input_charset=UTF-8&service=alipay.witkey.task.confirm.by.platform&partner=2088101012352995';

function withoutSign(query: string): string {
  return query
    .split('&')
    .filter((p) => !p.startsWith('sign='))
    .join('&');
}

function keyOrder(query: string): string[] {
  return query.split('&').map((p) => p.slice(0, p.indexOf('=')));
}

const config = (partner: string) => ({
  gatewayUrl: 'http://capi.d88.alipay.net/cooperate/gateway.do',
  partner,
  inputCharset: 'UTF-8',
  signer: { signType: 'DSA' as const, privateKey: keys.dsaPrivate() },
});
const verifierFor = (): MapiVerifier => ({ signType: 'DSA', publicKey: keys.dsaPublic() });

test('the task.create document: request string reproduces byte for byte (minus sign)', () => {
  const business = buildTaskCreate({
    outerTaskId: 'time84011110310001',
    outerTaskFreezeNo: 'time840110732012',
    taskAmountFen: 10000,
    additionalProfitAmountFen: 20200,
    additionalProfitTransferNo: 'time9011080618',
    returnUrl: 'http://www.douban.com',
    notifyUrl: 'http://communityweb.d88.alipay.net/witkey/witkeyNotify.htm?appType=FREEZE_SUCCESS',
    taskType: 'SJ_0001',
    taskTitle: '不做好事time',
    taskExpiredTime: parseCompactTime('20111213121212'),
    outerAccountName: '瓜娃子',
    outerAccountId: 'douban_seller',
  });
  const signed = signMapiRequest(business, config('2088101012352995'));
  const ours = mapiRequestString(signed, keyOrder(SEED_TASK_CREATE));
  assert.equal(withoutSign(ours), withoutSign(SEED_TASK_CREATE));
  assert.deepEqual(withoutSign(ours).split('&').sort(), withoutSign(SEED_TASK_CREATE).split('&').sort());
  assert.match(signed.params.sign, /^MC[0-9A-Za-z+/]{42,}={0,2}$/, 'DSA signatures are base64 DER SEQUENCEs (MC...)');

  // Gateway side: the URL verifies and reads back into the same typed request.
  const url = mapiGetUrl(signed, 'http://capi.d88.alipay.net/cooperate/gateway.do');
  const verified = verifyMapiRequest(url.slice(url.indexOf('?') + 1), verifierFor);
  assert.equal(verified.service, 'alipay.witkey.task.create');
  const typed = readWitkeyRequest(verified.service, verified.business);
  assert.equal(typed.service, 'alipay.witkey.task.create');
  assert.equal(typed.request.outerTaskId, 'time84011110310001');
  assert.deepEqual(typed.request, readWitkeyRequest(business.service, business.params).request);
});

test('the confirm.by.platform document: request string reproduces byte for byte (minus sign)', () => {
  const business = buildConfirmByPlatform({ outerTaskId: 'wf301111010000977', transferNos: ['89944ID1', '89943ID1'] });
  const signed = signMapiRequest(business, config('2088101012352995'));
  const ours = mapiRequestString(signed, keyOrder(SEED_CONFIRM_BY_PLATFORM));
  assert.equal(withoutSign(ours), withoutSign(SEED_CONFIRM_BY_PLATFORM));
  assert.equal(signed.method, 'GET');
  const verified = verifyMapiRequest(ours, verifierFor);
  assert.deepEqual(readWitkeyRequest(verified.service, verified.business).request, {
    outerTaskId: 'wf301111010000977',
    transferNos: ['89944ID1', '89943ID1'],
  });
});

test('the cancel document: POST content: the cancel_transfer_detail pair reproduces', () => {
  const business = buildCancelConfirmByPlatform({ outerTaskId: '201103323321', transferNos: ['001ID', '002ID'] });
  const signed = signMapiRequest(business, config('2088101115793868'));
  const pairs = mapiRequestString(signed).split('&');
  for (const expected of [
    'outer_task_id=201103323321',
    'cancel_transfer_detail=001ID%7E%40%5E%26002ID',
    '_input_charset=UTF-8',
    'service=alipay.witkey.task.cancel.confirm.by.platform',
    'partner=2088101115793868',
    'sign_type=DSA',
  ]) {
    assert.ok(pairs.includes(expected), expected);
  }
  assert.equal(signed.method, 'POST');
});

test('gateway refuses tampered, unsigned or foreign requests with the gateway codes', () => {
  const signed = signMapiRequest(
    buildConfirmByPlatform({ outerTaskId: 'wf1', transferNos: ['a1'] }),
    config('2088101012352995'),
  );
  const good = mapiRequestString(signed);
  const code = (raw: string, v = verifierFor) => {
    try {
      verifyMapiRequest(raw, v);
    } catch (e) {
      return (e as { code: string }).code;
    }
    return 'OK';
  };
  assert.equal(code(good), 'OK');
  assert.equal(code(good.replace('wf1', 'wf2')), 'ILLEGAL_SIGN');
  assert.equal(code(good.replace(/&sign=[^&]*/, '')), 'ILLEGAL_SIGN');
  for (const [what, sign] of signMutations(signed.params.sign))
    assert.equal(code(mapiRequestString({ ...signed, params: { ...signed.params, sign } })), 'ILLEGAL_SIGN', what);
  assert.equal(code(good.replace('sign_type=DSA', 'sign_type=dsa')), 'ILLEGAL_SIGN_TYPE');
  assert.equal(code(good.replace('partner=2088101012352995', 'partner=2088101012352996')), 'ILLEGAL_SIGN');
  assert.equal(
    code(good, () => undefined as unknown as MapiVerifier),
    'ILLEGAL_PARTNER',
  );
  assert.equal(code(good.replace('_input_charset=UTF-8', '_input_charset=latin1')), 'ILLEGAL_CHARSET');
  assert.equal(code(`${good}&outer_task_id=wf1`), 'ILLEGAL_ARGUMENT');
  assert.equal(code(good.replace('wf1', 'wf%ZZ')), 'ILLEGAL_ARGUMENT');
});
