/**
 * The encrypted payload format of docs/CODEC.md, checked against implementations other than the codec's own:
 * - the plaintext is the SDK's own protobuf encoding of temporal.api.common.v1.Payload (@temporalio/proto);
 * - a payload the codec wrote is decrypted with node:crypto from the format's description alone;
 * - the test vector of docs/CODEC.md (made with Python's `cryptography` AESGCM) decodes;
 * - when python3 with `cryptography` is installed: Python decrypts the codec's payload and the codec decrypts
 *   Python's (skipped otherwise, saying so).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createDecipheriv, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { defaultPayloadConverter, METADATA_ENCODING_KEY, type Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { EncryptionCodec, KEY_ID_METADATA, makeKeyring } from '../../codec';
import { payloadFromBytes, payloadToBytes } from '../../codec/payload-proto';

const ProtoPayload = temporal.api.common.v1.Payload;
const VALUE = { publisherAlipayId: '2088102000000011' };

/** docs/CODEC.md, "Test vector". */
const VECTOR = {
  keyBase64: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=',
  keyId: 'k1',
  dataBase64:
    'AAECAwQFBgcICQoLTRTcE6CLoXTpKPnso+MSHuy4qEScGjYSKk+ep20cYt5oY8aZ3YB+8QTFBqTspRIa3GlYtWvmkeoPpxopKNPE39JBJ+9SOJiBNq/R6YCT3NtIOA==',
};

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('the encrypted payload format', () => {
  test("the plaintext is byte for byte the SDK's protobuf encoding of the payload, and decodes back", () => {
    const samples: Payload[] = [
      defaultPayloadConverter.toPayload(VALUE),
      defaultPayloadConverter.toPayload(null),
      { metadata: { encoding: utf8('binary/plain'), other: utf8('x') }, data: Buffer.from([0, 1, 2]) },
      {
        metadata: { encoding: utf8('json/plain') },
        data: utf8('{}'),
        externalPayloads: [{ sizeBytes: 5 }],
      } as unknown as Payload,
    ];
    for (const p of samples) {
      const ours = Buffer.from(payloadToBytes(p));
      assert.deepEqual(ours, Buffer.from(ProtoPayload.encode(p).finish()));
      const back = payloadFromBytes(ours);
      assert.deepEqual(Buffer.from(ProtoPayload.encode(back).finish()), ours);
    }
  });

  test('a payload the codec wrote decrypts with node:crypto from the description of the format alone', async () => {
    const raw = randomBytes(32);
    const codec = new EncryptionCodec(makeKeyring('k7', new Map([['k7', raw]])));
    const original = defaultPayloadConverter.toPayload(VALUE);
    const [sealed] = await codec.encode([original]);
    assert.equal(Buffer.from(sealed.metadata![METADATA_ENCODING_KEY]).toString(), 'binary/encrypted');
    assert.equal(Buffer.from(sealed.metadata![KEY_ID_METADATA]).toString(), 'k7');
    const data = Buffer.from(sealed.data!);
    const decipher = createDecipheriv('aes-256-gcm', raw, data.subarray(0, 12));
    decipher.setAuthTag(data.subarray(data.length - 16));
    const plain = Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]);
    const payload = ProtoPayload.decode(plain);
    assert.equal(Buffer.from(payload.metadata.encoding).toString(), 'json/plain');
    assert.deepEqual(JSON.parse(Buffer.from(payload.data).toString()), VALUE);
  });

  test('the test vector of docs/CODEC.md decodes', async () => {
    const codec = new EncryptionCodec(
      makeKeyring(VECTOR.keyId, new Map([[VECTOR.keyId, Buffer.from(VECTOR.keyBase64, 'base64')]])),
    );
    const [plain] = await codec.decode([
      {
        metadata: { encoding: utf8('binary/encrypted'), 'encryption-key-id': utf8(VECTOR.keyId) },
        data: Buffer.from(VECTOR.dataBase64, 'base64'),
      },
    ]);
    assert.deepEqual(defaultPayloadConverter.fromPayload(plain), VALUE);
  });

  const python = spawnSync('python3', ['-c', 'import cryptography.hazmat.primitives.ciphers.aead'], {
    encoding: 'utf8',
  });
  const pythonReady = python.status === 0;
  test(
    "interoperates with Python's cryptography AESGCM both ways",
    { skip: pythonReady ? false : 'python3 with the cryptography package is not installed' },
    async () => {
      const raw = randomBytes(32);
      const codec = new EncryptionCodec(makeKeyring('py', new Map([['py', raw]])));
      const original = defaultPayloadConverter.toPayload(VALUE);
      const [sealed] = await codec.encode([original]);
      const script = [
        'import sys, os',
        'from cryptography.hazmat.primitives.ciphers.aead import AESGCM',
        'key, data, plain = (bytes.fromhex(a) for a in sys.argv[1:4])',
        'print(AESGCM(key).decrypt(data[:12], data[12:], None).hex())',
        'iv = os.urandom(12)',
        'print((iv + AESGCM(key).encrypt(iv, plain, None)).hex())',
      ].join('\n');
      const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
      const run = spawnSync(
        'python3',
        ['-c', script, hex(raw), hex(sealed.data!), hex(ProtoPayload.encode(original).finish())],
        { encoding: 'utf8' },
      );
      assert.equal(run.status, 0, run.stderr);
      const [decryptedByPython, sealedByPython] = run.stdout.trim().split('\n');
      assert.equal(decryptedByPython, hex(ProtoPayload.encode(original).finish()));
      const [back] = await codec.decode([
        {
          metadata: { encoding: utf8('binary/encrypted'), 'encryption-key-id': utf8('py') },
          data: Buffer.from(sealedByPython, 'hex'),
        },
      ]);
      assert.deepEqual(defaultPayloadConverter.fromPayload(back), VALUE);
    },
  );
});
