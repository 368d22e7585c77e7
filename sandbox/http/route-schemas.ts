// The JSON schemas of the control and inspection routes, each with the TypeScript type of what it lets through:
// Fastify validates strictly (no coercion, no unknown properties, see server.ts) and answers 400 to anything else,
// so a handler reads its typed body, query or params without a cast.

import type { PageRequest } from '../gateway/page-requests';
import type { NotificationRecord } from '../runtime/notification-records';

/** A signed page request: the raw text (URL, query string, form body, HTML form) or its fields. */
const pageRequest = {
  anyOf: [
    { type: 'string', minLength: 1, maxLength: 65536 },
    { type: 'object', additionalProperties: { type: 'string', maxLength: 8192 }, maxProperties: 64 },
  ],
};

const alipayUserId = { type: 'string', pattern: '^2088[0-9]{12}$' };

export interface OpenPageBody {
  request: PageRequest;
}

export const openPageBody = {
  type: 'object',
  required: ['request'],
  additionalProperties: false,
  properties: { request: pageRequest },
};

export interface CompleteBody {
  request: PageRequest;
  payerUserId?: string;
  followReturn?: boolean;
}

export const completeBody = {
  type: 'object',
  required: ['request'],
  additionalProperties: false,
  properties: {
    request: pageRequest,
    payerUserId: alipayUserId,
    followReturn: { type: 'boolean' },
  },
};

/**
 * A fault as the schema lets it through; fault-specs.ts `validateFault` then checks the combination of target,
 * kind and fields (400 BAD_FAULT).
 */
export interface FaultBody {
  target: 'request' | 'notification' | 'winner';
  kind: string;
  service?: string;
  match?: Record<string, string>;
  times?: number;
  status?: number;
  delayMs?: number;
  notifyType?: string;
  notifySubType?: string;
  outerTaskId?: string;
  count?: number;
  stage?: 'confirm' | 'payment' | 'leftover';
  alipayUserId?: string;
  outerTransferNo?: string;
  errorCode?: string;
}

export const faultBody = {
  type: 'object',
  required: ['target', 'kind'],
  additionalProperties: false,
  properties: {
    target: { type: 'string', enum: ['request', 'notification', 'winner'] },
    kind: { type: 'string', maxLength: 32 },
    service: { type: 'string', maxLength: 128 },
    match: { type: 'object', additionalProperties: { type: 'string', maxLength: 200 }, maxProperties: 16 },
    times: { type: 'integer', minimum: 0 },
    status: { type: 'integer', minimum: 500, maximum: 599 },
    delayMs: { type: 'integer', minimum: 0, maximum: 86_400_000 },
    notifyType: { type: 'string', maxLength: 64 },
    notifySubType: { type: 'string', maxLength: 64 },
    outerTaskId: { type: 'string', maxLength: 64 },
    count: { type: 'integer', minimum: 1, maximum: 100 },
    stage: { type: 'string', enum: ['confirm', 'payment', 'leftover'] },
    alipayUserId,
    outerTransferNo: { type: 'string', minLength: 1, maxLength: 64 },
    errorCode: { type: 'string', pattern: '^[A-Z][A-Z0-9_.]{0,63}$' },
  },
};

export interface FaultIdParams {
  id: string;
}

export const faultIdParams = { type: 'object', properties: { id: { type: 'string', pattern: '^[0-9a-f]{1,32}$' } } };

export interface AdvanceClockBody {
  ms: number;
}

export const advanceClockBody = {
  type: 'object',
  required: ['ms'],
  additionalProperties: false,
  properties: { ms: { type: 'integer', minimum: 0, maximum: 10 * 365 * 86_400_000 } },
};

export interface RecordIdParams {
  id: string;
}

export const recordIdParams = {
  type: 'object',
  properties: { id: { type: 'string', minLength: 1, maxLength: 128 } },
};

export interface TaskQuery {
  outerTaskId?: string;
}

export const taskQuery = { type: 'object', properties: { outerTaskId: { type: 'string', maxLength: 64 } } };

export interface NotificationQuery {
  outerTaskId?: string;
  notifyType?: string;
  status?: NotificationRecord['status'];
}

export const notificationQuery = {
  type: 'object',
  properties: {
    outerTaskId: { type: 'string', maxLength: 64 },
    notifyType: { type: 'string', maxLength: 64 },
    status: { type: 'string', enum: ['pending', 'delivered', 'exhausted'] },
  },
};
