/**
 * The operators' inbox: verified notifications that no open task took (unknown task, or a closed task whose
 * record does not contain them). They are recorded here, never dropped; the webhook answers `success` only after
 * Temporal accepted the signal (signal-with-start, so the inbox exists on first use). An operator resolves an item
 * (with who and why) once handled; only open items are carried across continue-as-new, so the inbox stays small.
 */
import { allHandlersFinished, condition, continueAsNew, defineQuery, defineSignal, defineUpdate, setHandler, workflowInfo } from '@temporalio/workflow';
import type { TaskNotification } from './messages';

export const INBOX_WORKFLOW_ID = 'witkey-inbox';
export const INBOX_WORKFLOW_TYPE = 'notificationInbox';

export interface InboxItem {
  notification: TaskNotification;
  /** Why no task took it: unknown_task, task_closed. */
  reason: string;
  receivedAtMs: number;
}

export interface InboxState {
  items: InboxItem[];
  /** How many items operators resolved (over the inbox's whole life). */
  resolvedCount: number;
}

export const unclaimedSignal = defineSignal<[Omit<InboxItem, 'receivedAtMs'>]>('unclaimed');
export const inboxQuery = defineQuery<InboxItem[]>('items');
export const resolveInboxItemUpdate = defineUpdate<{ remaining: number }, [{ notifyId: string; operator: string; reason: string }]>('resolveItem');

export async function notificationInbox(carried: InboxState | InboxItem[] = { items: [], resolvedCount: 0 }): Promise<void> {
  const state: InboxState = Array.isArray(carried) ? { items: carried, resolvedCount: 0 } : carried;
  const seen = new Set(state.items.map((i) => i.notification.notifyId));
  setHandler(unclaimedSignal, (item) => {
    if (seen.has(item.notification.notifyId)) return;
    seen.add(item.notification.notifyId);
    state.items.push({ ...item, receivedAtMs: Date.now() });
  });
  setHandler(inboxQuery, () => state.items);
  setHandler(
    resolveInboxItemUpdate,
    ({ notifyId }) => {
      state.items = state.items.filter((i) => i.notification.notifyId !== notifyId);
      state.resolvedCount += 1;
      return { remaining: state.items.length };
    },
    {
      validator: ({ notifyId, operator, reason }: { notifyId: string; operator: string; reason: string }) => {
        if (!operator?.trim() || !reason?.trim()) throw new Error('operator and reason are required');
        if (!state.items.some((i) => i.notification.notifyId === notifyId)) throw new Error(`notifyId: no open inbox item ${notifyId}`);
      },
    },
  );
  await condition(() => workflowInfo().continueAsNewSuggested);
  await condition(allHandlersFinished);
  await continueAsNew<typeof notificationInbox>(state);
}
