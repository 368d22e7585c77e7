/**
 * Every message of the bounty task workflow, in one module shared by the client, the webhook and the workflow:
 * each message with the types of its input and its result.
 * - updates: actions that need validation and an answer (a validator refuses bad input before it enters history);
 * - signals: Alipay's notifications, each with its notify_id (deduplicated inside the workflow);
 * - query: the full state, built from the task's records (terms, transfers, rounds, leftover plans, ledger).
 *
 * A leaf: it imports no other module of the workflow, so the ledger and the task's state build on it, never the
 * other way round.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { NotifyEvent } from '../alipay/core/events';
import type { FeeRates } from '../alipay/core/fees';

/** The workflow id of a task: one workflow per outer_task_id. */
export function taskWorkflowId(outerTaskId: string): string {
  return `witkey-task-${outerTaskId}`;
}

export const TASK_WORKFLOW_TYPE = 'bountyTask';

/**
 * How a query that met a stale workflow clock fails (workflows/stale-time-guard.ts): the worker dropped the run and
 * the next workflow task replays it; the same query asked again is answered.
 */
export const STALE_TIME_FAILURE = 'stale workflow time';

/**
 * How a workflow task fails when a query task's activation kept commands that it would send out of replay order
 * (workflows/unsent-commands-guard.ts): the worker drops the run and the retried task replays it.
 */
export const UNSENT_COMMANDS_FAILURE = 'unsent commands of a query task';

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
    case 'left_amount_handle': {
      const references = [
        event.refund?.serialNo,
        event.platform?.serialNo,
        ...event.successBidders.map((b) => b.outerTransferNo),
        ...event.failureBidders.map((b) => b.outerTransferNo),
      ];
      return `return:left_amount_handle:${references.filter(Boolean).join(',')}`;
    }
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

// ------------------------------------------------------------------------------------------ the task's records

/**
 * The terms of the task: what the site published, kept current. Two fields move after publishing (the rest is
 * fixed): the deadline, moved later by each amount.append that is paid, and the publisher's Alipay id, learnt from
 * the freeze notification when the site did not give it.
 */
export interface TaskTerms {
  /** The site's task id (outer_task_id); the workflow id is derived from it. */
  readonly outerTaskId: string;
  readonly title: string;
  /** task_type (different types are charged differently by Alipay). */
  readonly taskType: string;
  /** The publisher on the site (outer_account_id) and, optionally, their nickname and Alipay 2088 id. */
  readonly publisherId: string;
  readonly publisherName?: string;
  publisherAlipayUserId?: string;
  /** The bounty to freeze (task_amount); an amount.append adds to the frozen bounty through its own record. */
  readonly bountyFen: number;
  /** The value-added fee paid on top of the bounty, whole to the platform (additional_profit_amount); 0 for none. */
  readonly valueAddedFeeFen: number;
  /** task_expired_time. */
  expiresAtMs: number;
  /** Fee rates in force when the task was published (the sandbox and the reports use the same rules). */
  readonly feeRates: FeeRates;
}

/**
 * A winner transfer (outer_transfer_no), from selection to its end.
 * - requested: in a task.confirm page handed to the publisher; amount earmarked
 * - waiting: confirmed with an announcement period (W); amount earmarked until payout
 * - paying: payout accepted (confirm.by.platform, or I immediately); the money moves on notifications
 * - paid: the winner's share arrived (assign_transfer); the commission follows with platform_profit_transfer
 * - failed: Alipay reported F, or the winner's account failed; the amount is free again
 * - cancelled: cancelled during the announcement (cancel.confirm.by.platform); the amount is free again
 * - abandoned: the publisher never confirmed the page before the task expired; the amount is free again
 */
export type TransferStatus = 'requested' | 'waiting' | 'paying' | 'paid' | 'failed' | 'cancelled' | 'abandoned';

/** How a transfer is paid: after an announcement period, immediately, or from the leftover. */
export type TransferPath = 'announce' | 'immediate' | 'leftover';

export interface Transfer {
  transferNo: string;
  /** Selection round (1-based) or leftover round for path 'leftover'. */
  round: number;
  path: TransferPath;
  winnerAlipayUserId: string;
  winnerNickname: string;
  /** The amount in transfer_detail: what leaves the frozen bounty for this winner. */
  grossFen: number;
  /** Our computation of the split of grossFen (commission, the winner's share, Alipay's fee, the platform's share). */
  commissionFen: number;
  winnerFen: number;
  alipayFeeFen: number;
  platformFen: number;
  status: TransferStatus;
  /**
   * The payout is held for an operator: the winner's cancellation had an unknown outcome that could not be resolved
   * before the announcement ended (operator action resolve_held_transfer pays it or records it cancelled).
   */
  payoutHeld?: boolean;
  /** Set when the winner's share arrived / the commission arrived (notifications). */
  winnerPaid: boolean;
  commissionSettled: boolean;
  /** Alipay's error code, when it refused or failed the transfer. */
  errorCode?: string;
  /** When the money started moving (paying): its notifications are overdue after the resend window. */
  payingSinceMs?: number;
  /** Whether an overdue notification was flagged for an operator. */
  overdueFlagged?: boolean;
}

/**
 * A round of winner selection through task.confirm: requested (page handed to the publisher) → confirmed
 * (task_confirm) → payout_started (an announced round whose payout was accepted); abandoned when the publisher
 * never confirmed it before the deadline, or an operator withdrew it. An immediate round stays confirmed.
 */
export type RoundStatus = 'requested' | 'confirmed' | 'payout_started' | 'abandoned';

/** A round of winner selection through task.confirm. */
export interface Round {
  round: number;
  /** End of this round's announcement period; undefined = immediate payment. */
  announceEndMs?: number;
  transferNos: string[];
  /** The allowed moves are in task/ledger/status-graphs.ts. */
  status: RoundStatus;
  /** The signed task.confirm page of the round (re-printable until the publisher confirms it). */
  confirmUrl?: string;
  requestedAtMs?: number;
  /** Who withdrew an unconfirmed round, and when (operator action withdraw_round). */
  withdrawn?: { operator: string; atMs: number };
}

/** planned (page handed to the admin) → accepted (left_amount_handle) → done; withdrawn if never submitted. */
export type LeftoverPlanStatus = 'planned' | 'accepted' | 'done' | 'withdrawn';

/** A part of a leftover plan (the refund, the platform share): planned → accepted → done or failed. */
export type LeftoverPartStatus = 'planned' | 'accepted' | 'done' | 'failed';

/** A leftover split (left.amount.handle), planned by the platform's admin after expiry. */
export interface LeftoverPlan {
  round: number;
  refund?: { serialNo: string; amountFen: number; status: LeftoverPartStatus };
  platform?: {
    serialNo: string;
    shareFen: number;
    alipayFeeFen: number;
    platformFen: number;
    status: LeftoverPartStatus;
  };
  transferNos: string[];
  /** The allowed moves are in task/ledger/status-graphs.ts. */
  status: LeftoverPlanStatus;
  acceptedAtMs?: number;
  overdueFlagged?: boolean;
  /** The admin's left.amount.handle form (re-printable until it is submitted). */
  adminPage?: AdminPage;
  plannedAtMs?: number;
  /** Whether an unsubmitted page was flagged for an operator. */
  unconfirmedFlagged?: boolean;
}

/** The five buckets of the conservation invariant, plus what came in. */
export interface LedgerFigures {
  /** Bounty frozen by Alipay for this task so far (task_freeze and amount.append). */
  bountyFrozenFen: number;
  /** Value-added fee paid to the platform (additional_profit_transfer). */
  valueAddedFeePaidFen: number;
  winnersReceivedFen: number;
  /** Commissions net of Alipay's fee, leftover platform shares net of Alipay's fee, value-added fees. */
  platformReceivedFen: number;
  alipayFeesFen: number;
  refundedFen: number;
  stillFrozenFen: number;
}

export interface AttentionItem {
  /** Stable machine code: AMOUNT_MISMATCH, UNKNOWN_TRANSFER, PAYOUT_FAILED, ... (docs/OPERATIONS.md lists them) */
  code: string;
  message: string;
  /** The evidence: the notification or the gateway answer, as received (no secrets). */
  evidence?: unknown;
  atMs: number;
  resolved?: boolean;
}

export type Phase =
  | 'awaiting_payment'
  | 'open'
  | 'announcement'
  | 'payout'
  | 'expired'
  | 'leftover'
  | 'closing'
  | 'settled'
  | 'cancelled';

// ------------------------------------------------------------------------------------------ updates

export interface PublishResult {
  outerTaskId: string;
  /** The signed Alipay cashier URL the publisher's browser is sent to (the same on every repeat). */
  cashierUrl: string;
  phase: Phase;
}

/** Publish (with update-with-start): returns the cashier URL; the spec must equal the one the task was started with. */
export const publishUpdate = defineUpdate<PublishResult, [TaskTerms]>('publish');

export interface WinnerInput {
  /** The winner's Alipay user id (2088…, 16 digits). */
  alipayUserId: string;
  nickname: string;
  amountFen: number;
}

export interface SelectWinnersInput {
  winners: WinnerInput[];
  /** End of the announcement period (ms); omitted = pay immediately. */
  announceEndMs?: number;
}

export interface SelectWinnersResult {
  round: number;
  transferNos: string[];
  /** The signed task.confirm page the publisher confirms in the browser. */
  confirmUrl: string;
}

export const selectWinnersUpdate = defineUpdate<SelectWinnersResult, [SelectWinnersInput]>('selectWinners');

/** Winners to cancel during their announcement period (by transfer number). */
export interface CancelWinnersInput {
  transferNos: string[];
}

export interface CancelWinnersResult {
  cancelled: string[];
  failed: { transferNo: string; errorCode: string }[];
}

export const cancelWinnersUpdate = defineUpdate<CancelWinnersResult, [CancelWinnersInput]>('cancelWinners');

/** The admin's left.amount.handle page: a form POSTed by the admin's browser (the page interface is POST). */
export interface AdminPage {
  action: string;
  method: 'POST';
  fields: Record<string, string>;
}

/** A leftover split: a refund to the publisher, a share to the platform, and/or other winners. */
export interface LeftoverInput {
  refundFen: number;
  platformFen: number;
  winners: WinnerInput[];
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
  spec: TaskTerms;
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
