// Return callbacks are verified over EVERY field but sign / sign_type (docs/PROTOCOL.md §2 and §5), as notifications
// are; only the parameters the site put in its own return_url (named by the caller) are left out. A genuine return
// carrying one more signed field is accepted; a tampered one, or one with an unsigned field added, is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keys } from './helpers';
import { eventXml, verifyReturnCallback } from '../../alipay/notify';
import { formSerialize } from '../../alipay/form';
import { signMapiParams, type MapiSigner, type MapiVerifier } from '../../alipay/sign';
import { SignatureError } from '../../alipay/core/errors';
import { parseCompactTime } from '../../alipay/core/times';

const PARTNER = '2088101012352995';
const signer = (): MapiSigner => ({ signType: 'DSA', privateKey: keys.dsaPrivate() });
const verifier = (): MapiVerifier => ({ signType: 'DSA', publicKey: keys.dsaPublic() });
const opts = { verifier: verifier(), charset: 'utf-8', partner: PARTNER };

/** Signs `fields` as Alipay signs a return (every field but sign / sign_type), in `charset`. */
function signed(fields: Record<string, string>, charset = 'utf-8'): Record<string, string> {
  return { ...fields, sign: signMapiParams(fields, signer(), charset), sign_type: 'DSA' };
}

const FREEZE = {
  is_success: 'T',
  outer_task_id: 'task1',
  outer_task_freeze_no: 'task1FZ',
  task_amount: '100.00',
  paid_time: '20111221103000',
};

test("a GET return with one more signed field is accepted; the site's own return_url parameter is left out", () => {
  const fields = signed({ ...FREEZE, buyer_email: 'pub@example.com', notify_time: '2011-12-21 10:30:00' });
  // the site's return_url was .../alipay/return?service=alipay.witkey.task.create: an unsigned site parameter
  const query = `service=alipay.witkey.task.create&${formSerialize(fields, 'utf-8')}`;
  const r = verifyReturnCallback('alipay.witkey.task.create', query, opts, { siteParams: ['service'] });
  assert.ok(r.isSuccess);
  assert.deepEqual(r.event, {
    type: 'task_freeze',
    partner: PARTNER,
    outerTaskId: 'task1',
    outerTaskFreezeNo: 'task1FZ',
    taskAmountFen: 10_000,
    paidTime: parseCompactTime('20111221103000'),
  });
});

test('the extra field is covered: tampering with it, or adding an unsigned field, is refused', () => {
  const fields = signed({ ...FREEZE, buyer_email: 'pub@example.com' });
  const tampered = formSerialize({ ...fields, buyer_email: 'mallory@example.com' }, 'utf-8');
  assert.throws(
    () => verifyReturnCallback('alipay.witkey.task.create', tampered, opts, { siteParams: ['service'] }),
    SignatureError,
  );
  const injected = formSerialize({ ...signed(FREEZE), extra_common_param: 'not signed' }, 'utf-8');
  assert.throws(
    () => verifyReturnCallback('alipay.witkey.task.create', injected, opts, { siteParams: ['service'] }),
    SignatureError,
  );
  // a site parameter is only left out when the caller names it
  const withService = `service=alipay.witkey.task.create&${formSerialize(signed(FREEZE), 'utf-8')}`;
  assert.throws(() => verifyReturnCallback('alipay.witkey.task.create', withService, opts), SignatureError);
});

test('a POST return (xml, gbk) with one more signed field is accepted', () => {
  const xml = eventXml({
    type: 'left_amount_handle',
    partner: PARTNER,
    outerTaskId: 'task1',
    refund: { serialNo: 'task1RF1', amountFen: 2010 },
    successBidders: [
      { outerTransferNo: 'task1T3', amountFen: 1500, alipayUserId: '2088102116203708', nickname: '天之蓝' },
    ],
    failureBidders: [],
  });
  const fields = signed({ is_success: 'T', xml, handle_time: '20111221103000' }, 'gbk');
  const r = verifyReturnCallback(
    'alipay.witkey.task.left.amount.handle',
    formSerialize(fields, 'gbk'),
    { ...opts, charset: 'gbk' },
    { siteParams: ['service'] },
  );
  assert.ok(r.isSuccess && r.event.type === 'left_amount_handle');
  assert.equal(r.isSuccess && r.event.type === 'left_amount_handle' && r.event.successBidders[0].nickname, '天之蓝');
  const bad = formSerialize({ ...fields, handle_time: '20111221103001' }, 'gbk');
  assert.throws(
    () =>
      verifyReturnCallback(
        'alipay.witkey.task.left.amount.handle',
        bad,
        { ...opts, charset: 'gbk' },
        { siteParams: ['service'] },
      ),
    SignatureError,
  );
});

test('a refusal (is_success=F) with one more signed field is accepted and read', () => {
  const fields = signed({
    is_success: 'F',
    error: 'WITKEY_NOT_ALLOW',
    outer_task_id: 'task1',
    error_detail: 'not allowed now',
  });
  const r = verifyReturnCallback('alipay.witkey.task.confirm', formSerialize(fields, 'utf-8'), opts, {
    siteParams: ['service'],
  });
  assert.deepEqual(r, {
    isSuccess: false,
    service: 'alipay.witkey.task.confirm',
    errorCode: 'WITKEY_NOT_ALLOW',
    outerTaskId: 'task1',
  });
});
