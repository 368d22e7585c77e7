/**
 * Every message of the bounty task workflow, in one module shared by the client, the webhook and the workflow.
 * - updates: actions that need validation and an answer (a validator refuses bad input before it enters history);
 * - signals: Alipay's notifications, each with its notify_id (deduplicated inside the workflow);
 * - query: the full state.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { NotifyEvent } from '../alipay/core/events';
import type { LeftoverInput, SelectWinnersInput } from './task/ledger';
import type { AttentionItem, LedgerFigures, LeftoverPlan, Phase, Round, TaskSpec, Transfer } from './task/types';

/** The workflow id of a task: one workflow per outer_task_id. */
export function taskWorkflowId(outerTaskId: string): string {
  return `witkey-task-${outerTaskId}`;
}

export const TASK_WORKFLOW_TYPE = 'bountyTask';

// ------------------------------------------------------------------------------------------ notifications

/**
 * A verified Alipay notification, as the webhook delivers it to the task: the protocol library's typed event
 * (amounts already in fen; alipay/core/events.ts, wire format in docs/PROTOCOL.md) with its notify_id, the dedupe
 * key. Return-page callbacks carry the same events under a synthetic notify_id (see returnNotifyId).
 * The workflow checks task, transfer numbers and amounts against its ledger and flags a mismatch for an operator.
 */
export interface TaskNotification {
  notifyId: string;
  /** notify_time (ms) as sent by Alipay, for the record. */
  notifyTime?: number;
  /** Where the event came from: the async notify, or the browser's return page. */
  via: 'notify' | 'return';
  event: NotifyEvent;
}

/** The dedupe key of a return-page callback (which has no notify_id): one per business step. */
export function returnNotifyId(event: NotifyEvent): string {
  switch (event.type) {
    case 'task_freeze':
      return `return:task_freeze:${event.outerTaskFreezeNo}`;
    case 'task_confirm':
      return `return:task_confirm:${event.transfers.map((t) => t.outerTransferNo).join(',')}`;
    case 'left_amount_handle':
      return `return:left_amount_handle:${[event.refund?.serialNo, event.platform?.serialNo, ...event.successBidders.map((b) => b.outerTransferNo), ...event.failureBidders.map((b) => b.outerTransferNo)].filter(Boolean).join(',')}`;
    default:
      return `return:${event.type}:${event.outerTaskId}`;
  }
}

export const notificationSignal = defineSignal<[TaskNotification]>('notification');

/**
 * A browser return on which Alipay refused the step (`is_success=F`, e.g. the publisher's task.confirm or the admin's
 * left.amount.handle was refused): verified by the webhook and delivered so the task records it for an operator.
 * Its dedupe key is `returnRefusalId`.
 */
export interface PageRefusal {
  outerTaskId: string;
  /** The service of the page (alipay.witkey.task.confirm, alipay.witkey.task.left.amount.handle, ...). */
  service: string;
  errorCode: string;
  /** The business numbers the return carried (transfer numbers, serial numbers, freeze number), for the record. */
  references: string[];
  atMs?: number;
}

export function returnRefusalId(r: PageRefusal): string {
  return `return-refused:${r.service}:${r.errorCode}:${r.references.join(',')}`;
}

export const pageRefusedSignal = defineSignal<[PageRefusal]>('pageRefused');

// ------------------------------------------------------------------------------------------ updates

export interface PublishResult {
  outerTaskId: string;
  /** The signed Alipay cashier URL the publisher's browser is sent to (the same on every repeat). */
  cashierUrl: string;
  phase: Phase;
}

/** Publish (with update-with-start): returns the cashier URL; the spec must equal the one the task was started with. */
export const publishUpdate = defineUpdate<PublishResult, [TaskSpec]>('publish');

export interface SelectWinnersResult {
  round: number;
  transferNos: string[];
  /** The signed task.confirm page the publisher confirms in the browser. */
  confirmUrl: string;
}

export const selectWinnersUpdate = defineUpdate<SelectWinnersResult, [SelectWinnersInput]>('selectWinners');

export interface CancelWinnersResult {
  cancelled: string[];
  failed: { transferNo: string; errorCode: string }[];
}

export const cancelWinnersUpdate = defineUpdate<CancelWinnersResult, [{ transferNos: string[] }]>('cancelWinners');

/** The admin's left.amount.handle page: a form POSTed by the admin's browser (the page interface is POST). */
export interface AdminPage {
  action: string;
  method: 'POST';
  fields: Record<string, string>;
}

export interface PlanLeftoverResult {
  round: number;
  transferNos: string[];
  refundSerialNo?: string;
  platformSerialNo?: string;
  adminPage: AdminPage;
}

export const planLeftoverUpdate = defineUpdate<PlanLeftoverResult, [LeftoverInput]>('planLeftover');

/** amount.append: add bounty (and a value-added fee) and/or move the deadline; a page the publisher confirms. */
export interface ExtendInput {
  /** Bounty added to the frozen amount (0 = only the deadline moves). */
  addBountyFen: number;
  addValueAddedFeeFen?: number;
  /** The new task_expired_time (ms, whole seconds), later than the current one. */
  newExpiresAtMs: number;
}

export interface ExtendResult {
  /** 1-based amount.append round. */
  append: number;
  freezeNo: string;
  /** The signed amount.append page the publisher pays / confirms in the browser. */
  appendUrl: string;
}

export const extendUpdate = defineUpdate<ExtendResult, [ExtendInput]>('extend');

/**
 * Operator actions on a task that needs attention. Every one is recorded in the task's state with who and why.
 * - retry: run the failed step again (after fixing configuration, or when Alipay is reachable again);
 * - acknowledge: mark attention items as handled (by code, or all), without changing money;
 * - settle_manually: record that the remaining money was settled outside the system; the task closes;
 * - cancel_unpaid: the publisher gave up before paying: resolve the freeze trade now (trade.query, then trade.cancel)
 *   instead of waiting for the payment deadline; a trade found paid keeps the task going;
 * - withdraw_round / withdraw_leftover: a page that was handed out but never confirmed stops holding money. A
 *   confirmation that still arrives later is not lost: it is recorded for an operator and keeps the task open.
 */
export type OperatorRequest =
  | { action: 'retry'; operator: string; reason: string }
  | { action: 'acknowledge'; operator: string; reason: string; codes?: string[] }
  | { action: 'settle_manually'; operator: string; reason: string }
  | { action: 'cancel_unpaid'; operator: string; reason: string }
  /** A round whose task.confirm page the publisher never confirmed: its amounts are freed now, not at expiry. */
  | { action: 'withdraw_round'; operator: string; reason: string; round: number }
  /** A leftover plan whose admin page was never submitted: its amounts are freed so a new plan can be made. */
  | { action: 'withdraw_leftover'; operator: string; reason: string; round: number }
  /**
   * A winner whose cancellation had an unknown outcome when the announcement ended is held, never paid by itself:
   * `pay` releases the payout (the cancel did not happen), `cancelled` records it cancelled (checked with Alipay).
   */
  | {
      action: 'resolve_held_transfer';
      operator: string;
      reason: string;
      transferNo: string;
      outcome: 'pay' | 'cancelled';
    };

export interface OperatorAction {
  action: OperatorRequest['action'];
  operator: string;
  reason: string;
  atMs: number;
  /** What the action did, in words. */
  outcome: string;
}

export const operatorUpdate = defineUpdate<TaskView, [OperatorRequest]>('operator');

// ------------------------------------------------------------------------------------------ query

export interface TaskView {
  outerTaskId: string;
  phase: Phase;
  spec: TaskSpec;
  freezeNo: string;
  valueAddedFeeTransferNo?: string;
  ledger: LedgerFigures;
  /** Frozen money not yet spoken for (what a new round or a leftover plan may use). */
  availableFen: number;
  transfers: Transfer[];
  rounds: Round[];
  leftovers: LeftoverPlan[];
  attention: AttentionItem[];
  needsAttention: boolean;
  /** What the task waits for next, in words (for people and the CLI). */
  pendingActions: string[];
  notificationsProcessed: number;
  cashierUrl?: string;
  operatorActions: OperatorAction[];
  /** When the bounty was frozen (paid_time), when the task was cancelled and why, when it was settled by hand. */
  paidAtMs?: number;
  cancellation?: { outcome: 'closed' | 'refunded' | 'not_found' | 'trade_closed'; atMs: number };
  manualSettlement?: { operator: string; reason: string; atMs: number; stillFrozenFen: number };
  settledAtMs?: number;
}

export const stateQuery = defineQuery<TaskView>('state');

/** What the workflow returns when it closes: the final view and every notify_id it processed. */
export interface TaskResult {
  view: TaskView;
  processedNotifyIds: string[];
}
