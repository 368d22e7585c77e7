// Request charsets of the legacy gateway: utf-8, gbk, gb2312 (the `_input_charset` parameter). The bytes that are
// signed, URL-encoded and sent are the text encoded in that charset (iconv-lite), never UTF-8 by accident.

import * as iconv from 'iconv-lite';
import { FieldError } from './core/errors';

export type Charset = 'utf-8' | 'gbk' | 'gb2312';

const KNOWN: Readonly<Record<string, Charset>> = { 'utf-8': 'utf-8', utf8: 'utf-8', gbk: 'gbk', gb2312: 'gb2312' };

/** Normalise a charset name as sent on the wire ("UTF-8", "utf-8", "GBK", ...). */
export function normalizeCharset(name: string): Charset {
  const c = typeof name === 'string' ? KNOWN[name.trim().toLowerCase()] : undefined;
  if (!c) throw new FieldError('_input_charset', 'must be utf-8, gbk or gb2312');
  return c;
}

/** Text -> bytes in the charset. Characters the charset cannot represent are an error (never silently '?'). */
export function encodeText(text: string, charset: Charset): Buffer {
  if (charset === 'utf-8') return Buffer.from(text, 'utf8');
  const bytes = iconv.encode(text, charset);
  if (iconv.decode(bytes, charset) !== text)
    throw new FieldError('_input_charset', `text has characters that ${charset} cannot represent`);
  return bytes;
}

/** Bytes -> text in the charset. Invalid sequences are an error (never U+FFFD). */
export function decodeText(bytes: Uint8Array, charset: Charset): string {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = charset === 'utf-8' ? buf.toString('utf8') : iconv.decode(buf, charset);
  if (!encodeText(text, charset).equals(buf)) throw new FieldError('charset', `bytes are not valid ${charset}`);
  return text;
}
