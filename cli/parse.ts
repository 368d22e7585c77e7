/**
 * The CLI's value parsers, one per kind, for flags and environment variables alike: durations, booleans, ports,
 * host:port addresses, names, basis points and times. `name` is what the person wrote the value under: a bad flag
 * ("--port") is a UsageError, a bad variable (WITKEY_HTTP_PORT) or profile key a ConfigError; either way one line
 * naming it and saying what is expected.
 * Surrounding white space is ignored; an empty or missing value is "not given" (undefined), so that the caller's
 * default applies.
 */
import { badValue } from './input-errors';

const given = (raw: string | undefined): string | undefined => {
  const text = raw?.trim();
  return text === undefined || text === '' ? undefined : text;
};

const quoted = (name: string, raw: string): string => `${name}=${JSON.stringify(raw)}`;

const DURATION_UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const;
type DurationUnit = keyof typeof DURATION_UNITS;

/** A longer one is a typo (and would overflow a date). */
const MAX_DURATION_MS = 100 * 365 * 86_400_000;

const DURATION = /^(\d+)(ms|s|m|h|d|w)?$/;

export interface DurationOptions {
  /** A bare number is milliseconds (environment variables); otherwise a unit is required. */
  bareMilliseconds?: boolean;
}

/** "90s", "15m", "2h", "1d", "1w", "500ms" (or, with bareMilliseconds, "90000"): more than 0, at most 100 years. */
export function parseDuration(name: string, raw: string | undefined, opts: DurationOptions = {}): number | undefined {
  const text = given(raw);
  if (text === undefined) return undefined;
  const hint = `a duration is a number and a unit: 90s, 15m, 2h, 1d, 1w${opts.bareMilliseconds ? ', or milliseconds' : ''}`;
  if (text.startsWith('-')) throw badValue(name, `${quoted(name, raw!)} is negative`, hint);
  const m = DURATION.exec(text);
  if (!m || (m[2] === undefined && !opts.bareMilliseconds))
    throw badValue(name, `${quoted(name, raw!)} is not a duration`, hint);
  const ms = Number(m[1]) * DURATION_UNITS[(m[2] ?? 'ms') as DurationUnit];
  if (ms === 0) throw badValue(name, `${quoted(name, raw!)} must be more than 0`, hint);
  if (!(ms <= MAX_DURATION_MS)) throw badValue(name, `${quoted(name, raw!)} is too long (at most 100 years)`, hint);
  return ms;
}

/** true / false, also 1 / 0 and yes / no, in any case. */
export function parseBoolean(name: string, raw: string | undefined): boolean | undefined {
  const text = given(raw)?.toLowerCase();
  if (text === undefined) return undefined;
  if (text === 'true' || text === '1' || text === 'yes') return true;
  if (text === 'false' || text === '0' || text === 'no') return false;
  throw badValue(name, `${quoted(name, raw!)} must be true or false (or 1 / 0, yes / no)`);
}

export interface PortOptions {
  /** 0 is allowed and means "any free port" (servers started for a test or a demo). */
  anyFree?: boolean;
}

/** A TCP port, 1-65535 (0-65535 with anyFree). */
export function parsePort(name: string, raw: string | undefined, opts: PortOptions = {}): number | undefined {
  const text = given(raw);
  if (text === undefined) return undefined;
  const range = opts.anyFree ? '0-65535, 0 = any free port' : '1-65535';
  if (!/^\d{1,5}$/.test(text)) throw badValue(name, `${quoted(name, raw!)} is not a port number (${range})`);
  const port = Number(text);
  if (port > 65535 || (port === 0 && !opts.anyFree)) throw badValue(name, `${name}=${text} is out of range (${range})`);
  return port;
}

/** host:port, e.g. localhost:7233 or [::1]:7233. */
export function parseHostPort(name: string, raw: string | undefined): string | undefined {
  const text = given(raw);
  if (text === undefined) return undefined;
  if (!/^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/.test(text))
    throw badValue(name, `${quoted(name, raw!)} must be host:port, e.g. localhost:7233`);
  return text;
}

/** A name of Temporal's (namespace, task queue): letters, digits, '.', '_' and '-', at most 200. */
export function parseName(name: string, raw: string | undefined): string | undefined {
  const text = given(raw);
  if (text === undefined) return undefined;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/.test(text))
    throw badValue(name, `${quoted(name, raw!)} may contain only letters, digits, '.', '_' and '-'`);
  return text;
}

/** Basis points, an integer 0..10000 (fee rates: 1000 = 10%). */
export function parseBasisPoints(name: string, raw: string | undefined): number | undefined {
  const text = given(raw);
  if (text === undefined) return undefined;
  if (!/^\d{1,5}$/.test(text) || Number(text) > 10_000)
    throw badValue(name, `${quoted(name, raw!)} must be basis points, an integer 0..10000 (1000 = 10%)`);
  return Number(text);
}

/** China time (UTC+8, no daylight saving): the protocol's time zone, and the CLI's for times without an offset. */
const CHINA_OFFSET_MS = 8 * 3_600_000;

const TIME_HINT =
  'give a date (2030-01-31: the end of that day, China time), a date and time (2030-01-31T18:00, China time unless it ends in Z or an offset like +08:00), or a time from now (+30d, +2h, +15m, +90s, +1w)';

/** A time from now: a duration with an optional "+". */
const FROM_NOW = /^\+?(\d+(?:ms|s|m|h|d|w))$/;

/** A time given from now (+30d, 2h): parseTime resolves it to a different time on every run. */
export function isFromNow(raw: string): boolean {
  return FROM_NOW.test(raw.trim());
}

export interface TimeOptions {
  /** What a bare date (2030-01-31) means: the end of that day (deadlines; default) or its start, China time. */
  bareDate?: 'end-of-day' | 'start-of-day';
  nowMs?: number;
}

/**
 * Times of the command line:
 * - a time from now: "+30d", "30d", "+2h", "+15m", "+90s", "+1w" (a duration after now; a negative one is refused);
 * - a date and time without an offset, "2030-01-31T18:00[:00[.000]]" (or with a space): China time (UTC+8), as in
 *   the protocol, whatever the machine's time zone;
 * - the same with "Z" or an offset ("+08:00", "-0500"): taken as given;
 * - a bare date "2030-01-31": the end (23:59:59) of that day in China time, or its start (00:00:00) with
 *   bareDate 'start-of-day'.
 */
export function parseTime(flag: string, raw: string, opts: TimeOptions = {}): number {
  const text = raw.trim();
  const nowMs = opts.nowMs ?? Date.now();
  const fromNow = FROM_NOW.exec(text)?.[1];
  if (fromNow !== undefined) return nowMs + parseDuration(flag, fromNow)!;
  if (/^-\d+(ms|s|m|h|d|w)$/.test(text))
    throw badValue(
      flag,
      `${flag}: ${text} is in the past; a time from now is positive (e.g. +${text.slice(1)})`,
      TIME_HINT,
    );
  const bad = (): never => {
    throw badValue(flag, `${quoted(flag, raw)} is not a time`, TIME_HINT);
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
  const fromNow = FROM_NOW.exec(raw.trim())?.[1];
  if (fromNow === undefined) return String(Math.ceil(parseTime(flag, raw) / 1000) * 1000);
  const [, n, unit] = /^(\d+)(\D+)$/.exec(fromNow)!;
  return `+${Number(n)}${unit}`;
}

/** A whole number of things between `min` and `max` (processes, tasks). */
export function parseCount(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  const text = given(raw);
  if (text === undefined) return undefined;
  if (!/^\d{1,6}$/.test(text) || Number(text) < min || Number(text) > max)
    throw badValue(name, `${quoted(name, raw!)} must be a whole number from ${min} to ${max}`);
  return Number(text);
}
