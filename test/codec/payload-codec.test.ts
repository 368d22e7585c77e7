/**
 * The payload codec (codec/payload-codec.ts): round trip through the SDK's data converter, key rotation (a payload of
 * the old key decodes after the current key changed; a key id that is not loaded is a clear error), tampering caught
 * by the GCM tag, payloads written before encryption passed through, a fresh IV for every payload.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { defaultPayloadConverter, METADATA_ENCODING_KEY, type Payload } from '@temporalio/common';
import {
  decodeFromPayloadsAtIndex,
  encodeToPayloads,
  loadDataConverter,
} from '@temporalio/common/lib/internal-non-workflow';
import {
  CodecKeyMissingError,
  EncryptionCodec,
  ENCRYPTED_ENCODING,
  IV_BYTES,
  KEY_ID_METADATA,
  makeKeyring,
  PayloadDecryptionError,
  TAG_BYTES,
  witkeyDataConverter,
  type Keyring,
} from '../../codec';

const key = (): Uint8Array => randomBytes(32);
const text = (b: Uint8Array | null | undefined): string => Buffer.from(b ?? []).toString('utf8');

function ring(current: string, keys: Record<string, Uint8Array>): Keyring {
  return makeKeyring(current, new Map(Object.entries(keys)));
}

const TASK = {
  outerTaskId: 'T1001',
  publisherAlipayId: '2088102000000011',
  winners: [{ alipayId: '2088102000000021', nickname: '天之蓝', amountFen: 30_000 }],
};

describe('the encryption codec', () => {
  const k1 = key();
  const k2 = key();

  test('a value round-trips through the data converter; the encoded payload shows neither the value nor its encoding', async () => {
    const converter = loadDataConverter(witkeyDataConverter(ring('k1', { k1 })));
    const payloads = (await encodeToPayloads(converter, TASK, 'plain text', null, new Uint8Array([1, 2, 3])))!;
    for (const p of payloads) {
      assert.equal(text(p.metadata?.[METADATA_ENCODING_KEY]), ENCRYPTED_ENCODING);
      assert.equal(text(p.metadata?.[KEY_ID_METADATA]), 'k1');
      assert.deepEqual(Object.keys(p.metadata ?? {}).sort(), [METADATA_ENCODING_KEY, KEY_ID_METADATA].sort());
      const raw = Buffer.from(p.data ?? []);
      for (const secret of ['2088102000000011', '天之蓝', 'json/plain', 'plain text'])
        assert.equal(raw.includes(Buffer.from(secret)), false, secret);
    }
    assert.deepEqual(await decodeFromPayloadsAtIndex(converter, 0, payloads), TASK);
    assert.equal(await decodeFromPayloadsAtIndex(converter, 1, payloads), 'plain text');
    assert.equal(await decodeFromPayloadsAtIndex(converter, 2, payloads), null);
    assert.deepEqual(await decodeFromPayloadsAtIndex(converter, 3, payloads), new Uint8Array([1, 2, 3]));
  });

  test('every payload gets its own IV: the same value twice encrypts differently', async () => {
    const codec = new EncryptionCodec(ring('k1', { k1 }));
    const p = defaultPayloadConverter.toPayload(TASK);
    const [a, b] = await codec.encode([p, p]);
    assert.notDeepEqual(Buffer.from(a.data!).subarray(0, IV_BYTES), Buffer.from(b.data!).subarray(0, IV_BYTES));
    assert.equal(a.data!.length, b.data!.length);
    assert.ok(a.data!.length >= IV_BYTES + TAG_BYTES + p.data!.length);
  });

  test('rotation: a payload of the old key decodes after the current key changed; new payloads use the new key', async () => {
    const before = new EncryptionCodec(ring('k1', { k1 }));
    const [old] = await before.encode([defaultPayloadConverter.toPayload(TASK)]);
    const after = new EncryptionCodec(ring('k2', { k1, k2 }));
    const [fresh] = await after.encode([defaultPayloadConverter.toPayload(TASK)]);
    assert.equal(text(fresh.metadata?.[KEY_ID_METADATA]), 'k2');
    const [oldDecoded, freshDecoded] = await after.decode([old, fresh]);
    assert.deepEqual(defaultPayloadConverter.fromPayload(oldDecoded), TASK);
    assert.deepEqual(defaultPayloadConverter.fromPayload(freshDecoded), TASK);
  });

  test('a payload whose key is not loaded: an error naming the key id and the loaded ones', async () => {
    const [old] = await new EncryptionCodec(ring('k1', { k1 })).encode([defaultPayloadConverter.toPayload(TASK)]);
    const without = new EncryptionCodec(ring('k2', { k2 }));
    await assert.rejects(without.decode([old]), (err: Error) => {
      assert.ok(err instanceof CodecKeyMissingError);
      assert.equal(err.keyId, 'k1');
      assert.match(
        err.message,
        /payload encrypted with key "k1", which is not loaded \(loaded: k2\); add the key file k1\.key/,
      );
      return true;
    });
  });

  test('changed bytes anywhere (IV, ciphertext, tag) or another key under the same id fail authentication', async () => {
    const codec = new EncryptionCodec(ring('k1', { k1 }));
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload(TASK)]);
    const data = Buffer.from(sealed.data!);
    for (const at of [0, IV_BYTES + 3, data.length - 1]) {
      const changed = Buffer.from(data);
      changed[at] ^= 0x01;
      await assert.rejects(codec.decode([{ ...sealed, data: changed }]), (err: Error) => {
        assert.ok(err instanceof PayloadDecryptionError);
        assert.match(err.message, /key "k1" cannot be decrypted: authentication failed/);
        return true;
      });
    }
    await assert.rejects(codec.decode([{ ...sealed, data: data.subarray(0, 20) }]), /fewer than IV and tag/);
    const impostor = new EncryptionCodec(ring('k1', { k1: key() }));
    await assert.rejects(impostor.decode([sealed]), /authentication failed/);
    const noKeyId: Payload = { metadata: { [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING) }, data };
    await assert.rejects(codec.decode([noKeyId]), /no encryption-key-id metadata/);
  });

  test('payloads written before encryption (any other encoding) pass through unchanged', async () => {
    const codec = new EncryptionCodec(ring('k1', { k1 }));
    const plain = [
      defaultPayloadConverter.toPayload(TASK),
      defaultPayloadConverter.toPayload(undefined),
      { metadata: { [METADATA_ENCODING_KEY]: Buffer.from('binary/plain') }, data: Buffer.from([9]) },
    ];
    const decoded = await codec.decode(plain);
    decoded.forEach((p, i) => assert.equal(p, plain[i]));
  });

  test('the keyring refuses a key that is not 32 bytes and a current key it does not hold', () => {
    assert.throws(() => ring('k1', { k1: randomBytes(16) }), /key "k1" has 16 bytes; AES-256 needs 32/);
    assert.throws(() => ring('k3', { k1 }), /the current key "k3" is not among the keys \(k1\)/);
  });

  test('without keys the data converter is the SDK default (no codec)', () => {
    assert.deepEqual(witkeyDataConverter(undefined), {});
    assert.equal(witkeyDataConverter(ring('k1', { k1 })).payloadCodecs?.length, 1);
  });
});
