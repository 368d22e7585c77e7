/**
 * A guard against sending commands computed in an activation that a replay groups differently (SDK core 1.24.0;
 * docs/OPERATIONS.md "Commands of a query task"). A worker that answers a legacy query task whose history holds
 * events after the last completed workflow task (a fired timer, an activity result) applies those events in an
 * activation of their own and keeps its commands unsent. When the real workflow task then brings a message that is
 * not in the history (an update request), it runs in a second activation and the commands of both go out together,
 * the first activation's first. A replay runs the update and the events in one activation, the update first (SDK
 * order): its acceptance comes before the first activation's commands and the history no longer replays
 * (TMPRL1100 "Update machine does not handle this event"; chaos, full run, task A022). The stale-clock guard
 * (stale-time-guard.ts) only recognises the case where that activation also ran on the previous task's time.
 *
 * Such a kept activation is recognisable afterwards: a legacy query came after it, and the next activation with new
 * events belongs to a workflow task that starts too early in the history for the kept commands to have been sent
 * (a completed task adds its completion, at least one event per command, then the next task's scheduled and
 * started events). The guard fails that activation: the worker drops the run and the workflow task, retried,
 * replays the history in the same grouping as every later replay.
 *
 * When the real workflow task brings nothing new, the SDK sends the kept commands without any activation, computed on
 * the query task's clock (the start of an attempt that timed out), which a replay does not reproduce (chaos, cluster
 * run, tasks A139 and A166): the guard cannot wait for that task. It refuses the legacy query itself when it follows
 * at once the first live activation of a run the worker has just rebuilt by replay (replays, then one live activation
 * whose commands add events): that is the shape of a query task's own activation. The worker then drops the run and
 * its kept commands; the query fails with UNSENT_COMMANDS_FAILURE and is asked again (the client does so). The same
 * shape also arises when a real workflow task rebuilt the run and a query comes right after it: that query is refused
 * once, needlessly, and the run rebuilt by the repeated query answers from then on.
 * It emits no commands: histories replay with and without it.
 */
import { log, type WorkflowInterceptorsFactory } from '@temporalio/workflow';
import type { coresdk } from '@temporalio/proto';
import { UNSENT_COMMANDS_FAILURE } from './messages';
import { fromNewEvents } from './activation-jobs';

type Activation = coresdk.workflow_activation.IWorkflowActivation;
type Command = coresdk.workflow_commands.IWorkflowCommand;

/** The id SDK core gives a query that came as a query task of its own (not with a workflow task). */
const LEGACY_QUERY_ID = 'legacy_query';

/** A completed workflow task adds its WorkflowTaskCompleted; the next one its WorkflowTaskScheduled and Started. */
const TASK_BOUNDARY_EVENTS = 3;

/**
 * The fewest history events the commands add once sent, counting a cancelled timer or activity as taking its start
 * with it (cancelled before it was sent, neither adds an event): the sum over a workflow task's activations, never
 * below 0, is a lower bound. A rejected update and a query answer add none.
 */
export function netEvents(commands: readonly Command[]): number {
  let events = 0;
  for (const c of commands) {
    if (
      c.scheduleActivity ??
      c.startTimer ??
      c.setPatchMarker ??
      c.modifyWorkflowProperties ??
      c.completeWorkflowExecution ??
      c.failWorkflowExecution ??
      c.continueAsNewWorkflowExecution ??
      c.cancelWorkflowExecution ??
      c.startChildWorkflowExecution ??
      c.signalExternalWorkflowExecution ??
      c.requestCancelExternalWorkflowExecution
    )
      events += 1;
    else if (Object.keys(c.upsertWorkflowSearchAttributes?.searchAttributes?.indexedFields ?? {}).length > 0)
      events += 1;
    else if (c.updateResponse?.accepted ?? c.updateResponse?.completed) events += 1;
    else if (c.cancelTimer ?? c.requestCancelActivity) events -= 1;
  }
  return events;
}

interface LiveTask {
  /** History length of the live activation(s): the id of their workflow task's last event. */
  historyLength: number;
  /** The fewest events their commands add once sent (netEvents summed; below 0 counts as 0). */
  events: number;
  /** A legacy query came after them: they may have been a query task's, their commands kept. */
  queriedSince: boolean;
}

/** What the activation before was, as far as the guard cares. */
type Previous = 'none' | 'replay' | 'live' | 'other';

/** Follows the live activations and the legacy queries between them; tells an activation after kept commands. */
export class UnsentCommandsDetector {
  #live: LiveTask | undefined;
  /** History length of the live activation under way. */
  #current: number | undefined;
  /** The live activation under way came at once after replays and is not the workflow's start. */
  #currentRebuilt = false;
  /** The activation just concluded was the first live one of a rebuilt run, its commands adding events. */
  #rebuiltLive: LiveTask | undefined;
  #previous: Previous = 'none';

  /** Before an activation runs: the reason to refuse it, or undefined. */
  check(a: Activation): string | undefined {
    const jobs = a.jobs ?? [];
    const previous = this.#previous;
    const rebuiltLive = this.#rebuiltLive;
    this.#current = undefined;
    this.#rebuiltLive = undefined;
    this.#previous = 'other';
    if (jobs.some((j) => j.queryWorkflow?.queryId === LEGACY_QUERY_ID)) {
      if (this.#live) this.#live.queriedSince = true;
      if (rebuiltLive && previous === 'live')
        return (
          `${UNSENT_COMMANDS_FAILURE}: the activation at history ${rebuiltLive.historyLength}, the first live one ` +
          `after rebuilding the run, may be this query task's own, its commands kept unsent; the run is dropped, ` +
          `ask again`
        );
      return undefined;
    }
    if (!jobs.some(fromNewEvents)) return undefined; // queries with a workflow task, evictions
    if (a.isReplaying) {
      this.#live = undefined; // replayed commands are in the history already
      this.#previous = 'replay';
      return undefined;
    }
    const historyLength = a.historyLength ?? 0;
    this.#current = historyLength;
    this.#currentRebuilt = previous === 'replay' && !jobs.some((j) => j.initializeWorkflow);
    this.#previous = 'live';
    const kept = this.#live;
    const keptEvents = Math.max(0, kept?.events ?? 0);
    if (kept?.queriedSince && keptEvents > 0 && historyLength < kept.historyLength + TASK_BOUNDARY_EVENTS + keptEvents)
      return (
        `${UNSENT_COMMANDS_FAILURE}: the activation at history ${kept.historyLength}, followed by a query task, ` +
        `kept commands (${keptEvents} event(s) at least) that this workflow task (history ${historyLength}) would ` +
        `send out of replay order; the task is retried from its history`
      );
    return undefined;
  }

  /** After an activation ran: the commands it emitted. */
  concluded(commands: readonly Command[]): void {
    const historyLength = this.#current;
    if (historyLength === undefined) return;
    const live = this.#live;
    const events = netEvents(commands);
    if (live && !live.queriedSince && live.historyLength === historyLength) live.events += events;
    else this.#live = { historyLength, events, queriedSince: false };
    if (this.#currentRebuilt && events > 0) this.#rebuiltLive = { historyLength, events, queriedSince: false };
  }
}

export const interceptors: WorkflowInterceptorsFactory = () => {
  const detector = new UnsentCommandsDetector();
  return {
    internals: [
      {
        activate(input, next) {
          const refused = detector.check(input.activation);
          if (refused) {
            log.warn(`${UNSENT_COMMANDS_FAILURE}: the activation is failed, the run replays`, { reason: refused });
            throw new UnsentCommands(refused);
          }
          return next(input);
        },
        concludeActivation(input, next) {
          const output = next(input);
          detector.concluded(output.commands);
          return output;
        },
      },
    ],
  };
};

export class UnsentCommands extends Error {
  override readonly name = 'UnsentCommands';
}
