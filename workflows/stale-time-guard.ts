/**
 * A guard against running the workflow on a stale clock (SDK core 1.24.0; docs/OPERATIONS.md "Stale workflow
 * time"). A fresh worker that first takes a legacy query task gets a history with events after the last completed
 * workflow task (a timer fired, an activity completed, a signal) and applies them with the previous task's time;
 * it then keeps the run and sends the commands computed on that stale clock with the next real task, which a
 * replay (on the real task's time) does not reproduce: TMPRL1100 later. Such an activation is recognisable: new
 * events (more history), not a replay, and the very time of the activation that came before. The guard fails it,
 * so the worker drops the run; the real workflow task then replays the history with its own time.
 * It emits no commands: histories replay with and without it.
 */
import type { coresdk } from '@temporalio/proto';
import { STALE_TIME_FAILURE } from './messages';
import { fromNewEvents } from './activation-jobs';
import { guardInterceptors, type ActivationCheck } from './activation-guard';

type Activation = coresdk.workflow_activation.IWorkflowActivation;

function timeOf(a: Activation): number | undefined {
  return a.timestamp ? Number(a.timestamp.seconds) * 1000 + Math.floor((a.timestamp.nanos ?? 0) / 1e6) : undefined;
}

export class StaleWorkflowTime extends Error {
  override readonly name = 'StaleWorkflowTime';
}

/** Remembers the time and history length of the last activation with new events; tells a stale one. */
export class StaleClockDetector implements ActivationCheck {
  #last: { atMs: number; historyLength: number } | undefined;

  /** The reason an activation runs on a stale clock, or undefined when it does not. */
  check(a: Activation): string | undefined {
    const atMs = timeOf(a);
    const historyLength = a.historyLength ?? 0;
    if (atMs === undefined || !(a.jobs ?? []).some(fromNewEvents)) return undefined;
    const last = this.#last;
    if (!a.isReplaying && last && historyLength > last.historyLength && atMs <= last.atMs)
      return `${STALE_TIME_FAILURE}: new events (history ${last.historyLength} → ${historyLength}) on the previous task's time ${new Date(atMs).toISOString()}; ask again`;
    if (!last || historyLength > last.historyLength) this.#last = { atMs, historyLength };
    return undefined;
  }
}

export const interceptors = guardInterceptors(
  () => new StaleClockDetector(),
  'stale workflow time: the activation is dropped, the next workflow task replays',
  StaleWorkflowTime,
);
