/**
 * The end of a task: once its money is at rest and Alipay has had its resend window to speak, with nothing open
 * for an operator, the task writes its audit record and closes.
 */
import { allHandlersFinished, condition, log, patched, setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import type { TaskResult } from '../../messages';
import * as ledger from '../ledger';
import { records } from './calls';
import { currentDetails } from './details';
import { AUDIT_RECORD, CLOSE_RECHECKS_MESSAGES } from './patches';
import type { TaskCore } from './core';

/** How a closing ended: the task's result, or a message that arrived while it closed and must be acted on. */
export type Closing = { closed: true; result: TaskResult } | { closed: false };

/** When the task may close: a resend window after the last thing Alipay or an operator did. */
export function closeAt(task: TaskCore): number {
  const state = task.state;
  const quietSince = Math.max(
    state.lastNotificationAtMs ?? 0,
    state.paidAtMs ?? 0,
    state.cancellation?.atMs ?? 0,
    state.manualSettlement?.atMs ?? 0,
  );
  return quietSince + task.settings.resendWindowMs;
}

/** Nothing blocked, the money at rest, the resend window over. */
export function mayClose(task: TaskCore): boolean {
  return !task.state.blocked && ledger.moneyAtRest(task.state, task.now()) && task.now() >= closeAt(task);
}

/** Notifications still waiting for a step that never came: an operator decides. */
export function flagUnmatchedNotifications(task: TaskCore): void {
  const state = task.state;
  if (!state.deferred.length) return;
  for (const n of state.deferred)
    state.attention.push({
      code: 'NOTIFICATION_UNMATCHED',
      message: `${n.event.type} ${n.notifyId} never matched a step of the task`,
      evidence: n,
      atMs: task.now(),
    });
  state.deferred = [];
  task.changed();
}

/**
 * The task closes: its final record is written. A notification or operator message that arrived meanwhile was
 * recorded by its handler (and Alipay told `success`): then the task does not close and the life acts on it.
 */
export async function close(task: TaskCore): Promise<Closing> {
  const state = task.state;
  await condition(allHandlersFinished);
  const seen = task.changes;
  state.settledAtMs = task.now();
  task.publishVisibility();
  const result: TaskResult = { view: task.view(), processedNotifyIds: [...state.processedNotifyIds] };
  if (patched(AUDIT_RECORD))
    await records.writeAuditRecord.executeWithOptions({ summary: 'write the audit record of the closed task' }, [
      { outerTaskId: state.spec.outerTaskId, record: result },
    ]);
  if (task.changes !== seen && patched(CLOSE_RECHECKS_MESSAGES)) {
    state.settledAtMs = undefined;
    task.publishVisibility();
    return { closed: false };
  }
  setCurrentDetails(currentDetails(result.view, { atMs: Number.POSITIVE_INFINITY, what: 'closed' }));
  log.info('task settled', { outerTaskId: state.spec.outerTaskId, workflowId: workflowInfo().workflowId });
  return { closed: true, result };
}
