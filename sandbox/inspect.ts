// The inspection API under /sandbox/: ledger, tasks, transfers, notifications with every attempt and its answer.
// Read-only.

import type { FastifyInstance } from 'fastify';
import type { LedgerSummary } from './ledger';
import type { NotificationRecord, Posting, SandboxState, TaskRecord, TransferRecord } from './state';

export interface NotificationFilter {
  outerTaskId?: string;
  notifyType?: string;
  status?: NotificationRecord['status'];
}

export interface InspectionApi {
  ledger(): LedgerSummary;
  journal(outerTaskId?: string): Posting[];
  tasks(): TaskRecord[];
  task(outerTaskId: string): TaskRecord | undefined;
  transfers(outerTaskId?: string): TransferRecord[];
  notifications(filter?: NotificationFilter): Array<NotificationRecord & { xml: string }>;
  notification(notifyId: string): (NotificationRecord & { xml: string }) | undefined;
  state(): SandboxState;
}

const idParam = { type: 'object', properties: { id: { type: 'string', minLength: 1, maxLength: 128 } } } as const;

export function registerInspectionRoutes(app: FastifyInstance, api: InspectionApi): void {
  app.get('/sandbox/ledger', async () => api.ledger());
  app.get(
    '/sandbox/journal',
    { schema: { querystring: { type: 'object', properties: { outerTaskId: { type: 'string', maxLength: 64 } } } } },
    async (req) => ({
      postings: api.journal((req.query as { outerTaskId?: string }).outerTaskId),
    }),
  );
  app.get('/sandbox/tasks', async () => ({ tasks: api.tasks() }));
  app.get('/sandbox/tasks/:id', { schema: { params: idParam } }, async (req, reply) => {
    const task = api.task((req.params as { id: string }).id);
    if (!task) return reply.code(404).send({ error: 'NOT_FOUND', message: 'no such task' });
    return task;
  });
  app.get(
    '/sandbox/transfers',
    { schema: { querystring: { type: 'object', properties: { outerTaskId: { type: 'string', maxLength: 64 } } } } },
    async (req) => ({
      transfers: api.transfers((req.query as { outerTaskId?: string }).outerTaskId),
    }),
  );
  app.get(
    '/sandbox/notifications',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: {
            outerTaskId: { type: 'string', maxLength: 64 },
            notifyType: { type: 'string', maxLength: 64 },
            status: { type: 'string', enum: ['pending', 'delivered', 'exhausted'] },
          },
        },
      },
    },
    async (req) => ({ notifications: api.notifications(req.query as NotificationFilter) }),
  );
  app.get('/sandbox/notifications/:id', { schema: { params: idParam } }, async (req, reply) => {
    const n = api.notification((req.params as { id: string }).id);
    if (!n) return reply.code(404).send({ error: 'NOT_FOUND', message: 'no such notification' });
    return n;
  });
  app.get('/sandbox/state', async () => api.state());
}
