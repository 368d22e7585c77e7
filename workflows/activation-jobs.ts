/** What the activation guards (stale-time-guard.ts, unsent-commands-guard.ts) read from an activation's jobs. */
import type { coresdk } from '@temporalio/proto';

type Job = coresdk.workflow_activation.IWorkflowActivationJob;

/** Jobs that come from new history events or messages (not a query, not an eviction). */
export function fromNewEvents(job: Job): boolean {
  return Boolean(
    job.initializeWorkflow ??
    job.fireTimer ??
    job.resolveActivity ??
    job.signalWorkflow ??
    job.doUpdate ??
    job.resolveChildWorkflowExecution ??
    job.resolveChildWorkflowExecutionStart ??
    job.resolveSignalExternalWorkflow ??
    job.resolveRequestCancelExternalWorkflow ??
    job.cancelWorkflow,
  );
}

/**
 * Jobs that come from history events: a replay delivers them again in the same grouping (an update is left out: a
 * rejected one leaves no event and is not replayed).
 */
export function fromHistoryEvents(job: Job): boolean {
  return fromNewEvents(job) && !job.doUpdate;
}
