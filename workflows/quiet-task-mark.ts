/**
 * Every workflow task that handles history events leaves an event of its own, so that a replay groups the events
 * into the same workflow tasks as they ran (SDK core 1.24.0; docs/OPERATIONS.md "Quiet workflow tasks").
 *
 * A replay reads a workflow task that completed without any command event, when the next event is at once another
 * WorkflowTaskScheduled (an update arrived while it ran, or a speculative task for an update was kept), as a workflow
 * task heartbeat: it does not end the group, and the events the quiet task handled (a duplicate notification, say)
 * are replayed together with those of the next task, on that later task's time. A handler whose commands depend on
 * time (the phase published with the task's search attributes) then sends commands the history does not have:
 * TMPRL1100 (chaos, cluster run, task A109). Behind the patch QUIET_TASKS_MARKED, an activation that handled history
 * events and would send no command that adds an event upserts the memo QUIET_TASKS_MEMO (how many such tasks the run
 * had): the completion is then followed by that event, never at once by the next scheduled task. Updates alone do not
 * count: a rejected one leaves no event and is not replayed.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import { patched, type WorkflowInterceptorsFactory } from '@temporalio/workflow';
import type { coresdk } from '@temporalio/proto';
import { fromHistoryEvents } from './activation-jobs';
import { netEvents } from './activation-commands';
import { QUIET_TASKS_MARKED } from './task/life/patches';

type Activation = coresdk.workflow_activation.IWorkflowActivation;
type Command = coresdk.workflow_commands.IWorkflowCommand;

/** The memo field a quiet workflow task upserts: how many quiet workflow tasks the run has had. */
export const QUIET_TASKS_MEMO = 'witkeyQuietTasks';

/** Decides, per activation, whether its commands need the quiet task's memo upsert. */
export class QuietTaskMarker {
  #marking = false;
  #quietTasks = 0;

  /**
   * After a batch of the activation's jobs ran (the SDK may run one activation in several): `marked` tells whether
   * the patch applies, asked only when it matters.
   */
  handled(a: Activation, marked: () => boolean): void {
    if (!this.#marking && (a.jobs ?? []).some(fromHistoryEvents)) this.#marking = marked();
  }

  /** The commands to send: as given, or with the memo upsert when none of them adds an event. */
  conclude(commands: Command[]): Command[] {
    const marking = this.#marking;
    this.#marking = false;
    if (!marking || netEvents(commands) > 0) return commands;
    this.#quietTasks += 1;
    return [...commands, quietTaskMemo(this.#quietTasks)];
  }
}

function quietTaskMemo(quietTasks: number): Command {
  return {
    modifyWorkflowProperties: {
      upsertedMemo: { fields: { [QUIET_TASKS_MEMO]: defaultPayloadConverter.toPayload(quietTasks) } },
    },
  };
}

export const interceptors: WorkflowInterceptorsFactory = () => {
  const marker = new QuietTaskMarker();
  return {
    internals: [
      {
        activate(input, next) {
          next(input);
          marker.handled(input.activation, () => patched(QUIET_TASKS_MARKED));
        },
        concludeActivation(input, next) {
          const output = next(input);
          return { ...output, commands: marker.conclude(output.commands) };
        },
      },
    ],
  };
};
