/**
 * The OLD operators' inbox (`witkey-inbox`, type `notificationInbox`): one workflow that carried every open item
 * across continue-as-new, until its input outgrew the payload size limit and the server terminated it (issue #10).
 * New items go to one workflow per item (workflows/inbox-item.ts); nothing starts this workflow any more.
 *
 * It stays registered so that instances still running on existing databases finish: they hand their items over.
 * - A run of this code that started after the change (patch `inbox-per-item-handover`: e.g. the continue-as-new of
 *   an old run, or a signal-with-start from a webhook not yet upgraded) hands its items over at once.
 * - A run that started before it keeps the old behaviour on replay (deterministic) until it receives the
 *   `handOver` signal, which `WitkeyTasks.inbox()` (`witkey inbox`) sends whenever `witkey-inbox` is running.
 * Handing over starts one `inboxItem` child per open item (same record, id `witkey-inbox-<notify_id>`, abandoned
 * when this workflow completes; an id already taken means the item is recorded there), in batches, continuing as
 * new every HANDOVER_PER_RUN items so no run holds too many pending children; then the workflow completes.
 * While it hands over, `resolveItem` is refused (resolve the per-item workflow instead).
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  ParentClosePolicy,
  patched,
  setHandler,
  startChild,
  workflowInfo,
  WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  INBOX_ITEM_MEMO,
  inboxItem,
  inboxItemWorkflowId,
  inboxRecord,
  type InboxItem as InboxRecord,
} from './inbox-item';
import type { TaskNotification } from './messages';

export type { InboxRecord };
export { INBOX_ITEM_WORKFLOW_TYPE, inboxItemWorkflowId, OPEN_INBOX_ITEMS_QUERY } from './inbox-item';

export const INBOX_WORKFLOW_ID = 'witkey-inbox';
export const INBOX_WORKFLOW_TYPE = 'notificationInbox';
/** Runs of notificationInbox started by this code hand their items over at once. */
export const HANDOVER_PATCH = 'inbox-per-item-handover';
/** Items handed over per run (each is a pending child until resolved; the server limits pending children). */
export const HANDOVER_PER_RUN = 500;
const HANDOVER_BATCH = 100;

/** An item as the old inbox holds it. */
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

export interface HandoverResult {
  /** Items handed over to per-item workflows by this run. */
  handedOver: number;
  resolvedCount: number;
}

export const unclaimedSignal = defineSignal<[Omit<InboxItem, 'receivedAtMs'>]>('unclaimed');
/** Asks a running old inbox to hand its items over to per-item workflows and complete. */
export const handOverSignal = defineSignal('handOver');
export const inboxQuery = defineQuery<InboxItem[]>('items');
export const resolveInboxItemUpdate = defineUpdate<
  { remaining: number },
  [{ notifyId: string; operator: string; reason: string }]
>('resolveItem');

export async function notificationInbox(
  carried: InboxState | InboxItem[] = { items: [], resolvedCount: 0 },
): Promise<void | HandoverResult> {
  const state: InboxState = Array.isArray(carried) ? { items: carried, resolvedCount: 0 } : carried;
  const seen = new Set(state.items.map((i) => i.notification.notifyId));
  let handingOver = false;
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
        if (handingOver)
          throw new Error(
            `notifyId: the old inbox is handing item ${notifyId} over to workflow ${inboxItemWorkflowId(notifyId)}; resolve it there`,
          );
        if (!state.items.some((i) => i.notification.notifyId === notifyId))
          throw new Error(`notifyId: no open inbox item ${notifyId}`);
      },
    },
  );
  let handOver = false;
  setHandler(handOverSignal, () => {
    handOver = true;
  });
  // a run started by this code hands over at once; a run replayed from before the change waits for handOver
  if (patched(HANDOVER_PATCH)) handOver = true;
  await condition(() => handOver || workflowInfo().continueAsNewSuggested);
  if (!handOver) {
    await condition(allHandlersFinished);
    await continueAsNew<typeof notificationInbox>(state);
  }

  handingOver = true;
  let handedOver = 0;
  while (state.items.length > 0) {
    if (handedOver >= HANDOVER_PER_RUN) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof notificationInbox>(state);
    }
    const batch = state.items.slice(0, Math.min(HANDOVER_BATCH, HANDOVER_PER_RUN - handedOver));
    await Promise.all(batch.map((item) => handOverItem(item)));
    const done = new Set(batch.map((i) => i.notification.notifyId));
    state.items = state.items.filter((i) => !done.has(i.notification.notifyId));
    handedOver += batch.length;
  }
  await condition(allHandlersFinished);
  return { handedOver, resolvedCount: state.resolvedCount };
}

async function handOverItem(item: InboxItem): Promise<void> {
  const record: InboxRecord = inboxRecord(item.notification, item.reason, item.receivedAtMs);
  try {
    await startChild(inboxItem, {
      workflowId: inboxItemWorkflowId(item.notification.notifyId),
      args: [record],
      memo: { [INBOX_ITEM_MEMO]: record },
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
  } catch (err) {
    // already recorded as its own item (a resend delivered after the change), open or resolved: nothing to move
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}
