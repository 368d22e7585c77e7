import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatCompactTime, formatNotifyTime, parseCompactTime, parseNotifyTime } from '../../alipay/core/times';
import { TimeFormatError } from '../../alipay/core/errors';

test('times: China time (UTC+8) both ways', () => {
  // 2011-08-06 17:29:22 in China is 09:29:22 UTC.
  assert.equal(parseCompactTime('20110806172922'), Date.UTC(2011, 7, 6, 9, 29, 22));
  assert.equal(formatCompactTime(Date.UTC(2011, 7, 6, 9, 29, 22)), '20110806172922');
  assert.equal(formatNotifyTime(Date.UTC(2011, 11, 31, 16, 0, 0)), '2012-01-01 00:00:00');
  assert.equal(parseNotifyTime('2012-01-01 00:00:00'), Date.UTC(2011, 11, 31, 16, 0, 0));
  assert.equal(formatCompactTime(new Date(Date.UTC(2020, 1, 29, 0, 0, 0, 999))), '20200229080000');
});

test('times: strict rejection', () => {
  for (const bad of [
    '2011080617292',
    '201108061729222',
    '20111306172922',
    '20110230120000',
    '20110806242922',
    '20110806176022',
    '20110806172960',
    ' 20110806172922',
    '2011-08-06 17:29:22',
    'abcdefghijklmn',
    '20190229000000',
  ]) {
    assert.throws(() => parseCompactTime(bad), TimeFormatError, bad);
  }
  for (const bad of [
    '2011-08-06 17:29',
    '2011-08-06T17:29:22',
    '2011-8-6 17:29:22',
    '2011-08-06 17:29:22Z',
    '20110806172922',
  ]) {
    assert.throws(() => parseNotifyTime(bad), TimeFormatError, bad);
  }
  assert.equal(parseCompactTime('20200229000000'), Date.UTC(2020, 1, 28, 16));
});

test('property: format/parse round trip to the second', () => {
  fc.assert(
    fc.property(fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(2200, 0, 1) }), (ms) => {
      const second = ms - (ms % 1000);
      assert.equal(parseCompactTime(formatCompactTime(ms)), second);
      assert.equal(parseNotifyTime(formatNotifyTime(ms)), second);
    }),
    { numRuns: 2000 },
  );
});

test('property: arbitrary 14-digit strings parse only if they format back identically', () => {
  fc.assert(
    fc.property(fc.stringMatching(/^[0-9]{14}$/), (s) => {
      try {
        const ms = parseCompactTime(s);
        assert.equal(formatCompactTime(ms), s);
      } catch (e) {
        assert.ok(e instanceof TimeFormatError);
      }
    }),
    { numRuns: 3000 },
  );
});
