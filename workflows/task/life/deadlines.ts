/**
 * The task's deadlines: what is past its time expires or is flagged for an operator, and the life sleeps until the
 * next deadline, or until a message changes the task.
 */
import { condition, patched, setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import * as ledger from '../ledger';
import { unknownCancels } from './cancels';
import { closeAt } from './closing';
import { currentDetails } from './details';
import {
  CANCEL_UNKNOWN_REPEATED,
  DEADLINES_SINCE_STEPS,
  KEEP_DEADLINE_TIMER,
  LEFTOVER_WAITS,
  LOOK_AGAIN_AFTER_CHANGE,
  NOTHING_SCHEDULED,
  OVERDUE_NOTIFICATIONS,
} from './patches';
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
  return { overdue, leftover, cancels, atChange: task.changes };
}

/** When the life wakes next, and why (shown as the timer's summary in the Web UI). */
export interface Deadline {
  /** +Infinity: nothing scheduled. */
  atMs: number;
  what: string;
}

/**
 * The next deadline of the task after `stepsAtMs`, the time the pass over the steps began: the steps acted on what
 * was due then; what fell due while they waited comes next, at once.
 */
export function nextDeadline(task: TaskCore, watching: Watching, stepsAtMs: number): Deadline {
  const now = patched(DEADLINES_SINCE_STEPS) ? stepsAtMs : task.now();
  return deadlinesOf(task, watching, now)
    .filter((d): d is Deadline => d.atMs !== undefined && d.atMs > now)
    .reduce<Deadline>((a, b) => (b.atMs < a.atMs ? b : a), {
      atMs: Number.POSITIVE_INFINITY,
      what: 'nothing scheduled',
    });
}

type Labelled = { atMs: number | undefined; what: string };

function deadlinesOf(task: TaskCore, watching: Watching, now: number): Labelled[] {
  return [...businessDeadlines(task, now), ...watchedDeadlines(task, watching)];
}

/** The dates of the business after `now`: announcement ends, lapsing rounds, expiry, payment deadlines. */
function businessDeadlines(task: TaskCore, now: number): Labelled[] {
  const { state, settings } = task;
  const requestedRound = state.rounds.some((r) => r.status === 'requested');
  return [
    { atMs: ledger.nextAnnouncementEnd(state, now), what: 'announcement period ends: payout' },
    {
      atMs: requestedRound ? state.spec.expiresAtMs + settings.resendWindowMs : undefined,
      what: 'unconfirmed winner rounds lapse',
    },
    { atMs: state.paid && now < state.spec.expiresAtMs ? state.spec.expiresAtMs : undefined, what: 'task expires' },
    {
      atMs: !state.paid && !state.cancelled && !state.paymentResolved ? state.paymentDeadlineMs : undefined,
      what: 'payment deadline',
    },
    ...state.appends
      .filter((a) => a.status === 'requested' && !a.resolved)
      .map((a) => ({ atMs: a.requestedAtMs + settings.paymentTimeoutMs, what: `payment deadline of ${a.freezeNo}` })),
  ];
}

/** What the task watches: overdue notifications, waiting leftovers, repeated cancellations, the quiet before closing. */
function watchedDeadlines(task: TaskCore, watching: Watching): Labelled[] {
  const { state, settings } = task;
  const cancelRetryAt = watching.cancels ? state.cancelRetry?.nextAtMs : undefined;
  const window = settings.resendWindowMs;
  return [
    ...(watching.overdue ? ledger.overdueDeadlines(state, window) : []).map((d) => ({
      atMs: d.dueAtMs,
      what: 'resend window: notification overdue',
    })),
    ...(watching.leftover ? ledger.leftoverDeadlines(state, window) : []).map((d) => ({
      atMs: d.dueAtMs,
      what: 'resend window: leftover waits',
    })),
    {
      atMs: cancelRetryAt !== undefined && unknownCancels(state).length > 0 ? cancelRetryAt : undefined,
      what: 'repeat cancellation of unknown outcome',
    },
    {
      atMs: ledger.moneyAtRest(state, task.now()) ? closeAt(task) : undefined,
      what: 'resend window over: task closes',
    },
  ];
}

/**
 * An open task that waits for nothing the system schedules would sit unseen: it asks an operator instead, unless a
 * message changed the task after the pass chose what to watch (the change may call for a wait the pass did not
 * watch: the life looks again first). Returns whether the life should look at the task again.
 */
export function flagNothingScheduled(task: TaskCore, deadline: Deadline, watching: Watching): boolean {
  const state = task.state;
  if (
    Number.isFinite(deadline.atMs) ||
    state.blocked ||
    state.attention.some((a) => !a.resolved) ||
    !patched(NOTHING_SCHEDULED)
  )
    return false;
  if (task.changes !== watching.atChange && patched(LOOK_AGAIN_AFTER_CHANGE)) return true;
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
export async function sleepUntil(task: TaskCore, deadline: Deadline): Promise<void> {
  const seen = task.changes;
  const woken = (): boolean => task.changes !== seen || workflowInfo().continueAsNewSuggested;
  setCurrentDetails(currentDetails(task.view(), deadline));
  if (patched(KEEP_DEADLINE_TIMER)) {
    const changed = await task.deadlineTimer.sleep(deadline, task.now(), woken);
    if (!changed) task.deadlinePassed(deadline.atMs);
  } else if (Number.isFinite(deadline.atMs)) {
    // at least 1 ms: a deadline that fell due while the steps ran is slept for an instant (a timer, as any other)
    const changed = await condition(woken, Math.max(1, deadline.atMs - task.now()), { summary: deadline.what });
    if (!changed) task.deadlinePassed(deadline.atMs);
  } else await condition(woken);
  task.publishVisibility();
}
