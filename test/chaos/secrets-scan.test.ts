/**
 * chaos/secrets-scan.ts with planted secrets: a key's PEM in a log line, its base64 re-wrapped at other line breaks
 * (and JSON-escaped), a cut-off piece of it, its hex; an MD5 key and a codec key in their encodings; a public key
 * (no finding); files under a folder; the generic detectors.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  bytesSecret,
  describeFinding,
  filesUnder,
  keySecret,
  plainSecret,
  scan,
  textSecret,
  textSource,
} from '../../chaos/secrets-scan';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const dsa = generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 256 });
const rsaPem = String(rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }));
const rsaDer = rsa.privateKey.export({ type: 'pkcs8', format: 'der' });
const dsaPem = String(dsa.privateKey.export({ type: 'pkcs8', format: 'pem' }));
const md5Key = 'q8Zc0Lr5wTn3Kd7yHp2Vm9Xb4Fs6Jg1A';
const codecKey = randomBytes(32);

const secrets = [
  keySecret('rsa key', rsaPem),
  keySecret('dsa key', dsa.privateKey),
  textSecret('md5 key', md5Key),
  bytesSecret('codec key', codecKey),
];
const filler = (n: number): string => 'x'.repeat(n);
const found = (text: string, detectors = {}) =>
  scan(secrets, [textSource('t', 'log', `${filler(100)}${text}${filler(100)}`)], detectors);

describe('secrets scan', () => {
  test('nothing in a clean text', () => {
    assert.deepEqual(found('{"msg":"task settled","outerTaskId":"T1"}', { pemBlocks: true, derKeys: true }), []);
  });

  test('a PEM in a log line (JSON-escaped line breaks), at its offset, once', () => {
    const line = `{"msg":"signing with","key":${JSON.stringify(rsaPem)}}`;
    const f = found(line);
    assert.equal(f.length, 1, f.map(describeFinding).join('\n'));
    assert.equal(f[0].secret, 'rsa key');
    assert.ok(f[0].offset >= 100 && f[0].offset < 100 + line.length);
  });

  test('base64 split across other line breaks than the PEM ones (76 columns, CRLF) is found whole', () => {
    const b64 = rsaDer.toString('base64');
    const wrapped = b64.replace(/(.{76})/g, '$1\r\n');
    assert.equal(wrapped.includes(b64.slice(0, 64)), true);
    // a piece that straddles a line break of the new wrapping, and no whole PEM line
    const piece = wrapped.slice(60, 160);
    assert.ok(piece.includes('\r\n'));
    const f = found(`key part: ${piece}`);
    assert.deepEqual(
      f.map((x) => x.secret),
      ['rsa key'],
    );
  });

  test('a cut-off piece of a key (60 characters of its base64), its hex, its base64url, its raw DER', () => {
    const b64 = rsaDer.toString('base64');
    assert.equal(found(b64.slice(700, 760))[0]?.secret, 'rsa key');
    assert.equal(found(rsaDer.toString('hex').slice(1000, 1100))[0]?.secret, 'rsa key');
    assert.equal(found(rsaDer.toString('base64url').slice(300, 400))[0]?.secret, 'rsa key');
    // the private exponent's bytes (past the modulus, which the public key holds too: no finding)
    const raw = (from: number): Buffer => Buffer.concat([randomBytes(50), rsaDer.subarray(from, from + 100)]);
    assert.equal(scan(secrets, [{ label: 'bin', kind: 'raw', bytes: raw(600) }])[0]?.secret, 'rsa key');
    assert.deepEqual(scan(secrets, [{ label: 'bin', kind: 'raw', bytes: raw(100) }]), []);
  });

  test('a DSA key given as a KeyObject, found in its PEM form', () => {
    assert.deepEqual(
      found(dsaPem).map((x) => x.secret),
      ['dsa key'],
    );
  });

  test('the public halves are no finding', () => {
    const pubs = [rsa.publicKey, dsa.publicKey]
      .map((k) => String(k.export({ type: 'spki', format: 'pem' })))
      .join('\n');
    assert.deepEqual(found(pubs, { pemBlocks: true, derKeys: true }), []);
  });

  test('an MD5 key as it is and in base64; the codec key in base64, hex and raw', () => {
    assert.equal(found(`sign=${md5Key}`)[0]?.secret, 'md5 key');
    assert.equal(found(Buffer.from(md5Key).toString('base64'))[0]?.secret, 'md5 key');
    for (const enc of ['base64', 'hex', 'base64url'] as const)
      assert.equal(found(`k=${codecKey.toString(enc)}`)[0]?.secret, 'codec key', enc);
    const raw = scan(secrets, [{ label: 'bin', kind: 'raw', bytes: Buffer.concat([randomBytes(9), codecKey]) }]);
    assert.deepEqual(raw, [{ secret: 'codec key', source: 'bin', offset: 9 }]);
  });

  test('plain secrets (ids, nicknames) in UTF-8', () => {
    const s = [plainSecret('winner', '2088203000000918', '天之蓝Nick917')];
    const text = textSource('h', 'history', `a 天之蓝Nick917 b`);
    assert.deepEqual(scan(s, [text]), [{ secret: 'winner', source: 'h', offset: 2 }]);
  });

  test('generic detectors: a PEM private key block, base64 DER of an unknown key, Alipay ids', () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const otherPem = String(other.export({ type: 'pkcs8', format: 'pem' }));
    const f = scan([], [textSource('t', 'log', `${otherPem}`)], { pemBlocks: true, derKeys: true });
    assert.deepEqual(f.map((x) => x.secret).sort(), ['DER private key (base64)', 'PEM private key block']);
    const rsaOther = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    const b64 = rsaOther.export({ type: 'pkcs1', format: 'der' }).toString('base64');
    const g = scan([], [textSource('t', 'log', `{"k":"${b64}"}`)], { derKeys: true });
    assert.deepEqual(g, [{ secret: 'DER private key (base64)', source: 't', offset: 6 }]);
    const ids = scan([], [textSource('t', 'h', 'x2088102000000001y 120881020000000012')], { alipayIds: true });
    assert.deepEqual(ids, [{ secret: 'Alipay id 2088102000000001', source: 't', offset: 1 }]);
  });

  test('files under a folder, with exclusions', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'witkey-scan-'));
    try {
      await mkdir(join(dir, 'logs'));
      await mkdir(join(dir, 'keys'));
      await writeFile(join(dir, 'logs', 'a.log'), `{"msg":"ok"}\n{"msg":"oops","md5":"${md5Key}"}\n`);
      await writeFile(join(dir, 'keys', 'rsa.pem'), rsaPem);
      const sources = await filesUnder(dir, 'file', (p) => p.endsWith('keys'));
      assert.deepEqual(
        sources.map((s) => s.label),
        [join(dir, 'logs', 'a.log')],
      );
      assert.deepEqual(scan(secrets, sources), [{ secret: 'md5 key', source: join(dir, 'logs', 'a.log'), offset: 34 }]);
      assert.deepEqual(await filesUnder(join(dir, 'none'), 'file'), []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('fast enough: 20 MB scanned in well under the time of a run', () => {
    const big = randomBytes(20 * 1024 * 1024);
    const t0 = Date.now();
    assert.deepEqual(
      scan(secrets, [{ label: 'big', kind: 'raw', bytes: big }], { pemBlocks: true, derKeys: true }),
      [],
    );
    assert.ok(Date.now() - t0 < 20_000, `${Date.now() - t0} ms`);
  });
});
