/**
 * The payload codec: AES-256-GCM with key ids, in the format of the Temporal samples' `encryption` codec
 * (docs/CODEC.md says it byte by byte, for another implementation):
 *
 *   metadata  encoding = "binary/encrypted", encryption-key-id = <key id> (both UTF-8)
 *   data      IV (12 random bytes, new for every payload) ‖ ciphertext ‖ GCM tag (16 bytes)
 *   plaintext the original payload as the protobuf message temporal.api.common.v1.Payload (payload-proto.ts)
 *
 * Encoding uses the current key; decoding uses whichever key the payload names, so payloads written before a key
 * rotation still decode while their key is loaded. Payloads that are not "binary/encrypted" (histories written
 * before encryption was turned on) are passed through unchanged. No key or tag check failing goes unnoticed:
 * an unknown key id and a failed authentication each throw an error naming the key id.
 */
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { payloadFromBytes, payloadToBytes } from './payload-proto';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
export const CIPHER = 'aes-256-gcm';
export const KEY_BYTES = 32;
export const IV_BYTES = 12;
export const TAG_BYTES = 16;

/** The keys a process holds: the current one (new payloads) and every one whose payloads it must still read. */
export interface Keyring {
  currentKeyId: string;
  keys: ReadonlyMap<string, KeyObject>;
}

/** A payload names a key id that is not loaded (a key file removed too early, or another deployment's payload). */
export class CodecKeyMissingError extends Error {
  override name = 'CodecKeyMissingError';
  constructor(
    readonly keyId: string,
    loaded: readonly string[],
  ) {
    super(
      `payload encrypted with key "${keyId}", which is not loaded (loaded: ${loaded.join(', ') || 'none'}); add the key file ${keyId}.key to the key folder`,
    );
  }
}

/** A payload that does not decrypt: changed bytes, a truncated payload, or another key under the same id. */
export class PayloadDecryptionError extends Error {
  override name = 'PayloadDecryptionError';
  constructor(
    readonly keyId: string,
    reason: string,
  ) {
    super(`payload encrypted with key "${keyId}" cannot be decrypted: ${reason}`);
  }
}

/** A keyring of raw 32-byte keys; the current key must be among them. */
export function makeKeyring(currentKeyId: string, rawKeys: ReadonlyMap<string, Uint8Array>): Keyring {
  const keys = new Map<string, KeyObject>();
  for (const [id, raw] of rawKeys) {
    if (raw.length !== KEY_BYTES) throw new Error(`key "${id}" has ${raw.length} bytes; AES-256 needs ${KEY_BYTES}`);
    keys.set(id, createSecretKey(raw));
  }
  if (!keys.has(currentKeyId))
    throw new Error(`the current key "${currentKeyId}" is not among the keys (${[...keys.keys()].join(', ')})`);
  return { currentKeyId, keys };
}

const utf8 = (s: string): Uint8Array => Buffer.from(s, 'utf8');
const text = (b: Uint8Array | null | undefined): string | undefined =>
  b ? Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8') : undefined;

export function isEncrypted(payload: Payload): boolean {
  return text(payload.metadata?.[METADATA_ENCODING_KEY]) === ENCRYPTED_ENCODING;
}

/** The payload encrypted with the keyring's current key. */
export function encryptPayload(payload: Payload, keyring: Keyring): Payload {
  const keyId = keyring.currentKeyId;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(CIPHER, keyring.keys.get(keyId)!, iv, { authTagLength: TAG_BYTES });
  const sealed = Buffer.concat([iv, cipher.update(payloadToBytes(payload)), cipher.final(), cipher.getAuthTag()]);
  return {
    metadata: { [METADATA_ENCODING_KEY]: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8(keyId) },
    data: sealed,
  };
}

/** The original payload of an encrypted one, with the key it names; any other payload as it is. */
export function decryptPayload(payload: Payload, keyring: Keyring): Payload {
  if (!isEncrypted(payload)) return payload;
  const keyId = text(payload.metadata?.[KEY_ID_METADATA]);
  if (keyId === undefined) throw new PayloadDecryptionError('(none)', `no ${KEY_ID_METADATA} metadata`);
  const key = keyring.keys.get(keyId);
  if (!key) throw new CodecKeyMissingError(keyId, [...keyring.keys.keys()]);
  const data = Buffer.from(payload.data ?? new Uint8Array(0));
  if (data.length < IV_BYTES + TAG_BYTES)
    throw new PayloadDecryptionError(keyId, `${data.length} bytes, fewer than IV and tag (${IV_BYTES + TAG_BYTES})`);
  const decipher = createDecipheriv(CIPHER, key, data.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
  decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
  let plain: Buffer;
  try {
    plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new PayloadDecryptionError(keyId, 'authentication failed (changed bytes, or another key under this id)');
  }
  try {
    return payloadFromBytes(plain);
  } catch (err) {
    throw new PayloadDecryptionError(keyId, `the plaintext is not a payload (${(err as Error).message})`);
  }
}

/** The SDK's PayloadCodec (client, worker, webhook and codec server use the same one). */
export class EncryptionCodec implements PayloadCodec {
  constructor(readonly keyring: Keyring) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => encryptPayload(p, this.keyring));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => decryptPayload(p, this.keyring));
  }
}
