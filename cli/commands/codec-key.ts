/** `witkey codec-key new`: a new random codec key file (0600) for key rotation (docs/CODEC.md). */
import { resolve } from 'node:path';
import { checkKeyId, CodecKeyError, newKeyId, writeNewKeyFile } from '../../codec';
import { str, type Values } from '../args';
import { defaultKeysDir } from '../codec-config';
import type { CommandSpec } from '../command';
import { STACK_DEFAULTS } from '../config';
import { ConfigError, UsageError } from '../input-errors';
import { out } from '../format';
import { say } from '../output';

export const codecKeyCommand: CommandSpec = {
  summary: 'write a new random payload encryption key into the key folder (key rotation)',
  help: `witkey codec-key new [--dir DIR] [--id ID]

Writes 32 random bytes, base64, to DIR/ID.key, readable by its owner only (0600; the folder is made 0700 when it
does not exist); an existing file is never overwritten. Prints the file's path. The key is not in use until
WITKEY_CODEC_KEY_ID names it: copy the file to the key folder of every worker, webhook, client and codec server,
restart them with WITKEY_CODEC_KEY_ID=ID, and keep the old key files as long as histories encrypted with them are
kept (docs/CODEC.md, "Key rotation").

  --dir DIR   the key folder (default WITKEY_CODEC_KEYS_DIR, else WITKEY_DATA_DIR/codec-keys)
  --id ID     the key id (letters, digits, '.', '_', '-'; default k<today, UTC>-<4 random hex digits>)

example: witkey codec-key new --dir /etc/witkey/codec-keys --id k2030-01`,
  options: { dir: { type: 'string' }, id: { type: 'string' } },
  positionals: { min: 1, max: 1, names: 'new' },
  run: (v, positionals) => codecKey(positionals[0], v),
};

async function codecKey(sub: string, v: Values): Promise<void> {
  if (sub !== 'new')
    throw new UsageError(`unknown sub-command "${sub}"`, 'usage: witkey codec-key new [--dir DIR] [--id ID]');
  const env = process.env;
  const dir = resolve(
    str(v, 'dir') ||
      env.WITKEY_CODEC_KEYS_DIR?.trim() ||
      defaultKeysDir(resolve(env.WITKEY_DATA_DIR ?? STACK_DEFAULTS.dataDir)),
  );
  const keyId = str(v, 'id') ?? newKeyId();
  try {
    checkKeyId(keyId);
  } catch (err) {
    throw new UsageError(`--id ${(err as Error).message}`);
  }
  let path: string;
  try {
    path = writeNewKeyFile(dir, keyId);
  } catch (err) {
    if (err instanceof CodecKeyError) throw new ConfigError(`${err.message}.`);
    throw err;
  }
  out(`${path}\n`);
  say(
    `new key "${keyId}": make it the current one with WITKEY_CODEC_KEY_ID=${keyId} everywhere (keep the old key files)`,
  );
}
