/**
 * The binary form of a Temporal payload (the protobuf message temporal.api.common.v1.Payload): what the codec
 * encrypts, so that the encoding and every other metadata entry of the original are hidden and restored exactly.
 * The three fields of the message, declared with protobufjs (a dependency already, shared with the SDK):
 *   map<string, bytes> metadata = 1; bytes data = 2; repeated ExternalPayloadDetails external_payloads = 3
 *   (ExternalPayloadDetails: int64 size_bytes = 1).
 * Byte for byte what the SDK's own generated code writes (test/codec/format.test.ts checks it).
 */
import protobuf from 'protobufjs';
import type { Payload } from '@temporalio/common';

const SCHEMA = {
  nested: {
    Payload: {
      fields: {
        metadata: { keyType: 'string', type: 'bytes', id: 1 },
        data: { type: 'bytes', id: 2 },
        externalPayloads: { rule: 'repeated', type: 'ExternalPayloadDetails', id: 3 },
      },
      nested: { ExternalPayloadDetails: { fields: { sizeBytes: { type: 'int64', id: 1 } } } },
    },
  },
};

const PAYLOAD = protobuf.Root.fromJSON(SCHEMA).lookupType('Payload');

export function payloadToBytes(payload: Payload): Uint8Array {
  return PAYLOAD.encode(PAYLOAD.fromObject(payload)).finish();
}

/** The payload a byte string holds, as a plain object (metadata, data — empty when absent, as the SDK reads it from the server —, external payloads when there are any). */
export function payloadFromBytes(bytes: Uint8Array): Payload {
  const message = PAYLOAD.decode(bytes) as unknown as Payload;
  const external = message.externalPayloads ?? [];
  return {
    metadata: { ...(message.metadata ?? {}) },
    data: message.data ?? new Uint8Array(0),
    ...(external.length > 0 ? { externalPayloads: [...external] } : {}),
  };
}
