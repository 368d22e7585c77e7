/**
 * The command line's own values: reading flags, amounts in yuan (exactly, to integer fen, by the protocol
 * library's parseYuan), winner records "2088...:nickname:amount", counts and limits, and the argv normalisation
 * that lets negative values reach the parsers. Durations, booleans, ports and times are parsed in cli/parse.ts.
 * A bad value is a UsageError that names the flag; main prints it as one line with a hint.
 */
import { MoneyError } from '../alipay/core/errors';
import { parseYuan } from '../alipay/core/money';
import type { WinnerInput } from '../workflows/task/ledger';
import { UsageError } from './input-errors';

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

/**
 * Amounts in yuan ("100", "100.5", "100.50", at most 2 decimals) -> integer fen. `positive`: 0 is refused too (a
 * bounty, a winner's amount); otherwise 0 is allowed (fees, shares). A negative amount names the flag and the value.
 */
export function yuanToFen(flag: string, raw: string, opts: { positive?: boolean } = {}): number {
  const text = raw.trim();
  const must = opts.positive ? 'must be a positive amount in yuan' : 'must be an amount in yuan of 0 or more';
  if (/^-\s*[\d.]/.test(text)) throw new UsageError(`${flag}: ${must}, got ${text}`, AMOUNT_HINT);
  let fen: number;
  try {
    fen = parseYuan(text);
  } catch (err) {
    const why = err instanceof MoneyError ? err.message : 'not an amount';
    throw new UsageError(`${flag}=${JSON.stringify(raw)} is not an amount in yuan (${why})`, AMOUNT_HINT);
  }
  if (opts.positive && fen === 0) throw new UsageError(`${flag}: ${must}, got ${text}`, AMOUNT_HINT);
  return fen;
}

const AMOUNT_HINT = 'amounts are yuan with at most 2 decimals, e.g. 100 or 100.50';

/**
 * node's parseArgs reads "--bounty -5" as two options and calls the value "ambiguous": join such a value, a
 * negative number ("-5", "-.5", "-1d"), to a flag that takes a value ("--bounty=-5"), so that the flag's own
 * parser gives the real reason. Everything after "--" is left alone.
 */
export function normalizeArgv(
  args: readonly string[],
  options: Readonly<Record<string, { type: 'string' | 'boolean' }>>,
): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      out.push(...args.slice(i));
      break;
    }
    const flag = /^--([^=]+)$/.exec(a)?.[1];
    const next = args[i + 1];
    if (
      flag !== undefined &&
      Object.prototype.hasOwnProperty.call(options, flag) &&
      options[flag].type === 'string' &&
      next !== undefined &&
      /^-\.?\d/.test(next)
    ) {
      out.push(`${a}=${next}`);
      i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

/** "2088xxxxxxxxxxxx:nickname:amount" (the nickname may contain ':'). */
export function parseWinner(flag: string, raw: string): WinnerInput {
  const first = raw.indexOf(':');
  const last = raw.lastIndexOf(':');
  const hint = 'a winner is ALIPAY_ID:NICKNAME:AMOUNT, e.g. --winner 2088102000000021:Tom:300.00';
  if (first < 0 || last === first)
    throw new UsageError(`${flag}=${JSON.stringify(raw)} is not ALIPAY_ID:NICKNAME:AMOUNT`, hint);
  const alipayUserId = raw.slice(0, first);
  const nickname = raw.slice(first + 1, last);
  if (!/^2088\d{12}$/.test(alipayUserId))
    throw new UsageError(
      `${flag}: ${JSON.stringify(alipayUserId)} is not an Alipay user id (2088 followed by 12 digits)`,
      hint,
    );
  if (nickname === '') throw new UsageError(`${flag}: the nickname is empty`, hint);
  return { alipayUserId, nickname, amountFen: yuanToFen(flag, raw.slice(last + 1), { positive: true }) };
}

/** A positive whole number (a round, a count): "1", "2", ... */
export function parseCount(flag: string, raw: string, what: string): number {
  const text = raw.trim();
  if (!/^\d{1,6}$/.test(text) || Number(text) < 1)
    throw new UsageError(
      `${flag}: must be ${what}, got ${text === '' ? 'nothing' : text}`,
      '"witkey status <task>" lists the rounds and leftover plans with their numbers',
    );
  return Number(text);
}

export function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return 100;
  if (!/^\d{1,5}$/.test(raw) || Number(raw) < 1)
    throw new UsageError(`--limit=${JSON.stringify(raw)} must be a positive integer`);
  return Number(raw);
}
