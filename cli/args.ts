/**
 * Parsing of command-line values, one parser per kind: amounts in yuan (exactly, to integer fen, by the protocol
 * library's parseYuan), times (China time unless an offset is given; relative "+30d"), winner records
 * "2088...:nickname:amount", limits, and the argv normalisation that lets negative values reach these parsers.
 * A bad value is a UsageError that names the flag; main prints it as one line with a hint.
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

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** China time (UTC+8, no daylight saving): the protocol's time zone, and the CLI's for times without an offset. */
const CHINA_OFFSET_MS = 8 * 3_600_000;

const TIME_HINT =
  'give a date (2030-01-31: the end of that day, China time), a date and time (2030-01-31T18:00, China time unless it ends in Z or an offset like +08:00), or a time from now (+30d, +2h, +15m, +90s, +1w)';

export interface TimeOptions {
  /** What a bare date (2030-01-31) means: the end of that day (deadlines; default) or its start, China time. */
  bareDate?: 'end-of-day' | 'start-of-day';
  nowMs?: number;
}

/**
 * The one time parser of the CLI:
 * - a time from now: "+30d", "30d", "+2h", "+15m", "+90s", "+1w" (relative to now; a negative one is refused);
 * - a date and time without an offset, "2030-01-31T18:00[:00[.000]]" (or with a space): China time (UTC+8), as in
 *   the protocol, whatever the machine's time zone;
 * - the same with "Z" or an offset ("+08:00", "-0500"): taken as given;
 * - a bare date "2030-01-31": the end (23:59:59) of that day in China time, or its start (00:00:00) with
 *   bareDate 'start-of-day'.
 */
export function parseTime(flag: string, raw: string, opts: TimeOptions = {}): number {
  const text = raw.trim();
  const nowMs = opts.nowMs ?? Date.now();
  const rel = /^\+?(\d{1,9})(s|m|h|d|w)$/.exec(text);
  if (rel) return nowMs + Number(rel[1]) * UNITS[rel[2]];
  if (/^-\d{1,9}(s|m|h|d|w)$/.test(text))
    throw new UsageError(
      `${flag}: ${text} is in the past; a time from now is positive (e.g. +${text.slice(1)})`,
      TIME_HINT,
    );
  const bad = (): never => {
    throw new UsageError(`${flag}=${JSON.stringify(raw)} is not a time`, TIME_HINT);
  };
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(
    text,
  );
  if (!m) return bad();
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (
    month < 1 ||
    month > 12 ||
    date.getUTCFullYear() !== year ||
    date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day
  )
    return bad();
  if (m[4] === undefined) {
    const wallMs =
      opts.bareDate === 'start-of-day' ? Date.UTC(year, month - 1, day) : Date.UTC(year, month - 1, day, 23, 59, 59);
    return wallMs - CHINA_OFFSET_MS;
  }
  const [hour, minute, second] = [Number(m[4]), Number(m[5]), Number(m[6] ?? 0)];
  if (hour > 23 || minute > 59 || second > 59) return bad();
  const millis = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0'));
  const wallMs = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  const zone = m[8];
  if (zone === undefined) return wallMs - CHINA_OFFSET_MS;
  if (zone === 'Z') return wallMs;
  const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
  const [zh, zm] = [Number(z[2]), Number(z[3])];
  if (zh > 14 || zm > 59) return bad();
  return wallMs - (z[1] === '-' ? -1 : 1) * (zh * 3_600_000 + zm * 60_000);
}

/** A time argument as a stable key (request ids): a time from now as written ("+7d"), an absolute time as ms. */
export function timeKey(flag: string, raw: string): string {
  const rel = /^\+?(\d{1,9})(s|m|h|d|w)$/.exec(raw.trim());
  return rel ? `+${Number(rel[1])}${rel[2]}` : String(Math.ceil(parseTime(flag, raw) / 1000) * 1000);
}

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
