/**
 * Payloads in the JSON form of the remote codec protocol (protobuf's JSON mapping of temporal.api.common.v1.Payload):
 * {"metadata": {"encoding": "<base64>", ...}, "data": "<base64>"}, bytes in base64 (standard or URL-safe).
 * Checked field by field: a bad one is a PayloadJsonError (HTTP 400) naming it.
 */
import type { Payload } from '@temporalio/common';

export interface JsonPayload {
  metadata?: Record<string, string> | null;
  data?: string | null;
  externalPayloads?: { sizeBytes?: string | number }[] | null;
}

export class PayloadJsonError extends Error {
  override name = 'PayloadJsonError';
  readonly statusCode = 400;
}

const BASE64 = /^(?:[A-Za-z0-9+/_-]{4})*(?:[A-Za-z0-9+/_-]{2}(?:==)?|[A-Za-z0-9+/_-]{3}=?)?$/;

function bytes(value: unknown, where: string): Uint8Array {
  if (typeof value !== 'string' || !BASE64.test(value))
    throw new PayloadJsonError(`${where}: expected a base64 string, got ${describe(value)}`);
  return Buffer.from(value, 'base64');
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value.length > 20 ? 'a string that is not base64' : JSON.stringify(value);
  if (typeof value === 'object') return 'an object';
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : typeof value;
}

export function jsonToPayload(json: unknown, where: string): Payload {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new PayloadJsonError(`${where}: expected a payload object, got ${describe(json)}`);
  const { metadata, data } = json as JsonPayload;
  if (metadata !== undefined && metadata !== null && (typeof metadata !== 'object' || Array.isArray(metadata)))
    throw new PayloadJsonError(`${where}.metadata: expected an object, got ${describe(metadata)}`);
  const meta: Record<string, Uint8Array> = {};
  for (const [key, value] of Object.entries(metadata ?? {})) meta[key] = bytes(value, `${where}.metadata.${key}`);
  return {
    metadata: meta,
    data: data === undefined || data === null ? new Uint8Array(0) : bytes(data, `${where}.data`),
  };
}

const base64 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');

export function payloadToJson(payload: Payload): JsonPayload {
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(payload.metadata ?? {})) if (value) metadata[key] = base64(value);
  const external = payload.externalPayloads ?? [];
  return {
    metadata,
    data: base64(payload.data ?? new Uint8Array(0)),
    ...(external.length > 0
      ? { externalPayloads: external.map((e) => ({ sizeBytes: String(e.sizeBytes ?? 0) })) }
      : {}),
  };
}
