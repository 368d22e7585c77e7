/**
 * Codec keys from files: a key folder in which every `<key id>.key` holds one AES-256 key, 32 random bytes in
 * base64 (44 characters, as `openssl rand -base64 32` prints them; surrounding whitespace is ignored). Other files in
 * the folder are ignored. The current key (new payloads) is named by its id; every key in the folder decodes.
 * Errors name the file; the command line adds the variable (cli/codec-config.ts). Keys are never printed.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KEY_BYTES, makeKeyring, type Keyring } from './payload-codec';

export const KEY_FILE_SUFFIX = '.key';
/** Letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64 characters. */
export const KEY_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** A key folder or key file that cannot be used; the message names it. */
export class CodecKeyError extends Error {
  override name = 'CodecKeyError';
}

export function checkKeyId(keyId: string): string {
  if (!KEY_ID_PATTERN.test(keyId))
    throw new CodecKeyError(
      `${JSON.stringify(keyId)} is not a key id (letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64)`,
    );
  return keyId;
}

/** The 32 bytes of a key file; anything else is refused with the file's name (never its content). */
export function readKeyFile(path: string): Uint8Array {
  let content: string;
  try {
    content = readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw new CodecKeyError(`cannot read the key file ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const bytes = Buffer.from(content, 'base64');
  if (bytes.toString('base64') !== content || bytes.length !== KEY_BYTES)
    throw new CodecKeyError(
      `the key file ${path} does not hold a key: expected ${KEY_BYTES} random bytes in base64 (44 characters, e.g. from "witkey codec-key new" or "openssl rand -base64 32")`,
    );
  return bytes;
}

/** Every `<key id>.key` of the folder, by key id; a folder without one is refused. */
export function readKeyDir(dir: string): Map<string, Uint8Array> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    throw new CodecKeyError(`cannot read the key folder ${dir} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const keys = new Map<string, Uint8Array>();
  for (const name of names.filter((n) => n.endsWith(KEY_FILE_SUFFIX)).sort()) {
    const keyId = name.slice(0, -KEY_FILE_SUFFIX.length);
    if (!KEY_ID_PATTERN.test(keyId))
      throw new CodecKeyError(`the key file ${join(dir, name)}: ${JSON.stringify(keyId)} is not a key id`);
    keys.set(keyId, readKeyFile(join(dir, name)));
  }
  if (keys.size === 0) throw new CodecKeyError(`the key folder ${dir} holds no <key id>${KEY_FILE_SUFFIX} file`);
  return keys;
}

/**
 * The keyring of a key folder. The current key is `currentKeyId`, which must have its file there; without it, the
 * folder's only key (a folder of several keys needs the id: which one encrypts is never guessed).
 */
export function loadKeyring(dir: string, currentKeyId?: string): Keyring {
  const keys = readKeyDir(dir);
  const ids = [...keys.keys()];
  if (currentKeyId === undefined) {
    if (ids.length > 1)
      throw new CodecKeyError(
        `the key folder ${dir} holds ${ids.length} keys (${ids.join(', ')}): name the current one (new payloads are encrypted with it)`,
      );
    currentKeyId = ids[0];
  }
  checkKeyId(currentKeyId);
  if (!keys.has(currentKeyId))
    throw new CodecKeyError(
      `the current key "${currentKeyId}" has no file ${join(dir, currentKeyId + KEY_FILE_SUFFIX)} (the folder holds ${ids.join(', ')})`,
    );
  return makeKeyring(currentKeyId, keys);
}

/** A key id for a new key: `k` and today's date (UTC), and 4 random hex digits, e.g. k20300131-3fa2. */
export function newKeyId(now = new Date()): string {
  return `k${now.toISOString().slice(0, 10).replace(/-/g, '')}-${randomBytes(2).toString('hex')}`;
}

/**
 * Writes a new random key as `<dir>/<keyId>.key`, readable by its owner only (0600; the folder is made 0700 when
 * it does not exist). An existing file is never overwritten. Returns the file's path.
 */
export function writeNewKeyFile(dir: string, keyId: string): string {
  checkKeyId(keyId);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, keyId + KEY_FILE_SUFFIX);
  try {
    writeFileSync(path, `${randomBytes(KEY_BYTES).toString('base64')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST')
      throw new CodecKeyError(`the key file ${path} exists already; a key is never overwritten (choose another id)`);
    throw new CodecKeyError(`cannot write the key file ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return path;
}
