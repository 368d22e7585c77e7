// Notifications (every notify_type, both sides), return_url callbacks and notify_verify.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as iconv from 'iconv-lite';
import { createHash } from 'node:crypto';
import { keys, signMutations } from './helpers';
import { Md5Key } from '../../alipay/keys';
import {
  buildNotification,
  buildReturnCallback,
  eventXml,
  parseEventXml,
  verifyNotificationBody,
  verifyNotificationFields,
  verifyReturnCallback,
} from '../../alipay/notify';
import {
  notifyVerifyAnswer,
  notifyVerifyUrl,
  parseNotifyVerifyAnswer,
  readNotifyVerifyRequest,
} from '../../alipay/notify-verify';
import { formParse, formSerialize } from '../../alipay/form';
import { signMapiParams, type MapiSigner, type MapiVerifier } from '../../alipay/sign';
import { AlipayError, InboundRejectedError, MalformedReplyError, SignatureError } from '../../alipay/core/errors';
import { NOTIFY_RESEND_DELAYS_MS, type NotifyEvent } from '../../alipay/core/events';
import { parseCompactTime, parseNotifyTime } from '../../alipay/core/times';

const PARTNER = '2088101012352995';
const T = parseCompactTime('20111221103000');
const signer = (): MapiSigner => ({ signType: 'DSA', privateKey: keys.dsaPrivate() });
const verifier = (): MapiVerifier => ({ signType: 'DSA', publicKey: keys.dsaPublic() });

const EVENTS: NotifyEvent[] = [
  {
    type: 'task_freeze',
    partner: PARTNER,
    outerTaskId: 'task1',
    outerTaskFreezeNo: 'task1FZ',
    taskAmountFen: 10000,
    additionalProfitAmountFen: 20200,
    additionalProfitTransferNo: 'task1AP',
    paidTime: T,
    alipayUserId: '2088102113960482',
  },
  {
    type: 'task_freeze',
    partner: PARTNER,
    outerTaskId: 'task1',
    outerTaskFreezeNo: 'task1AF1',
    taskAmountFen: 5000,
    paidTime: T,
  },
  {
    type: 'additional_profit_transfer',
    partner: PARTNER,
    outerTaskId: 'task1',
    additionalProfitTransferNo: 'task1AP',
    amountFen: 20200,
    status: 'S',
    transferTime: T,
  },
  {
    type: 'task_confirm',
    partner: PARTNER,
    outerTaskId: 'task1',
    announcePeriodEnd: T,
    transfers: [
      { outerTransferNo: 'task1T1', amountFen: 1500, alipayUserId: '2088102116203708', status: 'W' },
      {
        outerTransferNo: 'task1T2',
        amountFen: 1700,
        alipayUserId: '2088102116203728',
        status: 'F',
        errorCode: 'BIDDER_EQUALS_TASK_CREATOR_ERROR',
      },
    ],
  },
  {
    type: 'left_amount_handle',
    partner: PARTNER,
    outerTaskId: 'task1',
    refund: { serialNo: 'task1RF1', amountFen: 2010 },
    platform: { serialNo: 'task1PS1', amountFen: 3010 },
    successBidders: [
      { outerTransferNo: 'task1T3', amountFen: 1500, alipayUserId: '2088102116203708', nickname: '天之蓝 a%2Bb&c=d' },
    ],
    failureBidders: [
      {
        outerTransferNo: 'task1T4',
        amountFen: 1700,
        alipayUserId: '2088102116203728',
        nickname: '红彤彤',
        errorCode: 'ACCOUNT_NOT_EXIST',
      },
    ],
  },
  { type: 'left_amount_handle', partner: PARTNER, outerTaskId: 'task1', successBidders: [], failureBidders: [] },
  {
    type: 'refund_transfer',
    partner: PARTNER,
    outerTaskId: 'task1',
    outerTransferNo: 'task1RF1',
    amountFen: 2010,
    status: 'S',
    transferTime: T,
  },
  {
    type: 'assign_transfer',
    subType: 'ASSIGN_FOR_ANNOUNCE_PAYMENT',
    partner: PARTNER,
    outerTaskId: 'task1',
    outerTransferNo: 'task1T1',
    alipayUserId: '2088102116203708',
    amountFen: 1500,
    commissionFen: 75,
    winnerAmountFen: 1425,
    status: 'S',
    transferTime: T,
  },
  {
    type: 'assign_transfer',
    subType: 'ASSIGN_FOR_IMMEDIATE_PAYMENT',
    partner: PARTNER,
    outerTaskId: 'task1',
    outerTransferNo: 'task1T3',
    alipayUserId: '2088102116203708',
    amountFen: 1500,
    commissionFen: 75,
    winnerAmountFen: 1425,
    status: 'F',
    errorCode: 'ACCOUNT_NOT_EXIST',
    transferTime: T,
  },
  {
    type: 'platform_profit_transfer',
    subType: 'PLATFORM_PROFIT_BY_ANNOUNCE_PAYMENT',
    partner: PARTNER,
    outerTaskId: 'task1',
    outerTransferNo: 'task1T1',
    profitAmountFen: 75,
    alipayFeeFen: 8,
    platformAmountFen: 67,
    status: 'S',
    transferTime: T,
  },
  {
    type: 'platform_profit_transfer',
    subType: 'PLATFORM_PROFIT_BY_IMMEDIATE_PAYMENT',
    partner: PARTNER,
    outerTaskId: 'task1',
    outerTransferNo: 'task1PS1',
    profitAmountFen: 3010,
    alipayFeeFen: 18,
    platformAmountFen: 2992,
    status: 'S',
    transferTime: T,
  },
];

test('resend schedule is 2m,10m,10m,1h,2h,6h,15h (about 24h22m)', () => {
  assert.equal(NOTIFY_RESEND_DELAYS_MS.length, 7);
  assert.equal(
    NOTIFY_RESEND_DELAYS_MS.reduce((a, b) => a + b, 0),
    (24 * 60 + 22) * 60_000,
  );
});

for (const charset of ['utf-8', 'gbk'] as const) {
  test(`every notify_type round-trips gateway -> site and verifies [${charset}]`, () => {
    for (const [i, event] of EVENTS.entries()) {
      const built = buildNotification(
        { notifyId: `nid${i}`, notifyTime: parseNotifyTime('2011-12-21 10:30:00'), event },
        signer(),
        charset,
      );
      assert.ok(/^[\x20-\x7e]*$/.test(built.body), 'the body is URL-encoded ASCII');
      const n = verifyNotificationBody(charset === 'gbk' ? Buffer.from(built.body, 'latin1') : built.body, {
        verifier: verifier(),
        charset,
        partner: PARTNER,
      });
      assert.equal(n.notifyId, `nid${i}`);
      assert.equal(n.notifyType, event.type);
      assert.equal(n.notifySubType, 'subType' in event ? event.subType : undefined);
      assert.equal(n.notifyTime, parseNotifyTime('2011-12-21 10:30:00'));
      assert.deepEqual(n.event, event);
    }
  });
}

test('raw values are decoded once: a literal %2B in a nickname stays %2B', () => {
  const event = EVENTS[4];
  const built = buildNotification({ notifyId: 'n1', event }, signer(), 'utf-8');
  assert.ok(built.body.includes('%252B'), 'the percent sign itself is encoded on the wire');
  const n = verifyNotificationBody(built.body, { verifier: verifier(), charset: 'utf-8', partner: PARTNER });
  assert.equal(n.event.type === 'left_amount_handle' && n.event.successBidders[0].nickname, '天之蓝 a%2Bb&c=d');
});

test('the wire format of a notification is the documented one', () => {
  const built = buildNotification(
    { notifyId: 'abc123', notifyTime: parseNotifyTime('2011-12-21 10:30:00'), event: EVENTS[7] },
    signer(),
    'utf-8',
  );
  assert.deepEqual(Object.keys(built.fields), [
    'notify_id',
    'notify_time',
    'notify_type',
    'notify_sub_type',
    'xml',
    'sign',
    'sign_type',
  ]);
  assert.equal(built.fields.notify_time, '2011-12-21 10:30:00');
  assert.equal(
    built.fields.xml,
    '<alipay><response><partner>2088101012352995</partner><outer_task_id>task1</outer_task_id><outer_transfer_no>task1T1</outer_transfer_no><alipay_user_id>2088102116203708</alipay_user_id><amount>15.00</amount><commission_amount>0.75</commission_amount><winner_amount>14.25</winner_amount><transfer_status>S</transfer_status><gmt_transfer>20111221103000</gmt_transfer></response></alipay>',
  );
  // The signature covers every field but sign and sign_type (checked against an independent join).
  const f = built.fields;
  const expected = `notify_id=${f.notify_id}&notify_sub_type=${f.notify_sub_type}&notify_time=${f.notify_time}&notify_type=${f.notify_type}&xml=${f.xml}`;
  assert.equal(
    signMapiParams(f, { signType: 'MD5', md5Key: new Md5Key('k') }, 'utf-8'),
    createHash('md5').update(`${expected}k`).digest('hex'),
  );
  assert.equal(built.contentType, 'application/x-www-form-urlencoded; charset=utf-8');
});

test('refused at the door: bad signature, other partner, wrong sub-type, malformed fields', () => {
  const opts = { verifier: verifier(), charset: 'utf-8', partner: PARTNER };
  const built = buildNotification({ notifyId: 'n1', event: EVENTS[0] }, signer(), 'utf-8');
  const f = built.fields;
  assert.throws(() => verifyNotificationFields({ ...f, notify_id: 'n2' }, opts), SignatureError);
  assert.throws(
    () => verifyNotificationFields({ ...f, xml: f.xml.replace('100.00', '1000.00') }, opts),
    SignatureError,
  );
  assert.throws(
    () => verifyNotificationFields(f, { ...opts, partner: '2088000000000000' }),
    (e: unknown) => e instanceof InboundRejectedError && e.code === 'ILLEGAL_PARTNER',
  );
  assert.throws(
    () => verifyNotificationFields({ ...f, notify_sub_type: 'ASSIGN_FOR_ANNOUNCE_PAYMENT' }, opts),
    InboundRejectedError,
  );
  const assign = buildNotification({ notifyId: 'n3', event: EVENTS[7] }, signer(), 'utf-8').fields;
  assert.throws(
    () => verifyNotificationFields({ ...assign, notify_sub_type: undefined as unknown as string }, opts),
    InboundRejectedError,
  );
  assert.throws(() => verifyNotificationFields({ ...f, notify_type: 'trade_status_sync' }, opts), InboundRejectedError);
  assert.throws(() => verifyNotificationFields({ ...f, notify_time: '2011/12/21' }, opts), InboundRejectedError);
  assert.throws(() => verifyNotificationFields({ ...f, sign_type: 'RSA' }, opts), SignatureError);
  assert.throws(() => verifyNotificationBody(`${built.body}&notify_id=x`, opts), InboundRejectedError);
  // GBK bytes read as UTF-8 are refused.
  const gbk = buildNotification({ notifyId: 'n4', event: EVENTS[4] }, signer(), 'gbk');
  assert.throws(() => verifyNotificationBody(gbk.body, opts), AlipayError);
});

test('a genuine notification or return page whose sign has a character added, changed or dropped is refused', () => {
  const opts = { verifier: verifier(), charset: 'utf-8', partner: PARTNER };
  for (let i = 0; i < 4; i++) {
    // DSA signatures are randomised: a few, so that padded and unpadded ones are both seen
    const f = buildNotification({ notifyId: `nm${i}`, event: EVENTS[0] }, signer(), 'utf-8').fields;
    assert.equal(verifyNotificationFields(f, opts).notifyId, `nm${i}`);
    for (const [what, sign] of signMutations(f.sign))
      assert.throws(() => verifyNotificationFields({ ...f, sign }, opts), SignatureError, `notification: ${what}`);
    const page = buildReturnCallback(
      'alipay.witkey.task.create',
      'http://site/return',
      { isSuccess: true, event: EVENTS[0] as never },
      signer(),
      'utf-8',
    );
    const query = new URLSearchParams(page.url.slice(page.url.indexOf('?') + 1));
    assert.ok(verifyReturnCallback('alipay.witkey.task.create', query.toString(), opts).isSuccess);
    for (const [what, sign] of signMutations(query.get('sign')!)) {
      const changed = new URLSearchParams(query);
      changed.set('sign', sign);
      assert.throws(
        () => verifyReturnCallback('alipay.witkey.task.create', changed.toString(), opts),
        SignatureError,
        `return page: ${what}`,
      );
    }
  }
});

test('a correctly signed notification whose xml is wrong is refused (typed), not delivered', () => {
  const opts = { verifier: verifier(), charset: 'utf-8', partner: PARTNER };
  const sign = (fields: Record<string, string>) => ({
    ...fields,
    sign: signMapiParams(fields, signer(), 'utf-8'),
    sign_type: 'DSA',
  });
  for (const xml of [
    '<alipay><response><partner>2088101012352995</partner></response></alipay>',
    '<alipay><response><partner>2088101012352995</partner><outer_task_id>t</outer_task_id><outer_task_freeze_no>f</outer_task_freeze_no><task_amount>1e3</task_amount><paid_time>20111221103000</paid_time></response></alipay>',
    '<alipay><response><partner>2088101012352995</partner><outer_task_id>t</outer_task_id><outer_task_freeze_no>f</outer_task_freeze_no><task_amount>10</task_amount><paid_time>2011-12-21</paid_time></response></alipay>',
    '<alipay><response>',
    'not xml',
    // leaf text is exact (compact XML, docs/PROTOCOL.md): whitespace around or instead of a value is malformed, not
    // trimmed away (a blank payer id read as "absent", an amount " 10" read as "10"; hostile-input chaos run)
    '<alipay><response><partner>2088101012352995</partner><outer_task_id>t</outer_task_id><outer_task_freeze_no>f</outer_task_freeze_no><task_amount>10</task_amount><paid_time>20111221103000</paid_time><alipay_user_id>\r\n</alipay_user_id></response></alipay>',
    '<alipay><response><partner>2088101012352995</partner><outer_task_id>t</outer_task_id><outer_task_freeze_no>f</outer_task_freeze_no><task_amount> 10</task_amount><paid_time>20111221103000</paid_time></response></alipay>',
    '<alipay><response><partner>2088101012352995 </partner><outer_task_id>t</outer_task_id><outer_task_freeze_no>f</outer_task_freeze_no><task_amount>10</task_amount><paid_time>20111221103000</paid_time></response></alipay>',
  ]) {
    assert.throws(
      () =>
        verifyNotificationFields(
          sign({ notify_id: 'n', notify_time: '2011-12-21 10:30:00', notify_type: 'task_freeze', xml }),
          opts,
        ),
      InboundRejectedError,
      xml,
    );
  }
});

test('property: arbitrary bodies and arbitrary signed xml yield typed errors, never an event', () => {
  const md5Key = new Md5Key('secret');
  const opts = { verifier: { signType: 'MD5', md5Key } as MapiVerifier, charset: 'utf-8', partner: PARTNER };
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string(),
        fc.uint8Array().map((u) => Buffer.from(u)),
        fc
          .dictionary(
            fc.constantFrom('notify_id', 'notify_time', 'notify_type', 'xml', 'sign', 'sign_type', 'x'),
            fc.string(),
          )
          .map((d) => formSerialize(d, 'utf-8')),
      ),
      (body) => {
        try {
          verifyNotificationBody(body, opts);
        } catch (e) {
          assert.ok(e instanceof AlipayError, String(e));
          return;
        }
        assert.fail('accepted');
      },
    ),
    { numRuns: 1500 },
  );
  const md5Signer: MapiSigner = { signType: 'MD5', md5Key };
  fc.assert(
    fc.property(
      fc.constantFrom(...EVENTS),
      fc.integer({ min: 0, max: 400 }),
      fc.integer({ min: 0, max: 5 }),
      fc.string({ maxLength: 4 }),
      (event, pos, del, ins) => {
        const xml = eventXml(event);
        const p = pos % xml.length;
        const mutated = xml.slice(0, p) + ins + xml.slice(p + del);
        const fields: Record<string, string> = {
          notify_id: 'n',
          notify_time: '2011-12-21 10:30:00',
          notify_type: event.type,
          ...('subType' in event ? { notify_sub_type: event.subType } : {}),
          xml: mutated,
        };
        fields.sign = signMapiParams(fields, md5Signer, 'utf-8');
        fields.sign_type = 'MD5';
        try {
          const n = verifyNotificationFields(fields, opts);
          // Accepted only if the mutation left a document that reads as a valid event of the same type.
          assert.equal(n.event.type, event.type);
          assert.equal(eventXml(n.event), eventXml(parseEventXml(event.type, n.notifySubType, mutated)));
        } catch (e) {
          assert.ok(e instanceof AlipayError, String(e));
        }
      },
    ),
    { numRuns: 1500 },
  );
});

test('return_url callbacks: task.create GET with flat params, left.amount.handle POST with xml, failures', () => {
  const opts = { verifier: verifier(), charset: 'utf-8', partner: PARTNER };
  const freeze = EVENTS[0];
  const get = buildReturnCallback(
    'alipay.witkey.task.create',
    'http://site/return?appType=X',
    { isSuccess: true, event: freeze as never },
    signer(),
    'utf-8',
  );
  assert.equal(get.method, 'GET');
  const query = get.url.slice(get.url.indexOf('?') + 1);
  assert.match(
    query,
    /^appType=X&is_success=T&outer_task_id=task1&outer_task_freeze_no=task1FZ&task_amount=100\.00&additional_profit_amount=202\.00&additional_profit_transfer_no=task1AP&paid_time=20111221103000&sign=[^&]+&sign_type=DSA$/,
  );
  // appType is the site's own return_url parameter: not signed, named so that it is left out
  const r = verifyReturnCallback('alipay.witkey.task.create', query, opts, { siteParams: ['appType'] });
  assert.ok(r.isSuccess);
  const { alipayUserId: _drop, ...withoutUser } = freeze as { alipayUserId?: string };
  assert.deepEqual(r.event, withoutUser);
  assert.throws(
    () =>
      verifyReturnCallback('alipay.witkey.task.create', query.replace('100.00', '1.00'), opts, {
        siteParams: ['appType'],
      }),
    SignatureError,
  );

  const post = buildReturnCallback(
    'alipay.witkey.task.left.amount.handle',
    'http://site/return',
    { isSuccess: true, event: EVENTS[4] as never },
    signer(),
    'gbk',
  );
  assert.equal(post.method, 'POST');
  const body = formSerialize(post.fields, 'gbk');
  const r2 = verifyReturnCallback('alipay.witkey.task.left.amount.handle', body, { ...opts, charset: 'gbk' });
  assert.ok(r2.isSuccess && r2.event.type === 'left_amount_handle');
  assert.deepEqual(r2.isSuccess && r2.event, EVENTS[4]);

  const fail = buildReturnCallback(
    'alipay.witkey.task.confirm',
    'http://site/r',
    { isSuccess: false, errorCode: 'WITKEY_TASK_NOT_EXIST', outerTaskId: 'task1' },
    signer(),
    'utf-8',
  );
  const r3 = verifyReturnCallback('alipay.witkey.task.confirm', fail.url.split('?')[1], opts);
  assert.deepEqual(r3, {
    isSuccess: false,
    service: 'alipay.witkey.task.confirm',
    errorCode: 'WITKEY_TASK_NOT_EXIST',
    outerTaskId: 'task1',
  });
  assert.throws(
    () => verifyReturnCallback('alipay.witkey.task.confirm.by.platform', 'a=b', opts),
    InboundRejectedError,
  );
});

test('notify_verify: request and answer, both sides', () => {
  const url = notifyVerifyUrl('https://mapi.alipay.com/gateway.do', PARTNER, 'abc+/=');
  assert.equal(
    url,
    'https://mapi.alipay.com/gateway.do?service=notify_verify&partner=2088101012352995&notify_id=abc%2B%2F%3D',
  );
  assert.deepEqual(readNotifyVerifyRequest(url.split('?')[1]), { partner: PARTNER, notifyId: 'abc+/=' });
  assert.equal(parseNotifyVerifyAnswer(notifyVerifyAnswer(true).body), true);
  assert.equal(parseNotifyVerifyAnswer('false'), false);
  assert.equal(parseNotifyVerifyAnswer(Buffer.from('true\n')), true);
  for (const bad of ['', 'TRUE', 'success', '<html>', 'true false'])
    assert.throws(() => parseNotifyVerifyAnswer(bad), MalformedReplyError);
});

test('form codec: gbk bytes on the wire', () => {
  const body = formSerialize({ nickname: '天之蓝' }, 'gbk');
  assert.equal(
    body,
    `nickname=${[...iconv.encode('天之蓝', 'gbk')].map((b) => `%${b.toString(16).toUpperCase()}`).join('')}`,
  );
  assert.deepEqual(formParse(body, 'gbk'), { nickname: '天之蓝' });
});
