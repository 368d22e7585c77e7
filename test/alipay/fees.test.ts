import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  applyBasisPoints,
  roundHalfUpDivide,
  splitLeftoverPlatformShare,
  splitWinnerTransfer,
  validateFeeRates,
} from '../../alipay/core/fees';
import { MoneyError } from '../../alipay/core/errors';
import { MAX_FEN } from '../../alipay/core/money';

// Reference written separately with BigInt: round_half_up(a*b/d) = floor((2ab + d) / 2d).
function refRound(a: bigint, bp: bigint): bigint {
  return (2n * a * bp + 10000n) / 20000n;
}

test('fees: hand-computed examples', () => {
  // 5% commission on 100.00 yuan = 5.00; Alipay 10% of that = 0.50.
  assert.deepEqual(splitWinnerTransfer(10000, { commissionBp: 500, alipayFeeBp: 1000 }), {
    grossFen: 10000,
    commissionFen: 500,
    winnerFen: 9500,
    alipayFeeFen: 50,
    platformFen: 450,
  });
  // 0.5 rounds up: 1 fen at 5000 bp = 0.5 fen -> 1 fen.
  assert.equal(applyBasisPoints(1, 5000), 1);
  // 0.4999 rounds down: 4999 fen × 1 bp = 0.4999 -> 0.
  assert.equal(applyBasisPoints(4999, 1), 0);
  assert.equal(applyBasisPoints(5000, 1), 1);
  assert.equal(applyBasisPoints(15, 3333), 5); // 4.9995 -> 5
  assert.equal(roundHalfUpDivide(5, 2), 3);
  assert.equal(roundHalfUpDivide(4, 3), 1);
  assert.deepEqual(splitLeftoverPlatformShare(3010, { commissionBp: 0, alipayFeeBp: 60 }), {
    shareFen: 3010,
    alipayFeeFen: 18,
    platformFen: 2992,
  });
});

test('fees: invalid rates are refused', () => {
  assert.throws(() => validateFeeRates({ commissionBp: 10001, alipayFeeBp: 0 }), MoneyError);
  assert.throws(() => validateFeeRates({ commissionBp: 1.5, alipayFeeBp: 0 }), MoneyError);
  assert.throws(() => validateFeeRates({ commissionBp: 0, alipayFeeBp: -1 }), MoneyError);
  assert.throws(() => splitWinnerTransfer(-5, { commissionBp: 0, alipayFeeBp: 0 }), MoneyError);
});

test('property: winner split matches the BigInt reference and conserves money', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: MAX_FEN }),
      fc.integer({ min: 0, max: 10000 }),
      fc.integer({ min: 0, max: 10000 }),
      (gross, cBp, fBp) => {
        const s = splitWinnerTransfer(gross, { commissionBp: cBp, alipayFeeBp: fBp });
        const c = refRound(BigInt(gross), BigInt(cBp));
        const f = refRound(c, BigInt(fBp));
        assert.equal(BigInt(s.commissionFen), c);
        assert.equal(BigInt(s.alipayFeeFen), f);
        assert.equal(BigInt(s.winnerFen), BigInt(gross) - c);
        assert.equal(BigInt(s.platformFen), c - f);
        assert.equal(s.winnerFen + s.platformFen + s.alipayFeeFen, gross);
        assert.ok(s.winnerFen >= 0 && s.platformFen >= 0);
      },
    ),
    { numRuns: 3000 },
  );
});

test('property: applyBasisPoints is exact for every safe integer', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 0, max: 10000 }), (fen, bp) => {
      let got: number;
      try {
        got = applyBasisPoints(fen, bp);
      } catch (e) {
        assert.ok(e instanceof MoneyError);
        return;
      }
      assert.equal(BigInt(got), refRound(BigInt(fen), BigInt(bp)));
    }),
    { numRuns: 3000 },
  );
});

test('property: leftover platform share matches the reference', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: MAX_FEN }), fc.integer({ min: 0, max: 10000 }), (p, fBp) => {
      const s = splitLeftoverPlatformShare(p, { commissionBp: 0, alipayFeeBp: fBp });
      assert.equal(BigInt(s.alipayFeeFen), refRound(BigInt(p), BigInt(fBp)));
      assert.equal(s.platformFen + s.alipayFeeFen, p);
    }),
  );
});
