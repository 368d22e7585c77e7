/**
 * The operators' inbox, one workflow per item: a verified notification that no open task took (unknown task, or a
 * closed task whose record does not contain it). The webhook starts `witkey-inbox-<notify_id>` (type `inboxItem`)
 * and answers `success` only once the start is recorded; a resend of the same notify_id finds the same workflow
 * (recorded once). The item's record is its memo (`item`), so the inbox is listed from the visibility store
 * without asking a worker:
 *
 *   WorkflowType = 'inboxItem' AND ExecutionStatus = 'Running'
 *
 * The workflow waits for an operator's `resolve` update (who and why), then completes with the resolved record.
 * No item ever carries another, so no payload grows with the size of the inbox.
 */
import { allHandlersFinished, condition, defineQuery, defineUpdate, setHandler } from '@temporalio/workflow';
import { formatYuan } from '../alipay/core/money';
import type { NotifyEvent } from '../alipay/core/events';
import type { TaskNotification } from './messages';

export const INBOX_ITEM_WORKFLOW_TYPE = 'inboxItem';
/** The memo key that holds an item's record (what the listing shows). */
export const INBOX_ITEM_MEMO = 'item';

/** One workflow per notify_id: the dedupe key of Alipay's resends is the workflow id. */
export function inboxItemWorkflowId(notifyId: string): string {
  return `witkey-inbox-${notifyId}`;
}

/** The visibility query of the open items. */
export const OPEN_INBOX_ITEMS_QUERY = `WorkflowType = '${INBOX_ITEM_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running'`;

/** Why no task took the notification. */
export type InboxReason = 'unknown_task' | 'task_closed';

/** What the notification says about money, so an operator sees at once whether money may sit at Alipay. */
export interface InboxMoney {
  /** The amount the notification reports, in fen (the sum when it lists several transfers). */
  amountFen: number;
  /**
   * True when the notification means money may still be frozen at Alipay with no open task to settle it (a freeze
   * paid, winner payments confirmed into an announcement period, a leftover being handled, a failed transfer):
   * it must be refunded or settled by hand.
   */
  mayBeFrozenAtAlipay: boolean;
  /** In words, with the amount in yuan. */
  summary: string;
}

/** The closed task the notification arrived for (reason task_closed). */
export interface InboxTask {
  /** How its workflow closed: COMPLETED, TERMINATED, FAILED, ... */
  status: string;
  /** Its final phase (settled, cancelled, ...) when it completed. */
  phase?: string;
}

export interface InboxResolution {
  operator: string;
  reason: string;
  atMs: number;
}

/** An inbox item's record. */
export interface InboxItem {
  notification: TaskNotification;
  /** Why no task took it (InboxReason; the old inbox recorded the same words). */
  reason: string;
  receivedAtMs: number;
  /** Present on every item recorded by the per-item inbox (items handed over from the old inbox get it too). */
  money?: InboxMoney;
  task?: InboxTask;
  /** Set once an operator resolved the item (the workflow's result). */
  resolution?: InboxResolution;
}

export interface ResolveInboxItemInput {
  operator: string;
  reason: string;
}

export const resolveUpdate = defineUpdate<InboxItem, [ResolveInboxItemInput]>('resolve');
export const itemQuery = defineQuery<InboxItem>('item');

const MAX_OPERATOR = 200;
const MAX_REASON = 2_000;

/** Refuses a resolution without who and why (or with absurdly long ones). */
export function validateResolution(input: ResolveInboxItemInput | undefined): void {
  const operator = typeof input?.operator === 'string' ? input.operator.trim() : '';
  const reason = typeof input?.reason === 'string' ? input.reason.trim() : '';
  if (!operator) throw new Error('operator: who resolves the item is required');
  if (!reason) throw new Error('reason: why the item is resolved is required');
  if (operator.length > MAX_OPERATOR) throw new Error(`operator: at most ${MAX_OPERATOR} characters`);
  if (reason.length > MAX_REASON) throw new Error(`reason: at most ${MAX_REASON} characters`);
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/** What a notification says about money (every witkey notification carries an amount). */
export function moneyOf(event: NotifyEvent): InboxMoney {
  const y = (fen: number): string => `¥${formatYuan(fen)}`;
  const failed = (status: string): boolean => status === 'F';
  switch (event.type) {
    case 'task_freeze': {
      const amountFen = event.taskAmountFen + (event.additionalProfitAmountFen ?? 0);
      return {
        amountFen,
        mayBeFrozenAtAlipay: true,
        summary: `${y(amountFen)} paid by the publisher and frozen at Alipay (freeze ${event.outerTaskFreezeNo}); no open task holds it: refund or settle it by hand`,
      };
    }
    case 'additional_profit_transfer':
      return {
        amountFen: event.amountFen,
        mayBeFrozenAtAlipay: failed(event.status),
        summary: `value-added fee ${y(event.amountFen)} to the platform ${failed(event.status) ? `FAILED (${event.errorCode ?? 'no code'}): the money may still be at Alipay` : 'transferred'}`,
      };
    case 'task_confirm': {
      const amountFen = sum(event.transfers.map((t) => t.amountFen));
      return {
        amountFen,
        mayBeFrozenAtAlipay: true,
        summary: `${y(amountFen)} in ${event.transfers.length} winner payment(s) confirmed at Alipay (${event.transfers.map((t) => `${t.outerTransferNo} ${t.status}`).join(', ')}); no open task follows them`,
      };
    }
    case 'left_amount_handle': {
      const amountFen =
        (event.refund?.amountFen ?? 0) +
        (event.platform?.amountFen ?? 0) +
        sum(event.successBidders.map((b) => b.amountFen)) +
        sum(event.failureBidders.map((b) => b.amountFen));
      return {
        amountFen,
        mayBeFrozenAtAlipay: true,
        summary: `leftover of ${y(amountFen)} being handled at Alipay (refund, platform share, winners); no open task follows it`,
      };
    }
    case 'refund_transfer':
      return {
        amountFen: event.amountFen,
        mayBeFrozenAtAlipay: failed(event.status),
        summary: `refund of ${y(event.amountFen)} to the publisher ${failed(event.status) ? `FAILED (${event.errorCode ?? 'no code'}): the money may still be frozen at Alipay` : 'done'}`,
      };
    case 'assign_transfer':
      return {
        amountFen: event.amountFen,
        mayBeFrozenAtAlipay: failed(event.status),
        summary: `winner payment ${event.outerTransferNo} of ${y(event.amountFen)} ${failed(event.status) ? `FAILED (${event.errorCode ?? 'no code'}): the money may still be frozen at Alipay` : 'paid'}`,
      };
    case 'platform_profit_transfer':
      return {
        amountFen: event.profitAmountFen,
        mayBeFrozenAtAlipay: failed(event.status),
        summary: `platform share ${event.outerTransferNo} of ${y(event.profitAmountFen)} ${failed(event.status) ? `FAILED (${event.errorCode ?? 'no code'}): the money may still be at Alipay` : 'transferred'}`,
      };
    default: {
      const other = event as { type?: string };
      return {
        amountFen: 0,
        mayBeFrozenAtAlipay: true,
        summary: `notification ${other.type ?? '?'} (unknown kind): check it at Alipay`,
      };
    }
  }
}

/** The record of a new item. */
export function inboxRecord(
  notification: TaskNotification,
  reason: string,
  receivedAtMs: number,
  task?: InboxTask,
): InboxItem {
  return { notification, reason, receivedAtMs, money: moneyOf(notification.event), ...(task ? { task } : {}) };
}

/** One open inbox item: waits for an operator's resolution, then completes with the resolved record. */
export async function inboxItem(item: InboxItem): Promise<InboxItem> {
  let record: InboxItem = { ...item, money: item.money ?? moneyOf(item.notification.event) };
  setHandler(itemQuery, () => record);
  setHandler(
    resolveUpdate,
    (input) => {
      record = {
        ...record,
        resolution: { operator: input.operator.trim(), reason: input.reason.trim(), atMs: Date.now() },
      };
      return record;
    },
    {
      validator: (input: ResolveInboxItemInput) => {
        if (record.resolution)
          throw new Error(
            `notifyId: inbox item ${record.notification.notifyId} is already resolved by ${record.resolution.operator}`,
          );
        validateResolution(input);
      },
    },
  );
  await condition(() => record.resolution !== undefined);
  await condition(allHandlersFinished);
  return record;
}
