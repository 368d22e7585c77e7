// The HTTP control API under /sandbox/: the same controls as the in-process Sandbox (pay, confirm, faults, flush,
// clock). JSON in, JSON out; refusals are 422 { error: CODE, message }; an injected HTTP fault answers with its
// status; an injected drop closes the connection.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AttemptRecord } from './state';
import { FaultError, type Fault, type FaultSpec } from './faults';
import { GatewayRefusal, InjectedHttpFault } from './errors';
import type { PageRequest } from './page-requests';
import type { PageResult, PublicConfig } from './index';

export type CompletionKind = 'pay' | 'confirm' | 'leftover' | 'any';

export interface CompleteOptions {
  payerUserId?: string;
  followReturn?: boolean;
}

export interface ControlApi {
  publicConfig(): PublicConfig;
  openPage(request: PageRequest): Promise<{ service: string; alreadyDone: boolean }>;
  completePage(kind: CompletionKind, request: PageRequest, opts?: CompleteOptions): Promise<PageResult>;
  injectFault(spec: FaultSpec): Fault;
  faults(): Fault[];
  removeFault(id: string): boolean;
  clearFaults(): void;
  flushNotifications(): Promise<AttemptRecord[]>;
  now(): Promise<number>;
  advanceClock(ms: number): Promise<number>;
}

const requestSchema = {
  anyOf: [
    { type: 'string', minLength: 1, maxLength: 65536 },
    { type: 'object', additionalProperties: { type: 'string', maxLength: 8192 }, maxProperties: 64 },
  ],
} as const;

const completeBody = {
  type: 'object',
  required: ['request'],
  additionalProperties: false,
  properties: {
    request: requestSchema,
    payerUserId: { type: 'string', pattern: '^2088[0-9]{12}$' },
    followReturn: { type: 'boolean' },
  },
} as const;

const faultBody = {
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
    alipayUserId: { type: 'string', pattern: '^2088[0-9]{12}$' },
    outerTransferNo: { type: 'string', minLength: 1, maxLength: 64 },
    errorCode: { type: 'string', pattern: '^[A-Z][A-Z0-9_.]{0,63}$' },
  },
} as const;

interface CompleteBody {
  request: PageRequest;
  payerUserId?: string;
  followReturn?: boolean;
}

async function refuse(reply: FastifyReply, err: unknown): Promise<void> {
  if (err instanceof InjectedHttpFault) {
    await reply.code(err.status).type('text/plain; charset=utf-8').send('Service Unavailable');
    return;
  }
  if (err instanceof GatewayRefusal) {
    await reply.code(422).send({ error: err.code, message: err.message });
    return;
  }
  if (err instanceof FaultError) {
    await reply.code(400).send({ error: 'BAD_FAULT', message: err.message });
    return;
  }
  throw err;
}

export function registerControlRoutes(app: FastifyInstance, api: ControlApi): void {
  app.get('/sandbox/config', async () => api.publicConfig());

  app.post(
    '/sandbox/pages/open',
    {
      schema: {
        body: {
          type: 'object',
          required: ['request'],
          additionalProperties: false,
          properties: { request: requestSchema },
        },
      },
    },
    async (req, reply) => {
      try {
        return await api.openPage((req.body as { request: PageRequest }).request);
      } catch (err) {
        await refuse(reply, err);
        return reply;
      }
    },
  );

  const completeRoute = (path: string, kind: CompletionKind): void => {
    app.post(path, { schema: { body: completeBody } }, async (req: FastifyRequest, reply: FastifyReply) => {
      const body = req.body as CompleteBody;
      try {
        const result = await api.completePage(kind, body.request, {
          ...(body.payerUserId ? { payerUserId: body.payerUserId } : {}),
          ...(body.followReturn !== undefined ? { followReturn: body.followReturn } : {}),
        });
        if (result.dropped) {
          reply.hijack();
          req.raw.socket.destroy();
          return reply;
        }
        return result;
      } catch (err) {
        await refuse(reply, err);
        return reply;
      }
    });
  };
  completeRoute('/sandbox/pay', 'pay');
  completeRoute('/sandbox/confirm', 'confirm');
  completeRoute('/sandbox/leftover/confirm', 'leftover');
  completeRoute('/sandbox/pages/submit', 'any');

  app.post('/sandbox/faults', { schema: { body: faultBody } }, async (req, reply) => {
    try {
      const fault = api.injectFault(req.body as FaultSpec);
      await reply.code(201).send(fault);
    } catch (err) {
      await refuse(reply, err);
    }
    return reply;
  });
  app.get('/sandbox/faults', async () => ({ faults: api.faults() }));
  app.delete('/sandbox/faults', async () => {
    api.clearFaults();
    return { cleared: true };
  });
  app.delete(
    '/sandbox/faults/:id',
    { schema: { params: { type: 'object', properties: { id: { type: 'string', pattern: '^[0-9a-f]{1,32}$' } } } } },
    async (req, reply) => {
      const removed = api.removeFault((req.params as { id: string }).id);
      if (!removed) await reply.code(404).send({ error: 'NOT_FOUND', message: 'no such fault' });
      else await reply.send({ removed: true });
      return reply;
    },
  );

  app.post('/sandbox/notifications/flush', async () => ({ attempts: await api.flushNotifications() }));

  app.get('/sandbox/clock', async () => ({ now: await api.now() }));
  app.post(
    '/sandbox/clock/advance',
    {
      schema: {
        body: {
          type: 'object',
          required: ['ms'],
          additionalProperties: false,
          properties: { ms: { type: 'integer', minimum: 0, maximum: 10 * 365 * 86_400_000 } },
        },
      },
    },
    async (req) => ({
      now: await api.advanceClock((req.body as { ms: number }).ms),
    }),
  );
}
