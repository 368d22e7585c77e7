/**
 * Parsing of command-line values: amounts in yuan (exactly, to integer fen, by the protocol library's parseYuan),
 * times (ISO dates or relative "+30d"), winner records "2088...:nickname:amount". A bad value is a UsageError that
 * names the flag; main prints it as one line with a hint.
 */
import { MoneyError } from '../alipay/core/errors';
import { parseYuan } from '../alipay/core/money';
import type { WinnerInput } from '../workflows/task/ledger';

export class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export type Values = Record<string, string | boolean | string[] | undefined>;

export function str(values: Values, name: string): string | undefined {
  const v = values[name];
  if (v === undefined || typeof v === 'boolean') return undefined;
  return Array.isArray(v) ? v[v.length - 1] : v;
}

export function required(values: Values, name: string, example: string): string {
  const v = str(values, name);
  if (v === undefined || v === '') throw new UsageError(`--${name} is required`, `e.g. --${name} ${example}`);
  return v;
}

export function list(values: Values, name: string): string[] {
  const v = values[name];
  if (v === undefined || typeof v === 'boolean') return [];
  return Array.isArray(v) ? v : [v];
}

/** "100", "100.5", "100.50" (yuan, at most 2 decimals) -> integer fen. */
export function yuanToFen(flag: string, raw: string): number {
  try {
    return parseYuan(raw.trim());
  } catch (err) {
    const why = err instanceof MoneyError ? err.message : 'not an amount';
    throw new UsageError(`${flag}=${JSON.stringify(raw)} is not an amount in yuan (${why})`, 'amounts are yuan with at most 2 decimals, e.g. 100 or 100.50');
  }
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** An ISO date/time ("2030-01-31", "2030-01-31T18:00:00+08:00") or a time relative to now ("+30d", "+2h", "+90s"). */
export function parseTime(flag: string, raw: string, nowMs = Date.now()): number {
  const rel = /^\+(\d{1,9})(s|m|h|d|w)$/.exec(raw.trim());
  if (rel) return nowMs + Number(rel[1]) * UNITS[rel[2]];
  if (/^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(raw.trim())) {
    const ms = Date.parse(raw.trim());
    if (Number.isFinite(ms)) return ms;
  }
  throw new UsageError(`${flag}=${JSON.stringify(raw)} is not a time`, 'give an ISO date/time (2030-01-31, 2030-01-31T18:00:00+08:00) or a time from now (+30d, +2h, +15m, +90s)');
}

/** "2088xxxxxxxxxxxx:nickname:amount" (the nickname may contain ':'). */
export function parseWinner(flag: string, raw: string): WinnerInput {
  const first = raw.indexOf(':');
  const last = raw.lastIndexOf(':');
  const hint = 'a winner is ALIPAY_ID:NICKNAME:AMOUNT, e.g. --winner 2088102000000021:Tom:300.00';
  if (first < 0 || last === first) throw new UsageError(`${flag}=${JSON.stringify(raw)} is not ALIPAY_ID:NICKNAME:AMOUNT`, hint);
  const alipayUserId = raw.slice(0, first);
  const nickname = raw.slice(first + 1, last);
  if (!/^2088\d{12}$/.test(alipayUserId)) throw new UsageError(`${flag}: ${JSON.stringify(alipayUserId)} is not an Alipay user id (2088 followed by 12 digits)`, hint);
  if (nickname === '') throw new UsageError(`${flag}: the nickname is empty`, hint);
  return { alipayUserId, nickname, amountFen: yuanToFen(flag, raw.slice(last + 1)) };
}

export function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return 100;
  if (!/^\d{1,5}$/.test(raw) || Number(raw) < 1) throw new UsageError(`--limit=${JSON.stringify(raw)} must be a positive integer`);
  return Number(raw);
}
