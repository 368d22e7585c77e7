/**
 * The data of one bounty task, as plain JSON (it travels in Temporal payloads and across continue-as-new).
 * Amounts are integer fen (safe-integer numbers); times are ms since epoch (workflow time).
 */
import type { FeeRates } from '../../alipay/core/fees';

/** What the site publishes; fixed for the life of the task (amount.append adds to it through its own records). */
export interface TaskSpec {
  /** The site's task id (outer_task_id); the workflow id is derived from it. */
  outerTaskId: string;
  title: string;
  /** task_type (different types are charged differently by Alipay). */
  taskType: string;
  /** The publisher on the site (outer_account_id) and, optionally, their nickname and Alipay 2088 id. */
  publisherId: string;
  publisherName?: string;
  publisherAlipayUserId?: string;
  /** The bounty to freeze (task_amount). */
  bountyFen: number;
  /** The value-added fee paid on top of the bounty, whole to the platform (additional_profit_amount); 0 for none. */
  valueAddedFeeFen: number;
  /** task_expired_time. */
  expiresAtMs: number;
  /** Fee rates in force when the task was published (the sandbox and the reports use the same rules). */
  feeRates: FeeRates;
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

/** A round of winner selection through task.confirm. */
export interface Round {
  round: number;
  /** End of this round's announcement period; undefined = immediate payment. */
  announceEndMs?: number;
  transferNos: string[];
  /** requested → confirmed (task_confirm notification) → payout_started → done. */
  status: 'requested' | 'confirmed' | 'payout_started' | 'abandoned';
  /** The signed task.confirm page of the round (re-printable until the publisher confirms it). */
  confirmUrl?: string;
  requestedAtMs?: number;
  /** Who withdrew an unconfirmed round, and when (operator action withdraw_round). */
  withdrawn?: { operator: string; atMs: number };
}

/** A leftover split (left.amount.handle), planned by the platform's admin after expiry. */
export interface LeftoverPlan {
  round: number;
  refund?: { serialNo: string; amountFen: number; status: 'planned' | 'accepted' | 'done' | 'failed' };
  platform?: {
    serialNo: string;
    shareFen: number;
    alipayFeeFen: number;
    platformFen: number;
    status: 'planned' | 'accepted' | 'done' | 'failed';
  };
  transferNos: string[];
  /** planned (page handed to the admin) → accepted (left_amount_handle) → done; withdrawn if the page could not be built. */
  status: 'planned' | 'accepted' | 'done' | 'withdrawn';
  acceptedAtMs?: number;
  overdueFlagged?: boolean;
  /** The admin's left.amount.handle form (re-printable until it is submitted). */
  adminPage?: import('../messages').AdminPage;
  plannedAtMs?: number;
  /** Whether an unsubmitted page was flagged for an operator. */
  unconfirmedFlagged?: boolean;
}

/** An amount.append: more bounty (and value-added fee) and/or a later deadline, confirmed by the publisher. */
export interface Append {
  append: number;
  freezeNo: string;
  valueAddedFeeTransferNo?: string;
  addBountyFen: number;
  addValueAddedFeeFen: number;
  newExpiresAtMs: number;
  requestedAtMs: number;
  /** requested → paid (its task_freeze arrived, or trade.query found it paid) | cancelled (trade.cancel) | refunded. */
  status: 'requested' | 'paid' | 'cancelled' | 'refunded';
  /** Whether the unknown-outcome path (query / cancel) already ran for it. */
  resolved?: boolean;
  /** Whether its value-added fee arrived (additional_profit_transfer). */
  valueAddedFeePaid?: boolean;
}

/** A step stopped by a failure that needs an operator (configuration, input, unresolved outcome). */
export interface BlockedStep {
  step: 'payout' | 'payment' | 'append';
  code: string;
  message: string;
  sinceMs: number;
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
  /** Stable machine code: AMOUNT_MISMATCH, UNKNOWN_TRANSFER, GATEWAY_CONFIGURATION, ... */
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

export interface TaskState {
  spec: TaskSpec;
  /** Business numbers of task.create. */
  freezeNo: string;
  valueAddedFeeTransferNo?: string;
  paid: boolean;
  paidAtMs?: number;
  ledger: LedgerFigures;
  transfers: Record<string, Transfer>;
  rounds: Round[];
  leftovers: LeftoverPlan[];
  /** Next index of the transfer business number (T1, T2, ...). */
  nextTransferIndex: number;
  /** notify_id of every notification applied or recorded, in arrival order (dedupe and the final record). */
  processedNotifyIds: string[];
  attention: AttentionItem[];
  cancelled: boolean;
  /** When the freeze payment is due (the unknown-outcome path runs after it). */
  paymentDeadlineMs?: number;
  /** Whether the unknown-outcome path of the freeze already ran. */
  paymentResolved?: boolean;
  appends: Append[];
  /** A step waiting for an operator's retry (the task keeps taking notifications meanwhile). */
  blocked?: BlockedStep;
  /** Notifications that report a later step than the task has seen yet (reordered); applied again after every change. */
  deferred: import('../messages').TaskNotification[];
  /** Winners whose cancellation had an unknown outcome: the cancel is repeated at once, with backoff, until known. */
  cancelUnknown: string[];
  /** When the next repeat of the unknown cancellations is due, and how many repeats ran. */
  cancelRetry?: { attempts: number; nextAtMs: number };
  /** Whether the task's own value-added fee is in the books (undefined in states from before this field). */
  valueAddedFeeBooked?: boolean;
  /** Results of selectWinners / planLeftover / extend by request (update) id: a repeat returns the same result, also after continue-as-new. */
  requests?: Record<string, unknown>;
  /** When an expired task with money left and no leftover plan was flagged for an operator. */
  leftoverFlaggedAtMs?: number;
  /** Freeze payments that arrived after the task was cancelled: their trades are cancelled (refunded) automatically. */
  latePayments: { freezeNo: string; amountFen: number; handled: boolean }[];
  /** Money settled outside the system, recorded by an operator; the task then closes. */
  manualSettlement?: { operator: string; reason: string; atMs: number; stillFrozenFen: number };
  /** Every operator action, in order (who, why, what it did). */
  operatorActions: import('../messages').OperatorAction[];
  /** How the task was cancelled before payment (the unknown-outcome path of the freeze): the evidence. */
  cancellation?: { outcome: 'closed' | 'refunded' | 'not_found' | 'trade_closed'; atMs: number };
  /** When the last expected notification arrived (the resend window runs from here). */
  lastNotificationAtMs?: number;
  settledAtMs?: number;
}
