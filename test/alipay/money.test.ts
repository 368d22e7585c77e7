import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MAX_FEN, formatYuan, parseYuan, assertFen, sumFen, subtractFen } from '../../alipay/core/money';
import { MoneyError, type MoneyErrorReason } from '../../alipay/core/errors';

function reason(fn: () => unknown): MoneyErrorReason {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof MoneyError, `expected MoneyError, got ${String(e)}`);
    assert.equal(e.errorClass, 'input');
    return e.reason;
  }
  assert.fail('expected a MoneyError');
}

test('parseYuan: seed amounts', () => {
  assert.equal(parseYuan('100'), 10000);
  assert.equal(parseYuan('100.5'), 10050);
  assert.equal(parseYuan('130.34'), 13034);
  assert.equal(parseYuan('200.22'), 20022);
  assert.equal(parseYuan('0'), 0);
  assert.equal(parseYuan('0.01'), 1);
  assert.equal(parseYuan('999999999.99'), MAX_FEN);
  assert.equal(parseYuan('100.00'), 10000);
});

test('formatYuan: always two decimals (seed task.create sample "100.00")', () => {
  assert.equal(formatYuan(10000), '100.00');
  assert.equal(formatYuan(20200), '202.00');
  assert.equal(formatYuan(1), '0.01');
  assert.equal(formatYuan(10), '0.10');
  assert.equal(formatYuan(0), '0.00');
  assert.equal(formatYuan(MAX_FEN), '999999999.99');
});

test('parseYuan rejects with the specific reason', () => {
  assert.equal(
    reason(() => parseYuan('-1')),
    'negative',
  );
  assert.equal(
    reason(() => parseYuan('-0.01')),
    'negative',
  );
  assert.equal(
    reason(() => parseYuan('NaN')),
    'not-a-number',
  );
  assert.equal(
    reason(() => parseYuan('Infinity')),
    'not-a-number',
  );
  assert.equal(
    reason(() => parseYuan('1e5')),
    'exponent',
  );
  assert.equal(
    reason(() => parseYuan('1.5E2')),
    'exponent',
  );
  assert.equal(
    reason(() => parseYuan('1.001')),
    'too-many-decimals',
  );
  assert.equal(
    reason(() => parseYuan('0.000')),
    'too-many-decimals',
  );
  assert.equal(
    reason(() => parseYuan('9999999999.99')),
    'overflow',
  );
  assert.equal(
    reason(() => parseYuan('1234567890123')),
    'overflow',
  );
  assert.equal(
    reason(() => parseYuan('')),
    'empty',
  );
  assert.equal(
    reason(() => parseYuan(' 1')),
    'malformed',
  );
  assert.equal(
    reason(() => parseYuan('+1')),
    'malformed',
  );
  assert.equal(
    reason(() => parseYuan('01')),
    'malformed',
  );
  assert.equal(
    reason(() => parseYuan('1.')),
    'malformed',
  );
  assert.equal(
    reason(() => parseYuan('.5')),
    'malformed',
  );
  assert.equal(
    reason(() => parseYuan('1,5')),
    'malformed',
  );
  assert.equal(
    reason(() => parseYuan('０')),
    'malformed',
  );
  assert.equal(
    reason(() => parseYuan(100)),
    'not-a-string',
  );
});

test('formatYuan / assertFen reject non-fen numbers', () => {
  assert.equal(
    reason(() => formatYuan(-1)),
    'negative',
  );
  assert.equal(
    reason(() => formatYuan(NaN)),
    'not-a-number',
  );
  assert.equal(
    reason(() => formatYuan(1.5)),
    'not-an-integer',
  );
  assert.equal(
    reason(() => formatYuan(0.1 + 0.2)),
    'not-an-integer',
  );
  assert.equal(
    reason(() => formatYuan(MAX_FEN + 1)),
    'overflow',
  );
  assert.equal(
    reason(() => assertFen(2 ** 53)),
    'overflow',
  );
  assert.equal(
    reason(() => assertFen(Infinity)),
    'overflow',
  );
  assert.equal(
    reason(() => subtractFen(1, 2)),
    'negative',
  );
  assert.equal(
    reason(() => sumFen([Number.MAX_SAFE_INTEGER, 1])),
    'overflow',
  );
  assert.equal(sumFen([1, 2, 3]), 6);
});

test('property: fen -> yuan -> fen round trip, and the string has at most 12 chars and exactly 2 decimals', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: MAX_FEN }), (fen) => {
      const s = formatYuan(fen);
      assert.ok(s.length <= 12);
      assert.match(s, /^(0|[1-9][0-9]*)\.[0-9]{2}$/);
      assert.equal(parseYuan(s), fen);
    }),
    { numRuns: 2000 },
  );
});

test('property: yuan strings with 0..2 decimals parse to the value computed with BigInt', () => {
  fc.assert(
    fc.property(
      fc.bigInt({ min: 0n, max: 999_999_999n }),
      fc.integer({ min: 0, max: 2 }),
      fc.integer({ min: 0, max: 99 }),
      (whole, decimals, cents) => {
        const frac = decimals === 0 ? '' : decimals === 1 ? String(cents % 10) : String(cents).padStart(2, '0');
        const s = frac ? `${whole}.${frac}` : `${whole}`;
        const expected =
          whole * 100n + (decimals === 0 ? 0n : decimals === 1 ? BigInt(cents % 10) * 10n : BigInt(cents));
        assert.equal(BigInt(parseYuan(s)), expected);
      },
    ),
  );
});

test('property: arbitrary strings either parse to a safe fen that formats back to the same value, or throw MoneyError', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.stringMatching(/^-?[0-9]{0,14}(\.[0-9]{0,4})?(e[0-9])?$/)), (s) => {
      try {
        const fen = parseYuan(s);
        assert.ok(Number.isSafeInteger(fen) && fen >= 0);
        assert.equal(parseYuan(formatYuan(fen)), fen);
      } catch (e) {
        assert.ok(e instanceof MoneyError);
      }
    }),
    { numRuns: 3000 },
  );
});
