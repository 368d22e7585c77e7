// Detail-list codec (the ONE separator table), canonicalisation, the form codec and the request builders' limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  DETAIL_SEPARATORS,
  checkDetailValue,
  decodeSerialAmount,
  decodeTransferNumbers,
  decodeTransferRecords,
  encodeSerialAmount,
  encodeTransferNumbers,
  encodeTransferRecords,
} from '../../alipay/core/detail';
import { compareByteOrder, mapiSigningString, openApiSigningString } from '../../alipay/core/canonical';
import { formParse, formSerialize } from '../../alipay/form';
import {
  buildCancelConfirmByPlatform,
  buildConfirmByPlatform,
  buildLeftAmountHandle,
  buildTaskConfirm,
  buildTaskCreate,
  readLeftAmountHandle,
} from '../../alipay/core/services';
import { AlipayError, DetailCodecError, FieldError } from '../../alipay/core/errors';
import { MAX_FEN } from '../../alipay/core/money';

test('the separator table is the documented table (docs/PROTOCOL.md §3.2)', () => {
  assert.deepEqual(DETAIL_SEPARATORS, {
    'confirm.by.platform/transfer_detail': { list: '~*@^' },
    'cancel.confirm.by.platform/cancel_transfer_detail': { list: '~@^&' },
    'task.confirm/transfer_detail': { field: '~*@^', list: '*@|$' },
    'left.amount.handle/transfer_detail': { field: '~*@^', list: '*@|$' },
    'left.amount.handle/refund_detail': { field: '~*@^' },
    'left.amount.handle/platform_detail': { field: '~*@^' },
  });
  assert.equal(
    encodeTransferNumbers('confirm.by.platform/transfer_detail', ['89944ID1', '89943ID1']),
    '89944ID1~*@^89943ID1',
  );
  assert.equal(
    encodeTransferNumbers('cancel.confirm.by.platform/cancel_transfer_detail', ['001ID', '002ID']),
    '001ID~@^&002ID',
  );
  assert.equal(
    encodeTransferRecords('left.amount.handle/transfer_detail', [
      { outerTransferNo: '111221_0011_10', amountFen: 1500, alipayUserId: '2088102116203708', nickname: 'JIM' },
      { outerTransferNo: '111221_0011_11', amountFen: 1700, alipayUserId: '2088102116203728', nickname: 'Tom' },
    ]),
    '111221_0011_10~*@^15.00~*@^2088102116203708~*@^JIM*@|$111221_0011_11~*@^17.00~*@^2088102116203728~*@^Tom',
  );
  assert.equal(
    encodeSerialAmount('left.amount.handle/refund_detail', { serialNo: '20111221_0012_03', amountFen: 2010 }),
    '20111221_0012_03~*@^20.10',
  );
  // Alipay's left.amount.handle document's sample amounts "20.1" and "15" decode.
  assert.deepEqual(decodeSerialAmount('left.amount.handle/refund_detail', '20111221_0012_03~*@^20.1'), {
    serialNo: '20111221_0012_03',
    amountFen: 2010,
  });
  // An override per call.
  assert.equal(encodeTransferNumbers('confirm.by.platform/transfer_detail', ['a', 'b'], { list: '~*~' }), 'a~*~b');
});

test('values with a separator or control characters are rejected before signing', () => {
  for (const bad of ['a~*@^b', 'x*@|$', '~@^&', 'tab\there', 'nl\n', '\u0000', '\u0085', '']) {
    assert.throws(() => checkDetailValue('nickname', bad), DetailCodecError, JSON.stringify(bad));
  }
  assert.throws(
    () =>
      encodeTransferRecords('task.confirm/transfer_detail', [
        {
          outerTransferNo: 'T1',
          amountFen: 1,
          alipayUserId: '2088102116203708',
          nickname: 'evil~*@^1.00~*@^2088000000000000~*@^x',
        },
      ]),
    DetailCodecError,
  );
  assert.throws(
    () => encodeTransferNumbers('confirm.by.platform/transfer_detail', ['a~@^&b']),
    DetailCodecError,
    'a separator of ANOTHER list is rejected too',
  );
  assert.throws(
    () => encodeTransferNumbers('confirm.by.platform/transfer_detail', ['a~*~b'], { list: '~*~' }),
    DetailCodecError,
  );
  assert.throws(
    () => decodeTransferRecords('left.amount.handle/transfer_detail', 'a~*@^1.00~*@^2088102116203708'),
    DetailCodecError,
  );
  assert.throws(() => decodeTransferNumbers('confirm.by.platform/transfer_detail', 'a~*@^~*@^b'), DetailCodecError);
});

const tricky = fc.string({
  unit: fc.constantFrom('~', '*', '@', '^', '|', '$', '&', 'a', '1', '天', ' ', '%', '+', '='),
  minLength: 1,
  maxLength: 12,
});

test('property: detail codec round trips, or rejects values that contain a separator', () => {
  const record = fc.record({
    outerTransferNo: tricky,
    amountFen: fc.integer({ min: 0, max: MAX_FEN }),
    alipayUserId: tricky,
    nickname: tricky,
  });
  fc.assert(
    fc.property(
      fc.array(record, { minLength: 1, maxLength: 5 }),
      fc.constantFrom('task.confirm/transfer_detail', 'left.amount.handle/transfer_detail'),
      (records, name) => {
        let encoded: string;
        try {
          encoded = encodeTransferRecords(name, records);
        } catch (e) {
          assert.ok(e instanceof DetailCodecError);
          const seps = ['~*@^', '*@|$', '~@^&'];
          assert.ok(
            records.some((r) =>
              [r.outerTransferNo, r.alipayUserId, r.nickname].some((v) => seps.some((s) => v.includes(s))),
            ),
          );
          return;
        }
        assert.deepEqual(
          decodeTransferRecords(name, encoded),
          records.map((r) => ({ ...r })),
        );
      },
    ),
    { numRuns: 3000 },
  );
  fc.assert(
    fc.property(
      fc.array(tricky, { minLength: 1, maxLength: 8 }),
      fc.constantFrom('confirm.by.platform/transfer_detail', 'cancel.confirm.by.platform/cancel_transfer_detail'),
      (nos, name) => {
        try {
          assert.deepEqual(decodeTransferNumbers(name, encodeTransferNumbers(name, nos)), nos);
        } catch (e) {
          assert.ok(e instanceof DetailCodecError);
        }
      },
    ),
    { numRuns: 3000 },
  );
  fc.assert(
    fc.property(tricky, fc.integer({ min: 0, max: MAX_FEN }), (serialNo, amountFen) => {
      try {
        assert.deepEqual(
          decodeSerialAmount(
            'left.amount.handle/platform_detail',
            encodeSerialAmount('left.amount.handle/platform_detail', { serialNo, amountFen }),
          ),
          { serialNo, amountFen },
        );
      } catch (e) {
        assert.ok(e instanceof DetailCodecError);
      }
    }),
  );
  fc.assert(
    fc.property(fc.string(), (text) => {
      try {
        decodeTransferRecords('left.amount.handle/transfer_detail', text);
      } catch (e) {
        assert.ok(e instanceof AlipayError);
      }
    }),
  );
});

/** Reference canonicalisation written independently: UTF-8 byte sort with Buffer.compare. */
function referenceCanonical(params: Record<string, string>, excluded: string[]): string {
  return Object.entries(params)
    .filter(([k, v]) => !excluded.includes(k) && v !== '')
    .sort(([a], [b]) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

test('property: canonicalisation = independent reference; order-insensitive; sign/sign_type/empty dropped', () => {
  const key = fc.oneof(
    fc.constantFrom('sign', 'sign_type', '_input_charset', 'a', 'A', 'b', 'Z'),
    fc.string({ minLength: 1, maxLength: 6, unit: 'grapheme' }),
  );
  fc.assert(
    fc.property(
      fc.dictionary(key, fc.oneof(fc.constant(''), fc.constant('0'), fc.string({ unit: 'grapheme' }))),
      (params) => {
        assert.equal(mapiSigningString(params), referenceCanonical(params, ['sign', 'sign_type']));
        assert.equal(openApiSigningString(params), referenceCanonical(params, ['sign']));
        const reversed = Object.fromEntries(Object.entries(params).reverse());
        assert.equal(mapiSigningString(reversed), mapiSigningString(params));
      },
    ),
    { numRuns: 3000 },
  );
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (a, b) => {
      assert.equal(Math.sign(compareByteOrder(a, b)), Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
    }),
    { numRuns: 3000 },
  );
});

test('property: form serialise/parse round trip in utf-8 and gbk; arbitrary input gives typed errors', () => {
  const gbkText = fc.string({
    unit: fc.constantFrom('天', '之', '蓝', 'a', ' ', '+', '%', '&', '=', '~', '*', '中', '?', '/'),
    minLength: 1,
  });
  fc.assert(
    fc.property(
      fc.dictionary(fc.stringMatching(/^[a-z_]{1,8}$/), gbkText),
      fc.constantFrom('utf-8', 'gbk'),
      (params, cs) => {
        const body = formSerialize(params, cs);
        assert.match(body, /^[A-Za-z0-9.\-*_%+=&]*$/);
        assert.deepEqual(formParse(body, cs), { ...params });
      },
    ),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(fc.string(), fc.constantFrom('utf-8', 'gbk'), (raw, cs) => {
      try {
        formParse(raw, cs);
      } catch (e) {
        assert.ok(e instanceof AlipayError, String(e));
      }
    }),
    { numRuns: 2000 },
  );
});

test('request builders enforce the record limits (30 / 50 / 15) and the field limits', () => {
  const nos = (n: number) => Array.from({ length: n }, (_, i) => `T${i + 1}`);
  assert.doesNotThrow(() => buildConfirmByPlatform({ outerTaskId: 't', transferNos: nos(30) }));
  assert.throws(() => buildConfirmByPlatform({ outerTaskId: 't', transferNos: nos(31) }), FieldError);
  assert.doesNotThrow(() => buildCancelConfirmByPlatform({ outerTaskId: 't', transferNos: nos(50) }));
  assert.throws(() => buildCancelConfirmByPlatform({ outerTaskId: 't', transferNos: nos(51) }), FieldError);
  assert.throws(() => buildConfirmByPlatform({ outerTaskId: 't', transferNos: ['T1', 'T1'] }), FieldError);
  assert.throws(() => buildConfirmByPlatform({ outerTaskId: 't', transferNos: [] }), FieldError);
  const rec = (i: number) => ({
    outerTransferNo: `T${i}`,
    amountFen: 100,
    alipayUserId: '2088102116203708',
    nickname: `n${i}`,
  });
  const left = (n: number) =>
    buildLeftAmountHandle({
      outerTaskId: 't',
      outerAccountId: 'admin',
      transfers: Array.from({ length: n }, (_, i) => rec(i)),
      notifyUrl: 'http://n',
      returnUrl: 'http://r',
    });
  assert.doesNotThrow(() => left(15));
  assert.throws(() => left(16), FieldError);
  assert.throws(
    () =>
      buildTaskConfirm({
        outerTaskId: 't',
        outerAccountId: 'p',
        alipayUserId: '2088102116203708',
        transfers: Array.from({ length: 16 }, (_, i) => rec(i)),
        returnUrl: 'http://r',
        notifyUrl: 'http://n',
      }),
    FieldError,
  );
  const create = {
    outerTaskId: 't',
    outerTaskFreezeNo: 'tFZ',
    taskAmountFen: 100,
    returnUrl: 'http://r',
    notifyUrl: 'http://n',
    taskType: 'SJ',
    taskTitle: '标题',
    taskExpiredTime: Date.UTC(2030, 0, 1),
    outerAccountId: 'p',
  };
  assert.doesNotThrow(() => buildTaskCreate(create));
  assert.throws(() => buildTaskCreate({ ...create, outerTaskFreezeNo: 'x'.repeat(31) }), FieldError);
  assert.throws(() => buildTaskCreate({ ...create, outerTaskId: 'x'.repeat(51) }), FieldError);
  assert.doesNotThrow(() => buildTaskCreate({ ...create, taskTitle: '长'.repeat(250) }));
  assert.throws(() => buildTaskCreate({ ...create, taskTitle: '长'.repeat(251) }), FieldError);
  assert.throws(
    () => buildTaskCreate({ ...create, additionalProfitAmountFen: 100 }),
    FieldError,
    'fee without its transfer number',
  );
  assert.throws(() => buildTaskCreate({ ...create, taskAmountFen: 0 }), FieldError);
  assert.throws(() => buildTaskCreate({ ...create, returnUrl: 'javascript:alert(1)' }), FieldError);
  assert.throws(() => buildTaskCreate({ ...create, taskTitle: 'a\nb' }), FieldError);
  // left.amount.handle: refund/platform details fit String(50) and need an account.
  assert.throws(
    () =>
      readLeftAmountHandle({
        outer_task_id: 't',
        refund_detail: 'R1~*@^1.00',
        notify_url: 'http://n',
        return_url: 'http://r',
      }),
    FieldError,
  );
  assert.throws(
    () =>
      buildLeftAmountHandle({ outerTaskId: 't', outerAccountId: 'a', notifyUrl: 'http://n', returnUrl: 'http://r' }),
    FieldError,
  );
  const l = buildLeftAmountHandle({
    outerTaskId: 't',
    alipayUserId: '2088102113960482',
    refund: { serialNo: 'x'.repeat(30), amountFen: MAX_FEN },
    notifyUrl: 'http://n',
    returnUrl: 'http://r',
  });
  assert.ok(l.params.refund_detail!.length <= 50);
});
