// application/x-www-form-urlencoded in a given charset, as the gateway (a Java servlet) does it:
// java.net.URLEncoder semantics — [A-Za-z0-9.-*_] kept, space -> '+', every other byte -> %XX (upper case) of the
// value's bytes in the request charset. Decoding happens exactly once (raw values are never decoded twice).

import { InboundRejectedError } from './core/errors';
import { decodeText, encodeText, normalizeCharset, type Charset } from './charset';

export type FormPairs = ReadonlyArray<readonly [string, string]>;

const HEX = '0123456789ABCDEF';

function isUnreserved(b: number): boolean {
  return (
    (b >= 0x30 && b <= 0x39) ||
    (b >= 0x41 && b <= 0x5a) ||
    (b >= 0x61 && b <= 0x7a) ||
    b === 0x2e ||
    b === 0x2d ||
    b === 0x2a ||
    b === 0x5f
  );
}

/** URL-encode one key or value in the charset. */
export function formEncode(text: string, charset: Charset): string {
  let out = '';
  for (const b of encodeText(text, charset)) {
    if (isUnreserved(b)) out += String.fromCharCode(b);
    else if (b === 0x20) out += '+';
    else out += `%${HEX[b >> 4]}${HEX[b & 15]}`;
  }
  return out;
}

/**
 * Serialise parameters. Absent (undefined) and empty values are not sent. Keys appear in `order` first (when
 * given), then in insertion order.
 */
export function formSerialize(
  params: Readonly<Record<string, string | undefined>>,
  charset: string,
  order?: readonly string[],
): string {
  const cs = normalizeCharset(charset);
  const keys = [
    ...(order ?? []).filter((k) => k in params),
    ...Object.keys(params).filter((k) => !(order ?? []).includes(k)),
  ];
  return keys
    .filter((k) => params[k] !== undefined && params[k] !== '')
    .map((k) => `${formEncode(k, cs)}=${formEncode(params[k]!, cs)}`)
    .join('&');
}

function percentDecode(component: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < component.length; i++) {
    const c = component.charCodeAt(i);
    if (c === 0x2b) bytes.push(0x20);
    else if (c === 0x25) {
      const hex = component.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex))
        throw new InboundRejectedError('ILLEGAL_ARGUMENT', 'malformed percent-encoding');
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (c < 0x80) bytes.push(c);
    else throw new InboundRejectedError('ILLEGAL_ARGUMENT', 'raw non-ASCII byte in a URL-encoded form');
  }
  return Buffer.from(bytes);
}

function asAscii(raw: string | Uint8Array): string {
  if (typeof raw === 'string') return raw;
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  for (const b of buf)
    if (b >= 0x80) throw new InboundRejectedError('ILLEGAL_ARGUMENT', 'raw non-ASCII byte in a URL-encoded form');
  return buf.toString('latin1');
}

/** Split a query string / form body into raw (still encoded) pairs. A leading '?' is ignored. */
function rawPairs(raw: string | Uint8Array): Array<[string, string]> {
  let text = asAscii(raw);
  if (text.startsWith('?')) text = text.slice(1);
  if (text.length === 0) return [];
  return text.split('&').map((part) => {
    const eq = part.indexOf('=');
    return eq < 0 ? [part, ''] : [part.slice(0, eq), part.slice(eq + 1)];
  });
}

/**
 * Parse a URL-encoded form in a charset into a record. Strict: malformed escapes, bytes invalid in the charset,
 * empty keys and duplicate keys are rejected.
 */
export function formParse(raw: string | Uint8Array, charset: string): Record<string, string> {
  const cs = normalizeCharset(charset);
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of rawPairs(raw)) {
    if (k.length === 0) {
      if (v.length === 0) continue; // tolerate "a=1&&b=2" and a trailing '&'
      throw new InboundRejectedError('ILLEGAL_ARGUMENT', 'empty parameter name');
    }
    let key: string;
    let value: string;
    try {
      key = decodeText(percentDecode(k), cs);
      value = decodeText(percentDecode(v), cs);
    } catch (e) {
      if (e instanceof InboundRejectedError) throw e;
      throw new InboundRejectedError('ILLEGAL_CHARSET', `form is not valid ${cs}`);
    }
    if (Object.prototype.hasOwnProperty.call(out, key))
      throw new InboundRejectedError('ILLEGAL_ARGUMENT', `duplicate parameter ${key.slice(0, 40)}`);
    out[key] = value;
  }
  return { ...out };
}

/**
 * Find the declared `_input_charset` of a raw form without decoding the other values (the charset name is
 * ASCII); `fallback` when absent.
 */
export function declaredCharset(
  raw: string | Uint8Array,
  fallback: Charset = 'utf-8',
  parameter = '_input_charset',
): Charset {
  for (const [k, v] of rawPairs(raw)) {
    if (k === parameter) {
      try {
        return normalizeCharset(percentDecode(v).toString('latin1'));
      } catch {
        throw new InboundRejectedError('ILLEGAL_CHARSET', 'unsupported _input_charset');
      }
    }
  }
  return fallback;
}
