// Shared test helpers: fixture keys and an openssl runner.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadPrivateKey, loadPublicKey } from '../../alipay/keys';

/** test/fixtures/alipay, from dist/test/alipay (compiled) or test/alipay (ts). */
export const FIXTURES = path.resolve(
  __dirname,
  __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../../test/fixtures/alipay' : '../fixtures/alipay',
);

export function fixturePath(name: string): string {
  return path.join(FIXTURES, name);
}

export function fixture(name: string): string {
  return readFileSync(fixturePath(name), 'utf8');
}

export const keys = {
  dsaPrivate: () => loadPrivateKey(fixture('dsa-private-traditional.pem'), 'dsa'),
  dsaPublic: () => loadPublicKey(fixture('dsa-public.pem'), 'dsa'),
  rsaPrivate: () => loadPrivateKey(fixture('rsa-private-pkcs1.pem'), 'rsa'),
  rsaPublic: () => loadPublicKey(fixture('rsa-public.pem'), 'rsa'),
};

export function openssl(args: string[], input?: Buffer): Buffer {
  return execFileSync('openssl', args, { input, stdio: ['pipe', 'pipe', 'pipe'] });
}

export function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(path.join(tmpdir(), 'alipay-test-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function writeTemp(dir: string, name: string, data: Buffer | string): string {
  const p = path.join(dir, name);
  writeFileSync(p, data);
  return p;
}

/**
 * A genuine base64 signature changed the ways lenient base64 decoding forgives (fuzzing found them): one character
 * more, padding changed, a space, a `!` or a line break inserted, the last character dropped, and (when padded) the
 * unused low bits of the last character set (decodes to the same bytes). Each must be refused.
 */
export function signMutations(sign: string): [string, string][] {
  const mid = sign.length >> 1;
  const out: [string, string][] = [
    ['one character more', `${sign}A`],
    ['four characters more', `${sign}AAAA`],
    ['padding changed', sign.endsWith('=') ? sign.slice(0, -1) : `${sign}=`],
    ['padding added', `${sign}=`],
    ['a space inserted', `${sign.slice(0, mid)} ${sign.slice(mid)}`],
    ['a ! inserted', `${sign.slice(0, mid)}!${sign.slice(mid)}`],
    ['a line break inserted', `${sign.slice(0, mid)}\n${sign.slice(mid)}`],
    ['a trailing line break', `${sign}\r\n`],
    ['truncated', sign.slice(0, -1)],
  ];
  const last = /([A-Za-z0-9+/])(=+)$/.exec(sign);
  if (last) {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const changed = alphabet[alphabet.indexOf(last[1]) ^ 1];
    out.push(['unused low bits of the last character set', `${sign.slice(0, last.index)}${changed}${last[2]}`]);
  }
  return out;
}
