// Fee rules (docs/PROTOCOL.md §6.1), in one module. Pure, integer fen only, rates in basis points from configuration.
//
//   commission  c = round_half_up(gross × commission_bp / 10000)   per winner transfer
//   winner gets gross − c; Alipay's fee f = round_half_up(c × alipay_fee_bp / 10000); platform gets c − f
//   leftover platform share p: Alipay's fee round_half_up(p × alipay_fee_bp / 10000); platform gets p − that
//   value-added fee: whole to the platform (no Alipay fee), refunded with the bounty on cancel(action=refund).

import { assertFen } from './money';
import { MoneyError } from './errors';

export interface FeeRates {
  /** Platform commission on every bounty payment to a winner, in basis points (0..10000). */
  readonly commissionBp: number;
  /** Alipay's fee on the platform's commission and on leftover platform shares, in basis points (0..10000). */
  readonly alipayFeeBp: number;
}

const BP_DENOMINATOR = 10_000;

export function validateFeeRates(rates: FeeRates): FeeRates {
  for (const key of ['commissionBp', 'alipayFeeBp'] as const) {
    const v = rates[key];
    if (!Number.isInteger(v) || v < 0 || v > BP_DENOMINATOR) {
      throw new MoneyError('malformed', 'rate must be an integer number of basis points in 0..10000', key);
    }
  }
  return rates;
}

/** round_half_up(numerator / denominator) for non-negative safe integers, exactly (no floating point). */
export function roundHalfUpDivide(numerator: number, denominator: number): number {
  if (!Number.isSafeInteger(numerator) || numerator < 0)
    throw new MoneyError('malformed', 'numerator must be a non-negative safe integer');
  if (!Number.isSafeInteger(denominator) || denominator <= 0)
    throw new MoneyError('malformed', 'denominator must be a positive safe integer');
  const remainder = numerator % denominator;
  const quotient = (numerator - remainder) / denominator;
  // remainder * 2 >= denominator  <=>  the fractional part is at least one half.
  return remainder >= denominator - remainder ? quotient + 1 : quotient;
}

/** round_half_up(fen × bp / 10000) computed exactly for any safe fen amount. */
export function applyBasisPoints(fen: number, bp: number): number {
  assertFen(fen);
  if (!Number.isInteger(bp) || bp < 0 || bp > BP_DENOMINATOR)
    throw new MoneyError('malformed', 'basis points must be in 0..10000');
  // fen = q·10000 + r  =>  fen·bp/10000 = q·bp + r·bp/10000, with r·bp < 10^8 (no overflow).
  const r = fen % BP_DENOMINATOR;
  const q = (fen - r) / BP_DENOMINATOR;
  const result = q * bp + roundHalfUpDivide(r * bp, BP_DENOMINATOR);
  if (!Number.isSafeInteger(result)) throw new MoneyError('overflow', 'fee is not a safe integer');
  return result;
}

export interface WinnerTransferSplit {
  readonly grossFen: number;
  /** c: the platform's service fee (commission) taken from the gross. */
  readonly commissionFen: number;
  /** gross − c: what the winner receives. */
  readonly winnerFen: number;
  /** f: Alipay's fee on the commission. */
  readonly alipayFeeFen: number;
  /** c − f: what the platform receives. */
  readonly platformFen: number;
}

/** Split one winner transfer of `grossFen` (the amount in transfer_detail). */
export function splitWinnerTransfer(grossFen: number, rates: FeeRates): WinnerTransferSplit {
  validateFeeRates(rates);
  assertFen(grossFen, 'gross');
  const commissionFen = applyBasisPoints(grossFen, rates.commissionBp);
  const alipayFeeFen = applyBasisPoints(commissionFen, rates.alipayFeeBp);
  return {
    grossFen,
    commissionFen,
    winnerFen: grossFen - commissionFen,
    alipayFeeFen,
    platformFen: commissionFen - alipayFeeFen,
  };
}

export interface LeftoverPlatformSplit {
  /** p: the platform share requested in platform_detail. */
  readonly shareFen: number;
  readonly alipayFeeFen: number;
  /** p − fee: what the platform receives. */
  readonly platformFen: number;
}

/** Split a leftover platform share (left.amount.handle `platform_detail`). */
export function splitLeftoverPlatformShare(shareFen: number, rates: FeeRates): LeftoverPlatformSplit {
  validateFeeRates(rates);
  assertFen(shareFen, 'share');
  const alipayFeeFen = applyBasisPoints(shareFen, rates.alipayFeeBp);
  return { shareFen, alipayFeeFen, platformFen: shareFen - alipayFeeFen };
}

/** The value-added fee goes whole to the platform: no commission, no Alipay fee. */
export function valueAddedFeeToPlatform(feeFen: number): number {
  return assertFen(feeFen, 'additional_profit_amount');
}
