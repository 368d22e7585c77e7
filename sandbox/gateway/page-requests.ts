// Completing page interfaces programmatically: what a test (or the control API) does with the signed URL or form a
// workflow hands to the user's browser. Accepted forms of a request:
//   - the signed URL (https://.../gateway.do?service=...&sign=...), as for GET page interfaces;
//   - the raw query string or form body (service=...&sign=...);
//   - the form fields as an object ({ service, partner, ..., sign, sign_type });
//   - the auto-submitting HTML form (the hidden inputs are read).
// The completion verifies the request exactly as the gateway does, then pays / confirms, and returns the signed
// return callback; with followReturn the sandbox also delivers it to the site like a browser would.

import { normalizeCharset } from '../../alipay/charset';
import { formSerialize } from '../../alipay/form';
import { postBody } from '../runtime/http-post';
import { GatewayRefusal } from '../services/refusal';
import type { PageCompletion } from './outcomes';

export type PageRequest = string | Readonly<Record<string, string>>;

function unescapeHtml(s: string): string {
  return s.replace(
    /&(amp|lt|gt|quot|#39|apos);/g,
    (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", apos: "'" })[e] ?? '',
  );
}

function fieldsFromHtml(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /<input\b[^>]*>/gi;
  for (const m of html.match(re) ?? []) {
    const name = /\bname="([^"]*)"/i.exec(m)?.[1];
    const value = /\bvalue="([^"]*)"/i.exec(m)?.[1];
    if (name !== undefined && value !== undefined) out[unescapeHtml(name)] = unescapeHtml(value);
  }
  return out;
}

function fromFields(fields: Readonly<Record<string, string>>): string {
  let charset;
  try {
    charset = normalizeCharset(fields._input_charset ?? 'utf-8');
  } catch {
    throw new GatewayRefusal('ILLEGAL_CHARSET', 'unsupported _input_charset');
  }
  return formSerialize(fields, charset);
}

/** The raw (URL-encoded) request of any accepted form. */
export function rawRequestOf(request: PageRequest): string {
  if (typeof request !== 'string') return fromFields(request);
  const text = request.trim();
  if (text.startsWith('<')) return fromFields(fieldsFromHtml(text));
  const q = text.indexOf('?');
  const raw = q >= 0 ? text.slice(q + 1) : text;
  const hash = raw.indexOf('#');
  return hash >= 0 ? raw.slice(0, hash) : raw;
}

export interface FollowedReturn {
  status?: number;
  body?: string;
  error?: string;
}

/** Deliver the return callback to the site as the browser would (GET the redirect, or POST the form). */
export async function followReturn(c: PageCompletion, timeoutMs = 15_000): Promise<FollowedReturn> {
  if (c.returnMethod === 'POST') {
    const body = Buffer.from(formSerialize(c.returnFields, c.charset), 'latin1');
    return postBody(c.returnUrl, body, `application/x-www-form-urlencoded; charset=${c.charset}`, timeoutMs);
  }
  try {
    const res = await fetch(c.returnUrl, { redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.status, body: await res.text() };
  } catch (err) {
    return { error: (err as Error).message };
  }
}
