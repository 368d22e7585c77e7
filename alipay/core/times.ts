// Gateway times, always China time (UTC+8, no daylight saving), in both directions. Pure; strict.
//   compact:  yyyyMMddHHmmss        (task_expired_time, announce_period, paid_time; 24-hour clock)
//   notify:   yyyy-MM-dd HH:mm:ss   (notify_time, OpenAPI timestamp)
// Instants are epoch milliseconds (numbers, JSON-friendly). Formatting truncates to the whole second.

import { TimeFormatError } from './errors';

export const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000;

const COMPACT = /^([0-9]{4})([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})$/;
const NOTIFY = /^([0-9]{4})-([0-9]{2})-([0-9]{2}) ([0-9]{2}):([0-9]{2}):([0-9]{2})$/;

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function toEpochMs(value: number | Date): number {
  const ms = typeof value === 'number' ? value : value.getTime();
  if (!Number.isFinite(ms)) throw new TimeFormatError('not a valid instant');
  return ms;
}

interface Fields {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
}

function chinaFields(value: number | Date): Fields {
  const ms = toEpochMs(value);
  const local = new Date(ms - (((ms % 1000) + 1000) % 1000) + CHINA_OFFSET_MS);
  const y = local.getUTCFullYear();
  if (y < 1000 || y > 9999) throw new TimeFormatError('year outside 1000..9999');
  return {
    y,
    mo: local.getUTCMonth() + 1,
    d: local.getUTCDate(),
    h: local.getUTCHours(),
    mi: local.getUTCMinutes(),
    s: local.getUTCSeconds(),
  };
}

function fromFields(m: RegExpExecArray, text: string): number {
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (y < 1000) throw new TimeFormatError(`year out of range in "${text}"`);
  if (mo < 1 || mo > 12) throw new TimeFormatError(`month out of range in "${text}"`);
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (d < 1 || d > daysInMonth) throw new TimeFormatError(`day out of range in "${text}"`);
  if (h > 23 || mi > 59 || s > 59) throw new TimeFormatError(`time of day out of range in "${text}"`);
  return Date.UTC(y, mo - 1, d, h, mi, s) - CHINA_OFFSET_MS;
}

/** Instant -> "yyyyMMddHHmmss" in China time. */
export function formatCompactTime(value: number | Date): string {
  const f = chinaFields(value);
  return `${pad(f.y, 4)}${pad(f.mo, 2)}${pad(f.d, 2)}${pad(f.h, 2)}${pad(f.mi, 2)}${pad(f.s, 2)}`;
}

/** "yyyyMMddHHmmss" (China time) -> epoch ms. Rejects anything else, including impossible dates. */
export function parseCompactTime(text: unknown): number {
  if (typeof text !== 'string') throw new TimeFormatError('time must be a string');
  const m = COMPACT.exec(text);
  if (!m) throw new TimeFormatError(`expected yyyyMMddHHmmss, got "${text.slice(0, 32)}"`);
  return fromFields(m, text);
}

/** Instant -> "yyyy-MM-dd HH:mm:ss" in China time. */
export function formatNotifyTime(value: number | Date): string {
  const f = chinaFields(value);
  return `${pad(f.y, 4)}-${pad(f.mo, 2)}-${pad(f.d, 2)} ${pad(f.h, 2)}:${pad(f.mi, 2)}:${pad(f.s, 2)}`;
}

/** "yyyy-MM-dd HH:mm:ss" (China time) -> epoch ms. */
export function parseNotifyTime(text: unknown): number {
  if (typeof text !== 'string') throw new TimeFormatError('time must be a string');
  const m = NOTIFY.exec(text);
  if (!m) throw new TimeFormatError(`expected yyyy-MM-dd HH:mm:ss, got "${text.slice(0, 32)}"`);
  return fromFields(m, text);
}
