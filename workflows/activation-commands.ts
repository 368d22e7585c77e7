/** What the activation interceptors (unsent-commands-guard.ts, quiet-task-mark.ts) read from an activation's commands. */
import type { coresdk } from '@temporalio/proto';

type Command = coresdk.workflow_commands.IWorkflowCommand;

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
