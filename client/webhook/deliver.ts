/**
 * Delivering a verified notification to its task, durably: the call returns only after Temporal accepted the
 * signal (it is in the workflow's history), so answering `success` afterwards never loses an event.
 * Late and orphan notifications follow the rules of the notes: a closed task whose record contains the notify_id
 * is a duplicate; anything else is recorded in the operators' inbox.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { INBOX_WORKFLOW_ID, INBOX_WORKFLOW_TYPE, unclaimedSignal } from '../../workflows/inbox';
import { notificationSignal, taskWorkflowId, type TaskNotification, type TaskResult } from '../../workflows/messages';

export type Delivery = 'delivered' | 'duplicate_of_closed_task' | 'recorded_for_operator';

export async function deliverNotification(client: Client, taskQueue: string, n: TaskNotification): Promise<Delivery> {
  const handle = client.workflow.getHandle(taskWorkflowId(n.event.outerTaskId));
  try {
    await handle.signal(notificationSignal, n);
    return 'delivered';
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err; // Temporal unreachable and the like: the caller answers fail
  }
  let reason = 'unknown_task';
  try {
    const desc = await handle.describe();
    reason = 'task_closed';
    if (desc.status.name === 'COMPLETED') {
      const result = (await handle.result()) as TaskResult;
      if (result.processedNotifyIds.includes(n.notifyId)) return 'duplicate_of_closed_task';
    }
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  await client.workflow.signalWithStart(INBOX_WORKFLOW_TYPE, {
    workflowId: INBOX_WORKFLOW_ID,
    taskQueue,
    args: [[]],
    signal: unclaimedSignal,
    signalArgs: [{ notification: n, reason }],
  });
  return 'recorded_for_operator';
}
