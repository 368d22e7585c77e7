/**
 * The data of one bounty task, as plain JSON (it travels in Temporal payloads and across continue-as-new).
 * Amounts are integer fen (safe-integer numbers); times are ms since epoch (workflow time).
 *
 * The records the `state` query shows (terms, transfers, rounds, leftover plans, ledger figures, attention items)
 * are defined with the messages (../messages.ts) and re-exported here; this module adds what only the workflow
 * keeps: appends, a blocked step, and the state as a whole.
 */
import type {
  AttentionItem,
  LedgerFigures,
  LeftoverPlan,
  OperatorAction,
  Round,
  TaskNotification,
  TaskTerms,
  Transfer,
} from '../messages';

export type {
  AttentionItem,
  LedgerFigures,
  LeftoverPartStatus,
  LeftoverPlan,
  LeftoverPlanStatus,
  Phase,
  Round,
  RoundStatus,
  TaskTerms,
  Transfer,
  TransferPath,
  TransferStatus,
} from '../messages';

/** requested → paid (its task_freeze arrived, or trade.query found it paid) | cancelled (trade.cancel) | refunded. */
export type AppendStatus = 'requested' | 'paid' | 'cancelled' | 'refunded';

/** An amount.append: more bounty (and value-added fee) and/or a later deadline, confirmed by the publisher. */
export interface Append {
  append: number;
  freezeNo: string;
  valueAddedFeeTransferNo?: string;
  addBountyFen: number;
  addValueAddedFeeFen: number;
  newExpiresAtMs: number;
  requestedAtMs: number;
  /** The allowed moves are in ledger/status-graphs.ts. */
  status: AppendStatus;
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

export interface TaskState {
  spec: TaskTerms;
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
  /** Notifications reporting a later step than the task has seen yet (reordered); applied again after every change. */
  deferred: TaskNotification[];
  /** Winners whose cancellation had an unknown outcome: the cancel is repeated at once, with backoff, until known. */
  cancelUnknown: string[];
  /** When the next repeat of the unknown cancellations is due, and how many repeats ran. */
  cancelRetry?: { attempts: number; nextAtMs: number };
  /** Whether the task's own value-added fee is in the books (undefined in states from before this field). */
  valueAddedFeeBooked?: boolean;
  /**
   * Results of selectWinners / planLeftover / extend by request (update) id: a repeat returns the same result, also
   * after continue-as-new.
   */
  requests?: Record<string, unknown>;
  /** When an expired task with money left and no leftover plan was flagged for an operator. */
  leftoverFlaggedAtMs?: number;
  /** Freeze payments that arrived after the task was cancelled: their trades are cancelled (refunded) automatically. */
  latePayments: { freezeNo: string; amountFen: number; handled: boolean }[];
  /** Money settled outside the system, recorded by an operator; the task then closes. */
  manualSettlement?: { operator: string; reason: string; atMs: number; stillFrozenFen: number };
  /** Every operator action, in order (who, why, what it did). */
  operatorActions: OperatorAction[];
  /** How the task was cancelled before payment (the unknown-outcome path of the freeze): the evidence. */
  cancellation?: { outcome: 'closed' | 'refunded' | 'not_found' | 'trade_closed'; atMs: number };
  /** When the last expected notification arrived (the resend window runs from here). */
  lastNotificationAtMs?: number;
  settledAtMs?: number;
}
