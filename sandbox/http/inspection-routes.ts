// The inspection API under /sandbox/: the books, tasks, transfers, notifications with every attempt and its answer.
// Read-only.

import type { FastifyInstance } from 'fastify';
import type { LedgerSummary } from '../books/balance-sheet';
import type { Posting } from '../books/journal';
import type { NotificationRecord } from '../runtime/notification-records';
import type { SandboxState } from '../runtime/persisted-state';
import type { TaskRecord, TransferRecord } from '../services/task-records';
import {
  notificationQuery,
  recordIdParams,
  taskQuery,
  type NotificationQuery,
  type RecordIdParams,
  type TaskQuery,
} from './route-schemas';

export type NotificationFilter = NotificationQuery;

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

export function registerInspectionRoutes(app: FastifyInstance, api: InspectionApi): void {
  app.get('/sandbox/ledger', async () => api.ledger());
  app.get<{ Querystring: TaskQuery }>('/sandbox/journal', { schema: { querystring: taskQuery } }, async (req) => ({
    postings: api.journal(req.query.outerTaskId),
  }));
  app.get('/sandbox/tasks', async () => ({ tasks: api.tasks() }));
  app.get<{ Params: RecordIdParams }>(
    '/sandbox/tasks/:id',
    { schema: { params: recordIdParams } },
    async (req, reply) => {
      const task = api.task(req.params.id);
      if (!task) return reply.code(404).send({ error: 'NOT_FOUND', message: 'no such task' });
      return task;
    },
  );
  app.get<{ Querystring: TaskQuery }>('/sandbox/transfers', { schema: { querystring: taskQuery } }, async (req) => ({
    transfers: api.transfers(req.query.outerTaskId),
  }));
  app.get<{ Querystring: NotificationQuery }>(
    '/sandbox/notifications',
    { schema: { querystring: notificationQuery } },
    async (req) => ({ notifications: api.notifications(req.query) }),
  );
  app.get<{ Params: RecordIdParams }>(
    '/sandbox/notifications/:id',
    { schema: { params: recordIdParams } },
    async (req, reply) => {
      const n = api.notification(req.params.id);
      if (!n) return reply.code(404).send({ error: 'NOT_FOUND', message: 'no such notification' });
      return n;
    },
  );
  app.get('/sandbox/state', async () => api.state());
}
