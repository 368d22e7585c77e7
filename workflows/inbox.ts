/**
 * The operators' inbox: verified notifications that no open task took (unknown task, or a closed task whose
 * record does not contain them). They are recorded here, never dropped; the webhook answers `success` only after
 * Temporal accepted the signal (signal-with-start, so the inbox exists on first use).
 */
import { allHandlersFinished, condition, continueAsNew, defineQuery, defineSignal, setHandler, workflowInfo } from '@temporalio/workflow';
import type { TaskNotification } from './messages';

export const INBOX_WORKFLOW_ID = 'witkey-inbox';
export const INBOX_WORKFLOW_TYPE = 'notificationInbox';

export interface InboxItem {
  notification: TaskNotification;
  /** Why no task took it: unknown_task, task_closed. */
  reason: string;
  receivedAtMs: number;
}

export const unclaimedSignal = defineSignal<[Omit<InboxItem, 'receivedAtMs'>]>('unclaimed');
export const inboxQuery = defineQuery<InboxItem[]>('items');

export async function notificationInbox(carried: InboxItem[] = []): Promise<void> {
  const items = [...carried];
  const seen = new Set(items.map((i) => i.notification.notifyId));
  setHandler(unclaimedSignal, (item) => {
    if (seen.has(item.notification.notifyId)) return;
    seen.add(item.notification.notifyId);
    items.push({ ...item, receivedAtMs: Date.now() });
  });
  setHandler(inboxQuery, () => items);
  await condition(() => workflowInfo().continueAsNewSuggested);
  await condition(allHandlersFinished);
  await continueAsNew<typeof notificationInbox>(items);
}
