/**
 * Payload encryption settings (docs/CODEC.md), read once at start-up like every other setting:
 *   WITKEY_CODEC_KEYS_DIR   the key folder (<key id>.key files); default <data dir>/codec-keys when it exists
 *                           (`witkey up` makes it for its dev server); no folder: payloads are not encrypted
 *   WITKEY_CODEC_KEY_ID     the current key (new payloads); default the folder's only key
 *   WITKEY_CODEC_TOKEN      the codec server's bearer token
 *   WITKEY_CODEC_ORIGINS    the browser origins the codec server answers (the Web UI's), comma-separated
 *   WITKEY_CODEC_PORT / _HOST  where the codec server listens (default 127.0.0.1:8288)
 * Every refused value names its variable (ConfigError); keys and the token are never printed.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DataConverter } from '@temporalio/common';
import {
  checkKeyId,
  CodecKeyError,
  KEY_FILE_SUFFIX,
  makeKeyring,
  readKeyDir,
  witkeyDataConverter,
  writeNewKeyFile,
  type Keyring,
} from '../codec';
import { ConfigError } from './input-errors';
import { parsePort } from './parse';

export interface CodecKeys {
  /** Undefined: payloads are neither encrypted nor expected to be (encrypted ones cannot be read). */
  keyring?: Keyring;
  /** The key folder, and what named it (WITKEY_CODEC_KEYS_DIR, or the data folder's default). */
  dir?: string;
  from?: string;
  /** The key file `witkey up` has just written (first run on a data folder). */
  created?: string;
}

/** The default key folder: under the data folder, where `witkey up` writes the embedded stack's key. */
export function defaultKeysDir(dataDir: string): string {
  return join(dataDir, 'codec-keys');
}

/** The id of the key `witkey up` writes for its own dev server. */
export const EMBEDDED_KEY_ID = 'embedded';

const given = (raw: string | undefined): string | undefined => (raw?.trim() ? raw.trim() : undefined);

/** The keys of WITKEY_CODEC_KEYS_DIR, else of <data dir>/codec-keys if it exists, else none (no encryption). */
export function loadCodecKeys(env: NodeJS.ProcessEnv, dataDir: string): CodecKeys {
  const configured = given(env.WITKEY_CODEC_KEYS_DIR);
  const keyId = given(env.WITKEY_CODEC_KEY_ID);
  const dir = configured ? resolve(configured) : defaultKeysDir(dataDir);
  const from = configured ? 'WITKEY_CODEC_KEYS_DIR' : `the default key folder of WITKEY_DATA_DIR`;
  if (!configured && !existsSync(dir)) {
    if (keyId)
      throw new ConfigError(
        `WITKEY_CODEC_KEY_ID is set but there is no key folder: set WITKEY_CODEC_KEYS_DIR (its <key id>${KEY_FILE_SUFFIX} files are the keys).`,
      );
    return {};
  }
  let raw: Map<string, Uint8Array>;
  try {
    raw = readKeyDir(dir);
  } catch (err) {
    if (err instanceof CodecKeyError) throw new ConfigError(`${from}: ${err.message}.`);
    throw err;
  }
  const ids = [...raw.keys()];
  if (keyId === undefined && ids.length > 1)
    throw new ConfigError(
      `${from}: the key folder ${dir} holds ${ids.length} keys (${ids.join(', ')}); set WITKEY_CODEC_KEY_ID to the current one (new payloads are encrypted with it; the others still decode).`,
    );
  const current = keyId ?? ids[0];
  try {
    checkKeyId(current);
  } catch (err) {
    throw new ConfigError(`WITKEY_CODEC_KEY_ID=${(err as Error).message}.`);
  }
  if (!raw.has(current))
    throw new ConfigError(
      `WITKEY_CODEC_KEY_ID=${current}: the key folder ${dir} has no ${current}${KEY_FILE_SUFFIX} (it holds ${ids.join(', ')}).`,
    );
  return { keyring: makeKeyring(current, raw), dir, from };
}

/**
 * The embedded stack's keys: the configured ones, else those of <data dir>/codec-keys, made on first use with one
 * new key "embedded" (0600), kept with the dev server's database, so its histories stay readable after a restart.
 */
export function embeddedCodecKeys(env: NodeJS.ProcessEnv, dataDir: string): CodecKeys {
  const dir = defaultKeysDir(dataDir);
  const hasKeys = existsSync(dir) && readdirSync(dir).some((name) => name.endsWith(KEY_FILE_SUFFIX));
  if (given(env.WITKEY_CODEC_KEYS_DIR) || hasKeys) return loadCodecKeys(env, dataDir);
  const created = writeNewKeyFile(dir, EMBEDDED_KEY_ID);
  return { ...loadCodecKeys(env, dataDir), created };
}

export function dataConverterOf(keys: CodecKeys): DataConverter {
  return witkeyDataConverter(keys.keyring);
}

/** One line for the start-up messages: whether payloads are encrypted, with which key, from where. */
export function describeCodec(keys: CodecKeys): string {
  if (!keys.keyring) return 'payloads NOT encrypted (no WITKEY_CODEC_KEYS_DIR)';
  const n = keys.keyring.keys.size;
  return `payloads encrypted (AES-256-GCM, key "${keys.keyring.currentKeyId}"${n > 1 ? ` of ${n}` : ''}, keys in ${keys.dir})`;
}

export interface CodecServerSettings {
  host: string;
  port: number;
  origins: string[];
  token?: string;
}

export const CODEC_DEFAULTS = { host: '127.0.0.1', port: 8288 } as const;

/** Where the codec server listens and whom it answers; `uiPort` gives the default origins (the local Web UI). */
export function loadCodecServerSettings(
  env: NodeJS.ProcessEnv,
  uiPort: number,
  flags: { host?: string; port?: string } = {},
): CodecServerSettings {
  const token = given(env.WITKEY_CODEC_TOKEN);
  if (token !== undefined && (token.length < 32 || /\s/.test(token)))
    throw new ConfigError(
      'WITKEY_CODEC_TOKEN is too weak: at least 32 characters without spaces (e.g. "openssl rand -base64 32").',
    );
  return {
    host: given(flags.host) ?? given(env.WITKEY_CODEC_HOST) ?? CODEC_DEFAULTS.host,
    port:
      parsePort('--port', flags.port, { anyFree: true }) ??
      parsePort('WITKEY_CODEC_PORT', env.WITKEY_CODEC_PORT, { anyFree: true }) ??
      CODEC_DEFAULTS.port,
    origins: parseOrigins(env.WITKEY_CODEC_ORIGINS) ?? [`http://localhost:${uiPort}`, `http://127.0.0.1:${uiPort}`],
    ...(token ? { token } : {}),
  };
}

/** A comma-separated list of origins (scheme://host[:port], no path); "*" is refused: the codec decrypts. */
export function parseOrigins(raw: string | undefined): string[] | undefined {
  const text = given(raw);
  if (text === undefined) return undefined;
  return text.split(',').map((part) => {
    const o = part.trim();
    let url: URL | undefined;
    try {
      url = new URL(o);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== o)
      throw new ConfigError(
        `WITKEY_CODEC_ORIGINS: ${JSON.stringify(o)} is not an origin; list the Web UI's origins as scheme://host[:port] without a path or "/", e.g. https://temporal.example.com,http://localhost:8233.`,
      );
    return o;
  });
}

/** Loopback addresses: a codec server anywhere else needs a token. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
