/**
 * A scanner for secrets in what a run leaves behind (logs, audit records, histories, error messages): given the
 * secrets to look for, each with the byte strings that would betray it, and the sources to read, it returns every
 * place a secret shows, as `{ secret, source, offset }` (offset: bytes into the source).
 *
 * - A key's needles are its encodings: the PEM body, its base64 without line breaks, base64url, hex (both cases),
 *   the DER bytes themselves. A long needle is cut into CHUNK-byte pieces, so a partial leak (a log line cut at 200
 *   characters) is found too: any run of 2·CHUNK−1 bytes of a needle holds a whole piece. Pieces that a key's public
 *   half also holds (an RSA private key carries its modulus) are left out: a public key is no finding.
 * - Every source is read twice: as it is, and "squeezed", without whitespace and JSON's `\n` / `\r` escapes, so that
 *   base64 broken across a PEM's (or another wrapper's) line breaks is found whole.
 * - Generic detectors, with no secret given: a `-----BEGIN ... PRIVATE KEY-----` line, a base64 run that decodes to
 *   a DER private key (PKCS#8, PKCS#1, SEC1), an Alipay user id (2088 and 12 digits; for the sources that must hold
 *   none: raw histories).
 * Matching is a rolling hash over each view (one pass per view whatever the number of needles), confirmed byte by
 * byte; needles shorter than a piece are searched one by one (ids, nicknames, short keys).
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** What to look for: a name for the reports, and the byte strings that would betray it (at least 8 bytes each). */
export interface Secret {
  name: string;
  needles: Buffer[];
  /** Byte strings that are not a leak even though a needle's piece occurs in them (a key's public half). */
  harmless?: Buffer[];
}

/** Where to look: a label (a file path, `raw history of <id>`, ...), a kind for the totals, the bytes. */
export interface Source {
  label: string;
  kind: string;
  bytes: Buffer;
}

export interface Finding {
  secret: string;
  source: string;
  offset: number;
}

export interface Detectors {
  /** `-----BEGIN ... PRIVATE KEY-----` anywhere. */
  pemBlocks?: boolean;
  /** Base64 runs (at least 100 characters) that decode to a DER private key. */
  derKeys?: boolean;
  /** 2088 followed by 12 digits (an Alipay user or partner id). */
  alipayIds?: boolean;
}

/** The length of the pieces long needles are cut into. */
export const CHUNK = 24;
/** Needles shorter than this are ignored (too likely to occur by chance). */
export const MIN_NEEDLE = 8;

// ---------------------------------------------------------------------------------------------------------------
// Secrets

/** A private key (PEM text or KeyObject): its PEM body, base64, base64url, hex, DER; its public half is harmless. */
export function keySecret(name: string, key: string | Buffer | KeyObject): Secret {
  const priv = typeof key === 'string' || Buffer.isBuffer(key) ? createPrivateKey(key) : key;
  const der = priv.export({ type: 'pkcs8', format: 'der' });
  const pem = String(priv.export({ type: 'pkcs8', format: 'pem' }));
  const needles = [...encodings(der), ...pemLines(pem)];
  // the same key as given (a PKCS#1 "BEGIN RSA PRIVATE KEY" file has another DER than its PKCS#8 form)
  if (typeof key === 'string' || Buffer.isBuffer(key)) {
    const text = key.toString();
    const body = pemBody(text);
    if (body) needles.push(...encodings(Buffer.from(body, 'base64')), ...pemLines(text));
  }
  const pub = createPublicKey(priv).export({ type: 'spki', format: 'der' });
  return { name, needles: dedupe(needles), harmless: encodings(pub) };
}

/** A secret string (an MD5 key, an API key, a token): as it is, and in base64, base64url and hex. */
export function textSecret(name: string, value: string): Secret {
  const raw = Buffer.from(value, 'utf8');
  return { name, needles: dedupe([raw, ...encodings(raw).slice(1)]) };
}

/** A symmetric key's bytes (the codec's AES key): raw, base64, base64url, hex. */
export function bytesSecret(name: string, key: Uint8Array): Secret {
  return { name, needles: dedupe(encodings(Buffer.from(key))) };
}

/** Plain strings that must not show (ids, nicknames, notification bodies), UTF-8. */
export function plainSecret(name: string, ...values: string[]): Secret {
  return { name, needles: dedupe(values.map((v) => Buffer.from(v, 'utf8'))) };
}

function encodings(bytes: Buffer): Buffer[] {
  const hex = bytes.toString('hex');
  return [
    bytes,
    Buffer.from(bytes.toString('base64')),
    Buffer.from(bytes.toString('base64url')),
    Buffer.from(hex),
    Buffer.from(hex.toUpperCase()),
  ];
}

function pemBody(pem: string): string | undefined {
  const m = /-----BEGIN [^-]+-----([\s\S]*?)-----END [^-]+-----/.exec(pem);
  return m ? m[1].replace(/\s+/g, '') : undefined;
}

/** The body lines of a PEM (a leak of some lines, with its line breaks kept, is found line by line). */
function pemLines(pem: string): Buffer[] {
  return pem
    .split(/\r?\n/)
    .filter((l) => l && !l.startsWith('-----'))
    .map((l) => Buffer.from(l));
}

function dedupe(needles: Buffer[]): Buffer[] {
  const seen = new Set<string>();
  return needles.filter((n) => {
    const k = n.toString('latin1');
    if (n.length < MIN_NEEDLE || seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Sources

/** Every file under `dir` (recursively), minus the excluded paths; a missing folder gives none. */
export async function filesUnder(
  dir: string,
  kind: string,
  exclude: (path: string) => boolean = () => false,
): Promise<Source[]> {
  const out: Source[] = [];
  const walk = async (d: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const path = join(d, e.name);
      if (exclude(path)) continue;
      if (e.isDirectory()) await walk(path);
      else if (e.isFile() && (await stat(path)).size <= 512 * 1024 * 1024)
        out.push({ label: path, kind, bytes: await readFile(path) });
    }
  };
  await walk(dir);
  return out;
}

export function textSource(label: string, kind: string, text: string | Buffer): Source {
  return { label, kind, bytes: Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8') };
}

// ---------------------------------------------------------------------------------------------------------------
// Scanning

interface Piece {
  secret: string;
  bytes: Buffer;
}

/** Every place a secret shows in the sources (one finding per secret and source region of 4 KiB). */
export function scan(secrets: readonly Secret[], sources: readonly Source[], detectors: Detectors = {}): Finding[] {
  const { pieces, short } = index(secrets);
  const findings: Finding[] = [];
  for (const source of sources) {
    const hits: Finding[] = [];
    const views: Array<{ bytes: Buffer; at: (i: number) => number }> = [{ bytes: source.bytes, at: (i) => i }];
    const squeezed = squeeze(source.bytes);
    if (squeezed.bytes.length !== source.bytes.length)
      views.push({ bytes: squeezed.bytes, at: (i) => squeezed.offsets[i] });
    for (const view of views) {
      for (const [secret, at] of rollingMatches(view.bytes, pieces))
        hits.push({ secret, source: source.label, offset: view.at(at) });
      for (const { secret, bytes } of short)
        for (let i = view.bytes.indexOf(bytes); i >= 0; i = view.bytes.indexOf(bytes, i + 1))
          hits.push({ secret, source: source.label, offset: view.at(i) });
    }
    detect(source, squeezed, detectors, hits);
    findings.push(...collapse(hits));
  }
  return findings;
}

function index(secrets: readonly Secret[]): { pieces: Map<number, Piece[]>; short: Piece[] } {
  const pieces = new Map<number, Piece[]>();
  const short: Piece[] = [];
  for (const s of secrets) {
    const harmless = s.harmless ?? [];
    for (const needle of s.needles) {
      if (needle.length < MIN_NEEDLE) continue;
      if (needle.length < 2 * CHUNK) {
        if (!harmless.some((h) => h.includes(needle))) short.push({ secret: s.name, bytes: needle });
        continue;
      }
      for (let i = 0; i + CHUNK <= needle.length; i += CHUNK) {
        const bytes = needle.subarray(i, i + CHUNK);
        if (harmless.some((h) => h.includes(bytes))) continue;
        const h = hashOf(bytes, 0, CHUNK);
        const list = pieces.get(h) ?? [];
        if (!list.some((p) => p.secret === s.name && p.bytes.equals(bytes))) list.push({ secret: s.name, bytes });
        pieces.set(h, list);
      }
    }
  }
  return { pieces, short };
}

const BASE = 257;
/** BASE^(CHUNK-1) mod 2^32: what leaves the window. */
const OUT = (() => {
  let p = 1;
  for (let i = 0; i < CHUNK - 1; i++) p = Math.imul(p, BASE);
  return p;
})();

function hashOf(bytes: Uint8Array, from: number, len: number): number {
  let h = 0;
  for (let i = from; i < from + len; i++) h = (Math.imul(h, BASE) + bytes[i]) | 0;
  return h;
}

function* rollingMatches(bytes: Buffer, pieces: Map<number, Piece[]>): Generator<[string, number]> {
  if (pieces.size === 0 || bytes.length < CHUNK) return;
  let h = hashOf(bytes, 0, CHUNK);
  for (let i = 0; ; i++) {
    const list = pieces.get(h);
    if (list) for (const p of list) if (bytes.compare(p.bytes, 0, CHUNK, i, i + CHUNK) === 0) yield [p.secret, i];
    if (i + CHUNK >= bytes.length) return;
    h = (Math.imul(h - Math.imul(bytes[i], OUT), BASE) + bytes[i + CHUNK]) | 0;
  }
}

/** The bytes without whitespace and JSON's `\n`, `\r`, `\t` escapes, with each byte's offset in the original. */
export function squeeze(bytes: Buffer): { bytes: Buffer; offsets: Uint32Array } {
  const out = Buffer.allocUnsafe(bytes.length);
  const offsets = new Uint32Array(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (c === 0x0a || c === 0x0d || c === 0x20 || c === 0x09) continue;
    if (c === 0x5c) {
      // \n \r \t (and a doubly escaped \\n)
      let j = i + 1;
      while (bytes[j] === 0x5c && j - i < 4) j++;
      const e = bytes[j];
      if (e === 0x6e || e === 0x72 || e === 0x74) {
        i = j;
        continue;
      }
    }
    offsets[n] = i;
    out[n++] = c;
  }
  return { bytes: out.subarray(0, n), offsets: offsets.subarray(0, n) };
}

const PEM_BLOCK = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/g;
const BASE64_RUN = /[A-Za-z0-9+/]{100,}={0,2}/g;
const ALIPAY_ID = /(?<![0-9])2088[0-9]{12}(?![0-9])/g;

function detect(
  source: Source,
  squeezed: { bytes: Buffer; offsets: Uint32Array },
  detectors: Detectors,
  hits: Finding[],
): void {
  if (detectors.pemBlocks || detectors.alipayIds) {
    const text = source.bytes.toString('latin1');
    if (detectors.pemBlocks)
      for (const m of text.matchAll(PEM_BLOCK))
        hits.push({ secret: 'PEM private key block', source: source.label, offset: m.index });
    if (detectors.alipayIds)
      for (const m of text.matchAll(ALIPAY_ID))
        hits.push({ secret: `Alipay id ${m[0]}`, source: source.label, offset: m.index });
  }
  if (detectors.derKeys)
    for (const m of squeezed.bytes.toString('latin1').matchAll(BASE64_RUN))
      if (isDerPrivateKey(Buffer.from(m[0], 'base64')))
        hits.push({ secret: 'DER private key (base64)', source: source.label, offset: squeezed.offsets[m.index] });
}

function isDerPrivateKey(der: Buffer): boolean {
  if (der[0] !== 0x30) return false;
  for (const type of ['pkcs8', 'pkcs1', 'sec1'] as const)
    try {
      createPrivateKey({ key: der, format: 'der', type });
      return true;
    } catch {
      /* not this one */
    }
  return false;
}

/** One finding per secret and region: a leaked PEM is one finding, not one per piece of it. */
function collapse(hits: Finding[]): Finding[] {
  hits.sort((a, b) => (a.secret < b.secret ? -1 : a.secret > b.secret ? 1 : a.offset - b.offset));
  const out: Finding[] = [];
  for (const h of hits) {
    const last = out[out.length - 1];
    if (last && last.secret === h.secret && h.offset - last.offset < 4096) continue;
    out.push(h);
  }
  return out.sort((a, b) => a.offset - b.offset);
}

/** One line per finding, for a report: `<secret> in <source> at byte <offset>`. */
export function describeFinding(f: Finding): string {
  return `${f.secret} in ${f.source} at byte ${f.offset}`;
}
