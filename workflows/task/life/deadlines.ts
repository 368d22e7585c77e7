/**
 * The task's deadlines: what is past its time expires or is flagged for an operator, and the life sleeps until the
 * next deadline, or until a message changes the task.
 */
import { condition, patched, workflowInfo } from '@temporalio/workflow';
import * as ledger from '../ledger';
import { unknownCancels } from './cancels';
import { closeAt } from './closing';
import { CANCEL_UNKNOWN_REPEATED, LEFTOVER_WAITS, NOTHING_SCHEDULED, OVERDUE_NOTIFICATIONS } from './patches';
import type { TaskCore } from './core';
import type { Watching } from './watching';

/** Expires what is past its time and flags money that waits too long; returns what this pass watches. */
export function watchDeadlines(task: TaskCore): Watching {
  const { state, settings } = task;
  ledger.expire(state, task.now(), settings.resendWindowMs);
  const overdue = patched(OVERDUE_NOTIFICATIONS);
  if (overdue && ledger.flagOverdue(state, settings.resendWindowMs, task.now()) > 0) task.changed();
  const leftover = ledger.leftoverDeadlines(state, settings.resendWindowMs).length > 0 && patched(LEFTOVER_WAITS);
  if (leftover && ledger.flagLeftoverWaits(state, settings.resendWindowMs, task.now()) > 0) task.changed();
  const cancels = !state.manualSettlement && unknownCancels(state).length > 0 && patched(CANCEL_UNKNOWN_REPEATED);
  return { overdue, leftover, cancels };
}

/** The next deadline of the task (+Infinity: none). */
export function nextDeadline(task: TaskCore, watching: Watching): number {
  const { state, settings } = task;
  const now = task.now();
  const cancelRetryAt = watching.cancels ? state.cancelRetry?.nextAtMs : undefined;
  return [
    ledger.nextAnnouncementEnd(state, now),
    state.rounds.some((r) => r.status === 'requested') ? state.spec.expiresAtMs + settings.resendWindowMs : undefined,
    state.paid && now < state.spec.expiresAtMs ? state.spec.expiresAtMs : undefined,
    !state.paid && !state.cancelled && !state.paymentResolved ? state.paymentDeadlineMs : undefined,
    ...state.appends
      .filter((a) => a.status === 'requested' && !a.resolved)
      .map((a) => a.requestedAtMs + settings.paymentTimeoutMs),
    ...(watching.overdue ? ledger.overdueDeadlines(state, settings.resendWindowMs).map((d) => d.dueAtMs) : []),
    ...(watching.leftover ? ledger.leftoverDeadlines(state, settings.resendWindowMs).map((d) => d.dueAtMs) : []),
    cancelRetryAt !== undefined && unknownCancels(state).length > 0 ? cancelRetryAt : undefined,
    ledger.moneyAtRest(state, now) ? closeAt(task) : undefined,
  ]
    .filter((t): t is number => t !== undefined && t > now)
    .reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY);
}

/**
 * An open task that waits for nothing the system schedules would sit unseen: it asks an operator instead.
 * Returns whether it did (the life then looks at the task again).
 */
export function flagNothingScheduled(task: TaskCore, deadline: number): boolean {
  const state = task.state;
  if (
    Number.isFinite(deadline) ||
    state.blocked ||
    state.attention.some((a) => !a.resolved) ||
    !patched(NOTHING_SCHEDULED)
  )
    return false;
  const waiting = task.view().pendingActions;
  state.attention.push({
    code: 'NOTHING_SCHEDULED',
    message: `the task is open but nothing is scheduled (${waiting.join('; ') || 'no pending step'}): check with Alipay and settle it manually`,
    evidence: { ledger: state.ledger },
    atMs: task.now(),
  });
  task.changed();
  return true;
}

/** Sleeps until the deadline (if any), a change of the task, or a suggestion to continue as new. */
export async function sleepUntil(task: TaskCore, deadline: number): Promise<void> {
  const seen = task.changes;
  const woken = (): boolean => task.changes !== seen || workflowInfo().continueAsNewSuggested;
  if (Number.isFinite(deadline)) await condition(woken, deadline - task.now());
  else await condition(woken);
  task.publishVisibility();
}
