// Field checks shared by the request builders and the detail codec. Pure.
//
// Decision (one place): the documents' String(N) is counted in characters (Unicode code points), not bytes.

import { FieldError } from './errors';

/** C0 controls, DEL and C1 controls. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export const PARTNER_ID_PATTERN = /^2088[0-9]{12}$/;

export function fieldLength(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}

export function hasControlCharacters(value: string): boolean {
  return CONTROL.test(value);
}

export interface StringRule {
  /** String(N) of the seed table. */
  readonly max: number;
  readonly pattern?: RegExp;
  readonly patternText?: string;
}

/** Check a required string field; returns it unchanged. */
export function requireString(field: string, value: unknown, rule: StringRule): string {
  if (typeof value !== 'string' || value.length === 0) throw new FieldError(field, 'is required');
  return checkString(field, value, rule);
}

/** Check an optional string field: undefined and '' mean absent (returns undefined). */
export function optionalString(field: string, value: unknown, rule: StringRule): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new FieldError(field, 'must be a string');
  return checkString(field, value, rule);
}

function checkString(field: string, value: string, rule: StringRule): string {
  if (hasControlCharacters(value)) throw new FieldError(field, 'contains control characters');
  if (fieldLength(value) > rule.max) throw new FieldError(field, `longer than String(${rule.max})`);
  if (rule.pattern && !rule.pattern.test(value))
    throw new FieldError(field, `must match ${rule.patternText ?? String(rule.pattern)}`);
  return value;
}

/** A 2088-prefixed 16-digit Alipay user number (partner or alipay_user_id). */
export function requireAlipayUserId(field: string, value: unknown): string {
  return requireString(field, value, {
    max: 16,
    pattern: PARTNER_ID_PATTERN,
    patternText: '2088 followed by 12 digits',
  });
}
