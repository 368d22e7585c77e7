// The HTTP control API under /sandbox/: the same controls as the in-process Sandbox (pay, confirm, faults, flush,
// clock). JSON in, JSON out; refusals are 422 { error: CODE, message }; an injected HTTP fault answers with its
// status; an injected drop closes the connection; a body outside its schema (route-schemas.ts) is 400.

import type { FastifyInstance, FastifyReply } from 'fastify';
import type { PageRequest } from '../gateway/page-requests';
import { FaultError, InjectedHttpFault, validateFault, type Fault, type FaultSpec } from '../runtime/fault-specs';
import type { AttemptRecord } from '../runtime/notification-records';
import { GatewayRefusal } from '../services/refusal';
import type { PageResult, PublicConfig } from './control-results';
import { dropConnection } from './gateway-routes';
import {
  advanceClockBody,
  completeBody,
  faultBody,
  faultIdParams,
  openPageBody,
  type AdvanceClockBody,
  type CompleteBody,
  type FaultBody,
  type FaultIdParams,
  type OpenPageBody,
} from './route-schemas';

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

function registerPageRoutes(app: FastifyInstance, api: ControlApi): void {
  app.post<{ Body: OpenPageBody }>('/sandbox/pages/open', { schema: { body: openPageBody } }, async (req, reply) => {
    try {
      return await api.openPage(req.body.request);
    } catch (err) {
      await refuse(reply, err);
      return reply;
    }
  });

  const completeRoute = (path: string, kind: CompletionKind): void => {
    app.post<{ Body: CompleteBody }>(path, { schema: { body: completeBody } }, async (req, reply) => {
      const body = req.body;
      try {
        const result = await api.completePage(kind, body.request, {
          ...(body.payerUserId ? { payerUserId: body.payerUserId } : {}),
          ...(body.followReturn !== undefined ? { followReturn: body.followReturn } : {}),
        });
        if (result.dropped) {
          dropConnection(req, reply);
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
}

function registerFaultRoutes(app: FastifyInstance, api: ControlApi): void {
  app.post<{ Body: FaultBody }>('/sandbox/faults', { schema: { body: faultBody } }, async (req, reply) => {
    try {
      const fault = api.injectFault(validateFault(req.body));
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
  app.delete<{ Params: FaultIdParams }>(
    '/sandbox/faults/:id',
    { schema: { params: faultIdParams } },
    async (req, reply) => {
      const removed = api.removeFault(req.params.id);
      if (!removed) await reply.code(404).send({ error: 'NOT_FOUND', message: 'no such fault' });
      else await reply.send({ removed: true });
      return reply;
    },
  );
}

function registerClockRoutes(app: FastifyInstance, api: ControlApi): void {
  app.get('/sandbox/clock', async () => ({ now: await api.now() }));
  app.post<{ Body: AdvanceClockBody }>(
    '/sandbox/clock/advance',
    { schema: { body: advanceClockBody } },
    async (req) => ({ now: await api.advanceClock(req.body.ms) }),
  );
}

export function registerControlRoutes(app: FastifyInstance, api: ControlApi): void {
  app.get('/sandbox/config', async () => api.publicConfig());
  registerPageRoutes(app, api);
  registerFaultRoutes(app, api);
  app.post('/sandbox/notifications/flush', async () => ({ attempts: await api.flushNotifications() }));
  registerClockRoutes(app, api);
}
