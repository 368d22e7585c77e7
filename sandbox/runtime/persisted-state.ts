// The sandbox's persisted state: plain JSON data (the books, tasks, transfers, business numbers, replayable
// outcomes, notifications and their attempts), one database row per record (state-database.ts). Every mutation
// happens on a draft whose changes are checked and written before they become live (see state-store.ts), so a
// refused operation leaves nothing behind.

import type { Posting } from '../books/journal';
import type { TaskRecord, TransferRecord } from '../services/task-records';
import type { NotificationRecord } from './notification-records';

/** Every business number ever used, per partner: no two steps may share one. */
export interface NumberRecord {
  kind: 'freeze' | 'profit' | 'transfer' | 'refund' | 'platform';
  outerTaskId: string;
  hash: string;
}

/** The outcome of an executed request, replayed when the very same request arrives again. */
export interface OperationRecord {
  service: string;
  at: number;
  /** Service-specific result, enough to rebuild the reply. */
  result: Record<string, unknown>;
}

export interface SandboxState {
  version: 1;
  /** Added to the injected clock (advanceClock). */
  clockOffsetMs: number;
  seq: number;
  accounts: Record<string, number>;
  journal: Posting[];
  tasks: Record<string, TaskRecord>;
  transfers: Record<string, TransferRecord>;
  numbers: Record<string, NumberRecord>;
  operations: Record<string, OperationRecord>;
  notifications: Record<string, NotificationRecord>;
}

export function emptyState(): SandboxState {
  return {
    version: 1,
    clockOffsetMs: 0,
    seq: 0,
    accounts: {},
    journal: [],
    tasks: {},
    transfers: {},
    numbers: {},
    operations: {},
    notifications: {},
  };
}

/** Key of a task / transfer / number, scoped by partner. */
export function scoped(partner: string, id: string): string {
  return `${partner}:${id}`;
}
