// Money: integer fen (safe-integer numbers, JSON-friendly for Temporal payloads) <-> the gateway's yuan strings.
// Pure. No floating-point arithmetic on money: only integer +, -, %, and exact division by 100.

import { MoneyError } from './errors';

/** Seed limit of every amount field: String(12). */
export const MAX_YUAN_LENGTH = 12;

/** Largest amount whose canonical yuan string fits String(12): "999999999.99". */
export const MAX_FEN = 99_999_999_999;

const YUAN_PATTERN = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;
const EXPONENT_PATTERN = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)[eE][+-]?[0-9]+$/;
const NAN_PATTERN = /^[+-]?(?:nan|infinity|inf)$/i;

/**
 * Parse a yuan string from the gateway ("100", "100.5", "130.34") into integer fen.
 * Strict: no sign, no whitespace, no leading zeros, no exponent, at most 2 decimals, at most 12 characters.
 */
export function parseYuan(text: unknown, field?: string): number {
  if (typeof text !== 'string') throw new MoneyError('not-a-string', 'amount must be a string', field);
  if (text.length === 0) throw new MoneyError('empty', 'amount is empty', field);
  if (text.startsWith('-') || text.startsWith('\u2212')) throw new MoneyError('negative', 'negative amount', field);
  if (NAN_PATTERN.test(text)) throw new MoneyError('not-a-number', 'amount is not a number', field);
  if (EXPONENT_PATTERN.test(text)) throw new MoneyError('exponent', 'exponent notation is not allowed', field);
  const m = YUAN_PATTERN.exec(text);
  if (!m) throw new MoneyError('malformed', 'amount must be digits with at most 2 decimals', field);
  const whole = m[1];
  const decimals = m[2] ?? '';
  if (decimals.length > 2) throw new MoneyError('too-many-decimals', 'more than 2 decimals', field);
  if (text.length > MAX_YUAN_LENGTH) throw new MoneyError('overflow', `longer than String(${MAX_YUAN_LENGTH})`, field);
  const fen = Number(whole) * 100 + Number(decimals.padEnd(2, '0'));
  if (!Number.isSafeInteger(fen)) throw new MoneyError('overflow', 'amount is too large', field);
  return fen;
}

/** Check that a value is a valid fen amount: a non-negative safe integer. Returns it. */
export function assertFen(fen: unknown, field?: string): number {
  if (typeof fen !== 'number' || Number.isNaN(fen)) throw new MoneyError('not-a-number', 'fen must be a number', field);
  if (!Number.isFinite(fen)) throw new MoneyError('overflow', 'fen must be finite', field);
  if (fen < 0 || Object.is(fen, -0)) throw new MoneyError('negative', 'negative amount', field);
  if (!Number.isInteger(fen)) throw new MoneyError('not-an-integer', 'fen must be an integer', field);
  if (!Number.isSafeInteger(fen)) throw new MoneyError('overflow', 'fen is not a safe integer', field);
  return fen;
}

/**
 * Format integer fen as the gateway's yuan string. Decision (one place): always two decimals ("100.00"),
 * as in the seed's task.create request sample; the result must fit String(12).
 */
export function formatYuan(fen: number, field?: string): string {
  assertFen(fen, field);
  const cents = fen % 100;
  const yuan = (fen - cents) / 100;
  const text = `${yuan}.${cents < 10 ? '0' : ''}${cents}`;
  if (text.length > MAX_YUAN_LENGTH) throw new MoneyError('overflow', `longer than String(${MAX_YUAN_LENGTH})`, field);
  return text;
}

/** Sum of fen amounts, checked to stay a safe integer. */
export function sumFen(amounts: readonly number[], field?: string): number {
  let total = 0;
  for (const a of amounts) {
    total += assertFen(a, field);
    if (!Number.isSafeInteger(total)) throw new MoneyError('overflow', 'sum is not a safe integer', field);
  }
  return total;
}

/** a - b in fen; a negative result is an error (money is never created by subtraction). */
export function subtractFen(a: number, b: number, field?: string): number {
  assertFen(a, field);
  assertFen(b, field);
  if (b > a) throw new MoneyError('negative', 'subtraction would go negative', field);
  return a - b;
}
