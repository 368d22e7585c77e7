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
 * run, tasks A139 and A166 on a worker that had just rebuilt the run; embedded run, task A157 on a worker that had
 * kept the run cached): the guard cannot wait for that task. It refuses the legacy query itself when it follows at
 * once a live activation that handled history events (not the workflow's start, not updates alone: a query task
 * brings no update) and whose commands add events: that is the shape of a query task's own activation, and nothing
 * in the activation tells it from a real workflow task's. The worker then drops the run and its kept commands; the
 * query fails with UNSENT_COMMANDS_FAILURE and is asked again (the client does so at once), on the run rebuilt by
 * replay, and answered. Cost: the first legacy query after each such change is refused once, needlessly when the
 * commands were sent, and the run is replayed once (about 0.1 s of worker CPU for a lifecycle's history,
 * docs/BENCHMARKS.md lifecycle). The check at the next task above stays as a
 * backstop.
 * It emits no commands: histories replay with and without it.
 */
import type { coresdk } from '@temporalio/proto';
import { UNSENT_COMMANDS_FAILURE } from './messages';
import { fromHistoryEvents, fromNewEvents } from './activation-jobs';
import { netEvents } from './activation-commands';
import { guardInterceptors, type ActivationCheck } from './activation-guard';

type Activation = coresdk.workflow_activation.IWorkflowActivation;
type Command = coresdk.workflow_commands.IWorkflowCommand;

/** The id SDK core gives a query that came as a query task of its own (not with a workflow task). */
const LEGACY_QUERY_ID = 'legacy_query';

/** A completed workflow task adds its WorkflowTaskCompleted; the next one its WorkflowTaskScheduled and Started. */
const TASK_BOUNDARY_EVENTS = 3;

interface LiveTask {
  /** History length of the live activation(s): the id of their workflow task's last event. */
  historyLength: number;
  /** The fewest events their commands add once sent (netEvents summed; below 0 counts as 0). */
  events: number;
  /** A legacy query came after them: they may have been a query task's, their commands kept. */
  queriedSince: boolean;
}

/** A live activation under way: its history length, and whether it has the shape of a query task's own activation. */
interface Current {
  historyLength: number;
  /** It handled history events (a timer, an activity result, a signal) and is not the workflow's start. */
  mayBeQueryTasks: boolean;
}

/** Follows the live activations and the legacy queries between them; tells a query or a task after kept commands. */
export class UnsentCommandsDetector implements ActivationCheck {
  #live: LiveTask | undefined;
  #current: Current | undefined;
  /**
   * History length of the activation just concluded when it may have been a query task's own (Current's
   * mayBeQueryTasks) and its commands add events: a legacy query right after it is refused.
   */
  #mayBeKeptAt: number | undefined;

  check(a: Activation): string | undefined {
    const jobs = a.jobs ?? [];
    const mayBeKeptAt = this.#mayBeKeptAt;
    this.#current = undefined;
    this.#mayBeKeptAt = undefined;
    if (jobs.some((j) => j.queryWorkflow?.queryId === LEGACY_QUERY_ID)) {
      if (this.#live) this.#live.queriedSince = true;
      if (mayBeKeptAt !== undefined)
        return (
          `${UNSENT_COMMANDS_FAILURE}: the activation at history ${mayBeKeptAt}, live just before this query, may be ` +
          `this query task's own, its commands kept unsent; the run is dropped, ask again`
        );
      return undefined;
    }
    if (!jobs.some(fromNewEvents)) return undefined; // queries with a workflow task, evictions
    if (a.isReplaying) {
      this.#live = undefined; // replayed commands are in the history already
      return undefined;
    }
    const historyLength = a.historyLength ?? 0;
    this.#current = {
      historyLength,
      mayBeQueryTasks: jobs.some(fromHistoryEvents) && !jobs.some((j) => j.initializeWorkflow),
    };
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

  concluded(commands: readonly Command[]): void {
    const current = this.#current;
    if (current === undefined) return;
    const { historyLength } = current;
    const live = this.#live;
    const events = netEvents(commands);
    if (live && !live.queriedSince && live.historyLength === historyLength) live.events += events;
    else this.#live = { historyLength, events, queriedSince: false };
    if (current.mayBeQueryTasks && events > 0) this.#mayBeKeptAt = historyLength;
  }
}

export class UnsentCommands extends Error {
  override readonly name = 'UnsentCommands';
}

export const interceptors = guardInterceptors(
  () => new UnsentCommandsDetector(),
  `${UNSENT_COMMANDS_FAILURE}: the activation is failed, the run replays`,
  UnsentCommands,
);
