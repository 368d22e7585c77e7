/**
 * Codec keys from files (codec/keys.ts) and their configuration (cli/codec-config.ts): the key file format, new key
 * files (0600, never overwritten), which key is current, every refusal naming the variable or file (and never
 * printing a key), the embedded stack's key, the codec server's settings, and the `codec-key` / `codec-server`
 * commands' refusals.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadKeyring, readKeyFile, writeNewKeyFile } from '../../codec';
import {
  EMBEDDED_KEY_ID,
  embeddedCodecKeys,
  loadCodecKeys,
  loadCodecServerSettings,
  parseOrigins,
} from '../../cli/codec-config';
import { ConfigError } from '../../cli/input-errors';
import { cleanEnv, witkey } from '../cli/helpers';

const root = mkdtempSync(join(tmpdir(), 'witkey-codec-keys-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => {
  const dir = join(root, `d${++n}`);
  mkdirSync(dir);
  return dir;
};
const configError = (re: RegExp) => (err: unknown) => {
  assert.ok(err instanceof ConfigError, String(err));
  assert.match(err.message, re);
  return true;
};

describe('key files', () => {
  test('a new key file: 32 random bytes in base64, 0600 in a 0700 folder, never overwritten', () => {
    const dir = join(fresh(), 'keys');
    const path = writeNewKeyFile(dir, 'k1');
    assert.equal(path, join(dir, 'k1.key'));
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(readKeyFile(path).length, 32);
    assert.throws(() => writeNewKeyFile(dir, 'k1'), /k1\.key exists already; a key is never overwritten/);
    assert.throws(() => writeNewKeyFile(dir, '../k2'), /"\.\.\/k2" is not a key id/);
  });

  test('the output of "openssl rand -base64 32" is a key; anything else is refused naming the file, not the content', () => {
    const dir = fresh();
    writeFileSync(join(dir, 'ok.key'), `  ${randomBytes(32).toString('base64')}\n\n`);
    assert.equal(readKeyFile(join(dir, 'ok.key')).length, 32);
    const bad = {
      'hex.key': randomBytes(32).toString('hex'),
      'short.key': randomBytes(16).toString('base64'),
      'long.key': randomBytes(48).toString('base64'),
      'junk.key': 'not a key at all, secret-ish text',
    };
    for (const [name, content] of Object.entries(bad)) {
      writeFileSync(join(dir, name), content);
      assert.throws(
        () => readKeyFile(join(dir, name)),
        (err: Error) => {
          assert.match(err.message, new RegExp(`the key file ${join(dir, name)} does not hold a key: expected 32`));
          assert.equal(err.message.includes(content), false);
          return true;
        },
      );
    }
    assert.throws(() => readKeyFile(join(dir, 'missing.key')), /cannot read the key file .*missing\.key \(ENOENT\)/);
  });

  test('the current key: the one named, else the only one; several keys without a name are refused', () => {
    const dir = fresh();
    writeNewKeyFile(dir, 'k1');
    writeFileSync(join(dir, 'README.txt'), 'other files are ignored');
    assert.equal(loadKeyring(dir).currentKeyId, 'k1');
    writeNewKeyFile(dir, 'k2');
    assert.throws(() => loadKeyring(dir), /holds 2 keys \(k1, k2\): name the current one/);
    const ring = loadKeyring(dir, 'k2');
    assert.equal(ring.currentKeyId, 'k2');
    assert.deepEqual([...ring.keys.keys()], ['k1', 'k2']);
    assert.throws(
      () => loadKeyring(dir, 'k3'),
      /the current key "k3" has no file .*k3\.key \(the folder holds k1, k2\)/,
    );
  });
});

describe('codec configuration (WITKEY_CODEC_*)', () => {
  test('no key folder configured and none in the data folder: payloads are not encrypted', () => {
    assert.deepEqual(loadCodecKeys({}, fresh()), {});
  });

  test('WITKEY_CODEC_KEYS_DIR and WITKEY_CODEC_KEY_ID', () => {
    const dir = fresh();
    writeNewKeyFile(dir, 'k1');
    const one = loadCodecKeys({ WITKEY_CODEC_KEYS_DIR: dir }, fresh());
    assert.equal(one.keyring?.currentKeyId, 'k1');
    assert.equal(one.dir, dir);
    writeNewKeyFile(dir, 'k2');
    assert.throws(
      () => loadCodecKeys({ WITKEY_CODEC_KEYS_DIR: dir }, fresh()),
      configError(/^WITKEY_CODEC_KEYS_DIR: the key folder .* holds 2 keys \(k1, k2\); set WITKEY_CODEC_KEY_ID/),
    );
    assert.equal(
      loadCodecKeys({ WITKEY_CODEC_KEYS_DIR: dir, WITKEY_CODEC_KEY_ID: ' k2 ' }, fresh()).keyring?.currentKeyId,
      'k2',
    );
    assert.throws(
      () => loadCodecKeys({ WITKEY_CODEC_KEYS_DIR: dir, WITKEY_CODEC_KEY_ID: 'k3' }, fresh()),
      configError(/^WITKEY_CODEC_KEY_ID=k3: the key folder .* has no k3\.key \(it holds k1, k2\)/),
    );
    assert.throws(
      () => loadCodecKeys({ WITKEY_CODEC_KEYS_DIR: dir, WITKEY_CODEC_KEY_ID: 'a/b' }, fresh()),
      configError(/^WITKEY_CODEC_KEY_ID="a\/b" is not a key id/),
    );
    assert.throws(
      () => loadCodecKeys({ WITKEY_CODEC_KEY_ID: 'k1' }, fresh()),
      configError(/WITKEY_CODEC_KEY_ID is set but there is no key folder: set WITKEY_CODEC_KEYS_DIR/),
    );
    assert.throws(
      () => loadCodecKeys({ WITKEY_CODEC_KEYS_DIR: join(root, 'nowhere') }, fresh()),
      configError(/^WITKEY_CODEC_KEYS_DIR: cannot read the key folder .*nowhere \(ENOENT\)/),
    );
    assert.throws(
      () => loadCodecKeys({ WITKEY_CODEC_KEYS_DIR: fresh() }, fresh()),
      configError(/^WITKEY_CODEC_KEYS_DIR: the key folder .* holds no <key id>\.key file/),
    );
    const broken = fresh();
    writeFileSync(join(broken, 'k1.key'), 'abc');
    assert.throws(
      () => loadCodecKeys({ WITKEY_CODEC_KEYS_DIR: broken }, fresh()),
      configError(/^WITKEY_CODEC_KEYS_DIR: the key file .*k1\.key does not hold a key/),
    );
  });

  test("the embedded stack: a key 'embedded' made once under the data folder, found there by every process after", () => {
    const dataDir = fresh();
    const first = embeddedCodecKeys({}, dataDir);
    assert.equal(first.keyring?.currentKeyId, EMBEDDED_KEY_ID);
    assert.equal(first.created, join(dataDir, 'codec-keys', 'embedded.key'));
    const again = embeddedCodecKeys({}, dataDir);
    assert.equal(again.created, undefined);
    const client = loadCodecKeys({}, dataDir);
    assert.equal(client.keyring?.currentKeyId, EMBEDDED_KEY_ID);
    assert.match(client.from!, /default key folder of WITKEY_DATA_DIR/);
    const configured = fresh();
    writeNewKeyFile(configured, 'site');
    const elsewhere = fresh();
    const own = embeddedCodecKeys({ WITKEY_CODEC_KEYS_DIR: configured }, elsewhere);
    assert.equal(own.keyring?.currentKeyId, 'site');
    assert.equal(own.created, undefined, 'configured keys: nothing is written');
  });

  test("the codec server's settings: loopback, port 8288, the local Web UI's origins; origins and token checked", () => {
    assert.deepEqual(loadCodecServerSettings({}, 8233), {
      host: '127.0.0.1',
      port: 8288,
      origins: ['http://localhost:8233', 'http://127.0.0.1:8233'],
    });
    const token = randomBytes(32).toString('base64');
    assert.deepEqual(
      loadCodecServerSettings(
        {
          WITKEY_CODEC_PORT: '9000',
          WITKEY_CODEC_HOST: '0.0.0.0',
          WITKEY_CODEC_TOKEN: token,
          WITKEY_CODEC_ORIGINS: 'https://temporal.example.com, http://localhost:8080',
        },
        8233,
        { port: '9001' },
      ),
      { host: '0.0.0.0', port: 9001, origins: ['https://temporal.example.com', 'http://localhost:8080'], token },
    );
    for (const bad of [
      '*',
      'https://temporal.example.com/',
      'https://x.example/ui',
      'ftp://x.example',
      'localhost:8233',
    ])
      assert.throws(() => parseOrigins(bad), configError(/^WITKEY_CODEC_ORIGINS: ".*" is not an origin/));
    assert.throws(
      () => loadCodecServerSettings({ WITKEY_CODEC_TOKEN: 'short' }, 8233),
      configError(/^WITKEY_CODEC_TOKEN is too weak: at least 32 characters/),
    );
    assert.throws(() => loadCodecServerSettings({ WITKEY_CODEC_PORT: 'x' }, 8233), configError(/WITKEY_CODEC_PORT/));
  });
});

describe('witkey codec-key and witkey codec-server refusals', () => {
  test('both are listed by --help and have their own; codec-key needs its sub-command', async () => {
    const list = await witkey(['--help'], cleanEnv({}));
    assert.match(list.stdout, /^ {2}codec-server {2,}serve \/decode and \/encode/m);
    assert.match(list.stdout, /^ {2}codec-key {2,}write a new random payload encryption key/m);
    assert.match((await witkey(['codec-server', '--help'], cleanEnv({}))).stdout, /^witkey codec-server \[--host H\]/);
    assert.match((await witkey(['codec-key', '--help'], cleanEnv({}))).stdout, /^witkey codec-key new \[--dir DIR\]/);
    const missing = await witkey(['codec-key'], cleanEnv({}));
    assert.match(missing.stderr, /^witkey: missing new\n/);
    const other = await witkey(['codec-key', 'rotate'], cleanEnv({}));
    assert.match(other.stderr, /^witkey: unknown sub-command "rotate"\nhint: usage: witkey codec-key new/);
  });

  test('codec-key new writes a 0600 key file and prints its path; the same id again is refused', async () => {
    const dir = join(fresh(), 'keys');
    const r = await witkey(['codec-key', 'new', '--dir', dir, '--id', 'k2030'], cleanEnv({}));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${join(dir, 'k2030.key')}\n`);
    assert.match(r.stderr, /WITKEY_CODEC_KEY_ID=k2030/);
    assert.equal(statSync(join(dir, 'k2030.key')).mode & 0o777, 0o600);
    const again = await witkey(['codec-key', 'new', '--dir', dir, '--id', 'k2030'], cleanEnv({}));
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^witkey: the key file .*k2030\.key exists already/);
    const generated = await witkey(['codec-key', 'new'], cleanEnv({ WITKEY_CODEC_KEYS_DIR: dir }));
    assert.equal(generated.code, 0, generated.stderr);
    assert.match(generated.stdout, /\/k\d{8}-[0-9a-f]{4}\.key\n$/);
  });

  test('codec-server refuses to start without keys, and beyond loopback without a token', async () => {
    const none = await witkey(['codec-server', '--port', '0'], cleanEnv({ WITKEY_DATA_DIR: fresh() }));
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^witkey: the codec server has no keys: set WITKEY_CODEC_KEYS_DIR/);
    const dir = fresh();
    execFileSync(
      process.execPath,
      [join(__dirname, '..', '..', '..', 'bin', 'witkey.js'), 'codec-key', 'new', '--dir', dir],
      {
        env: cleanEnv({}),
        stdio: 'ignore',
      },
    );
    const open = await witkey(
      ['codec-server', '--host', '0.0.0.0', '--port', '0'],
      cleanEnv({ WITKEY_CODEC_KEYS_DIR: dir }),
    );
    assert.equal(open.code, 1);
    assert.match(
      open.stderr,
      /^witkey: --host \/ WITKEY_CODEC_HOST=0\.0\.0\.0 is not loopback: set WITKEY_CODEC_TOKEN/,
    );
  });
});
