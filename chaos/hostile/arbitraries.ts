/**
 * Arbitraries of hostile input, the classes issue 14 names: malformed percent-encoding, GBK / UTF-8 mix-ups and
 * charset names nobody supports, oversized bodies (> 64 KiB), separator injection (& = % newline | ^), huge,
 * negative, fractional and exponent numbers, duplicate and missing keys, unicode edge cases.
 */
import fc from 'fast-check';
import iconv from 'iconv-lite';

export const SEPARATORS = ['&', '=', '%', '\n', '\r\n', '\r', '|', '^', '+', '#', '?', ';', ',', ':', '\u0000', '\t'];

export const separator = fc.constantFrom(...SEPARATORS);

/** Lone surrogates, BOM, bidi override, non-characters, full-width digits, C1 controls, line separators, CJK. */
export const unicodeEdge = fc.constantFrom(
  '\uD800',
  '\uDFFF',
  '\uFEFF',
  '\u202E',
  '\uFFFF',
  '\uFFFE',
  '\u{1F600}',
  '\u00A0',
  '\uFF11\uFF12',
  '\u0085',
  '\u2028',
  '中文',
  '锟斤拷',
  'é',
  'e\u0301',
  '\u200B',
);

/** Text with separators and unicode edge cases mixed in, around the usual length limits too. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ unit: 'binary', maxLength: 30 }), weight: 2 },
  {
    arbitrary: fc
      .tuple(fc.string({ maxLength: 8 }), separator, fc.string({ maxLength: 8 }))
      .map(([a, s, b]) => `${a}${s}${b}`),
    weight: 3,
  },
  {
    arbitrary: fc
      .array(fc.oneof(separator, unicodeEdge, fc.string({ maxLength: 3 })), { minLength: 1, maxLength: 8 })
      .map((a) => a.join('')),
    weight: 3,
  },
  {
    arbitrary: fc.constantFrom(50, 51, 64, 65, 128, 129, 250, 251, 256, 1000, 5000).map((n) => 'x'.repeat(n)),
    weight: 1,
  },
  { arbitrary: fc.constant(''), weight: 1 },
);

/** Number texts no amount, count or time field may take. */
export const badNumberText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '-1',
    '-0.01',
    '1e3',
    '1E+5',
    '0x10',
    '1.005',
    '0.001',
    'NaN',
    'Infinity',
    '-Infinity',
    '1_000',
    '\uFF11\uFF12',
    '1,00',
    '.5',
    '5.',
    '+5',
    '1.2.3',
    '9'.repeat(40),
    '1e309',
    '١٢',
    ' ',
    '0.1e1',
    '--1',
  ),
  fc.bigInt({ min: 10n ** 20n, max: 10n ** 60n }).map((n) => n.toString()),
  fc.bigInt({ min: -(10n ** 30n), max: -1n }).map((n) => n.toString()),
  fc.tuple(fc.integer({ min: 1, max: 99_999 }), fc.integer({ min: -400, max: 400 })).map(([m, e]) => `${m}e${e}`),
  fc
    .double({ noDefaultInfinity: false })
    .filter((d) => !Number.isInteger(d))
    .map((d) => String(d)),
);

/** Numbers no fen amount, ms time or count may be: negative, fractional, unsafe, not finite. */
export const badNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(NaN, Infinity, -Infinity, -1, 0.5, 1e21, 2 ** 53, Number.MAX_VALUE, -Number.MAX_VALUE, 1.005),
  fc.integer({ min: -(2 ** 31), max: -1 }),
  fc.double().filter((d) => !Number.isSafeInteger(d)),
);

/** Percent-escapes that decode to nothing, or to bytes no charset accepts. */
export const malformedEscape = fc.constantFrom(
  '%',
  '%2',
  '%zz',
  '%%',
  '%u4e2d',
  '%C3',
  '%E4%B8',
  '%FF%FE',
  '%C0%AF',
  '%ED%A0%80',
  '%F4%90%80%80',
  '%80',
  '%G0',
  '%0',
);

export const charsetName = fc.constantFrom(
  'utf-8',
  'UTF8',
  'gbk',
  'GB2312',
  'gb18030',
  'big5',
  'latin1',
  'utf-16',
  'x-unknown',
  '',
  'utf-8\u0000',
  'UTF-8;',
  '"utf-8"',
  'utf-7',
  'ＵＴＦ-8',
);

type Encoding = 'utf8' | 'gbk' | 'raw-utf8' | 'raw-gbk' | 'malformed' | 'plain';

/** One key or value encoded as a careless or hostile client would. */
function encodeAs(text: string, how: Encoding, escape: string): string {
  const pct = (bytes: Buffer) => [...bytes].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  switch (how) {
    case 'utf8':
      return pct(Buffer.from(text, 'utf8'));
    case 'gbk':
      return pct(iconv.encode(text, 'gbk'));
    case 'raw-utf8':
      return Buffer.from(text, 'utf8').toString('latin1');
    case 'raw-gbk':
      return iconv.encode(text, 'gbk').toString('latin1');
    case 'malformed':
      return `${text.slice(0, 3)}${escape}${text.slice(3)}`;
    case 'plain':
      return text;
  }
}

const encoding = fc.constantFrom<Encoding>('utf8', 'gbk', 'raw-utf8', 'raw-gbk', 'malformed', 'plain');

/** A pair of a form: its key from `keys` (so that duplicates happen) or hostile text, its value hostile. */
function formPair(keys: readonly string[]) {
  return fc
    .tuple(
      fc.oneof({ arbitrary: fc.constantFrom(...keys), weight: 4 }, { arbitrary: hostileText, weight: 1 }),
      fc.oneof(hostileText, badNumberText, charsetName),
      encoding,
      malformedEscape,
    )
    .map(([k, v, how, esc]) => `${encodeAs(k, how === 'malformed' ? 'utf8' : how, esc)}=${encodeAs(v, how, esc)}`);
}

/** A whole form body (as latin-1 text: one char a byte), hostile in one way or several. */
export function hostileForm(keys: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.array(formPair(keys), { maxLength: 12 }).map((pairs) => pairs.join('&')), weight: 6 },
    // duplicate keys on purpose: the same key with two values
    {
      arbitrary: fc
        .tuple(fc.constantFrom(...keys), hostileText, hostileText)
        .map(([k, a, b]) => `${k}=${encodeAs(a, 'utf8', '')}&${k}=${encodeAs(b, 'utf8', '')}`),
      weight: 1,
    },
    { arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1')), weight: 1 },
    { arbitrary: fc.constantFrom('', '&', '=', '&&&', '==', '=&=', '?', 'a', '%', '&=x'), weight: 1 },
  );
}

/** Bodies over the 64 KiB limit (sometimes only just). */
export const oversized: fc.Arbitrary<Buffer> = fc
  .tuple(fc.integer({ min: 64 * 1024 + 1, max: 300 * 1024 }), fc.constantFrom('a', '%', '&', '='))
  .map(([n, c]) => Buffer.alloc(n, c));

/** Content types a form endpoint may be sent. */
export const contentType = fc.constantFrom(
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=utf-8',
  'application/x-www-form-urlencoded; charset=gbk',
  'application/x-www-form-urlencoded; charset=x-unknown',
  'application/x-www-form-urlencoded; charset="utf-8"; charset=gbk',
  'APPLICATION/X-WWW-FORM-URLENCODED',
  'text/plain',
  'text/plain; charset=utf-16',
  'application/json',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'application/xml',
  'x/y',
  ';',
  '',
  undefined,
);

/** JSON texts that are not what any route takes: broken syntax, duplicate keys, deep nesting, huge numbers. */
export const hostileJsonText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    '{',
    '{"a":}',
    'null',
    '[]',
    '"x"',
    '1e999',
    '{"__proto__":{"polluted":true}}',
    '{"constructor":{"prototype":{"polluted":true}}}',
    `${'['.repeat(5000)}${']'.repeat(5000)}`,
    '\uFEFF{}',
    '{"a":1,}',
    "{'a':1}",
    '{"a":NaN}',
    '{"a":"\\ud800"}',
  ),
  fc.string({ unit: 'binary', maxLength: 60 }),
);
