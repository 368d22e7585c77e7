/**
 * Delivering a verified notification to its task, durably: the call returns only after Temporal accepted the
 * signal (it is in the workflow's history), so answering `success` afterwards never loses an event.
 * Late and orphan notifications (docs/OPERATIONS.md, "Notifications: durable, deduplicated, never dropped"): a
 * closed task whose record contains the notify_id is a duplicate; anything else is recorded in the operators' inbox,
 * one workflow per notify_id (workflows/inbox-item.ts), and the call returns once that workflow's start is recorded.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import {
  INBOX_ITEM_MEMO,
  INBOX_ITEM_WORKFLOW_TYPE,
  inboxItemWorkflowId,
  inboxRecord,
  type inboxItem,
  type InboxItem,
  type InboxTask,
} from '../../workflows/inbox-item';
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
  let reason: 'unknown_task' | 'task_closed' = 'unknown_task';
  let task: InboxTask | undefined;
  try {
    const desc = await handle.describe();
    reason = 'task_closed';
    task = { status: desc.status.name };
    if (desc.status.name === 'COMPLETED') {
      const result = (await handle.result()) as TaskResult;
      if (result.processedNotifyIds.includes(n.notifyId)) return 'duplicate_of_closed_task';
      task.phase = result.view.phase;
    }
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  await recordInInbox(client, taskQueue, inboxRecord(n, reason, Date.now(), task));
  return 'recorded_for_operator';
}

/**
 * Starts the item's workflow (`witkey-inbox-<notify_id>`) and returns once its start is in the server's history.
 * A resend of the same notify_id finds the running item (conflict policy USE_EXISTING) or its resolved record
 * (reuse policy REJECT_DUPLICATE): recorded once either way.
 */
export async function recordInInbox(client: Client, taskQueue: string, record: InboxItem): Promise<void> {
  try {
    await client.workflow.start<typeof inboxItem>(INBOX_ITEM_WORKFLOW_TYPE, {
      workflowId: inboxItemWorkflowId(record.notification.notifyId),
      taskQueue,
      args: [record],
      memo: { [INBOX_ITEM_MEMO]: record },
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err; // resolved already: nothing to record
  }
}
