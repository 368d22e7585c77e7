// The sandbox's persisted state: plain JSON data (ledger, tasks, transfers, business numbers, replayable outcomes,
// notifications and their attempts). Every mutation happens on a copy that is checked and written before it
// replaces the live state (see store.ts), so a refused operation leaves nothing behind.

import type { NotifyEvent } from '../alipay/core/events';

/** One posting of the double-entry journal: `amountFen` moves from `from` to `to`. */
export interface Posting {
  readonly seq: number;
  /** Sandbox clock, ms. */
  readonly at: number;
  readonly from: string;
  readonly to: string;
  readonly amountFen: number;
  readonly partner: string;
  readonly outerTaskId: string;
  /** What caused it: "freeze", "value_added_fee", "winner_payment", "commission", "alipay_fee", "refund", ... */
  readonly reason: string;
  /** The business number behind it (freeze no, transfer no, serial). */
  readonly ref: string;
}

/** Per-task figures of the SPEC-NOTES invariant, in fen. */
export interface TaskTotals {
  bountyFrozen: number;
  valueAddedPaid: number;
  winnersReceived: number;
  platformReceived: number;
  alipayFees: number;
  refunded: number;
}

export type TradeStatus = 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_CLOSED';

/** A freeze payment (task.create or amount.append); addressable on the OpenAPI side by out_trade_no = freezeNo. */
export interface FreezeRecord {
  freezeNo: string;
  kind: 'create' | 'append';
  /** Alipay's trade number (sandbox-made, 28 digits). */
  tradeNo: string;
  amountFen: number;
  profitFen: number;
  profitNo?: string;
  /** New deadline of an amount.append (epoch ms). */
  newExpiresAt?: number;
  status: TradeStatus;
  /** How the trade was closed, when it was: close (never paid) or refund (paid, money returned). */
  cancelAction?: 'close' | 'refund';
  payerUserId?: string;
  paidAt?: number;
  requestHash: string;
  notifyUrl: string;
  returnUrl: string;
  charset: string;
  signType: string;
  createdAt: number;
}

export type TaskStatus = 'WAIT_PAY' | 'OPEN' | 'CLOSED';

export interface TaskRecord {
  outerTaskId: string;
  partner: string;
  outerAccountId: string;
  outerAccountName?: string;
  /** The publisher's 2088 id (the payer of the first freeze). */
  publisherUserId?: string;
  title: string;
  type: string;
  expiresAt: number;
  status: TaskStatus;
  freezes: FreezeRecord[];
  /** Sum of the amounts of W transfers (promised, still frozen). */
  committedFen: number;
  totals: TaskTotals;
  createdAt: number;
}

/**
 * Transfer status: W waiting for the announcement end, I paid immediately (task.confirm without announcement or
 * left.amount.handle), S paid by confirm.by.platform after the announcement, C cancelled by the platform, F failed
 * (the winner's account is abnormal: nothing was paid, the amount stays frozen for the task; `errorCode` says why).
 */
export type TransferStatus = 'W' | 'I' | 'S' | 'C' | 'F';

export interface TransferRecord {
  outerTransferNo: string;
  outerTaskId: string;
  partner: string;
  source: 'task.confirm' | 'left.amount.handle';
  amountFen: number;
  winnerUserId: string;
  nickname: string;
  status: TransferStatus;
  announceEnd?: number;
  commissionFen: number;
  winnerFen: number;
  alipayFeeFen: number;
  platformFen: number;
  /** Where its payment notifications go (the notify_url, charset and sign_type of the confirming request). */
  notifyUrl: string;
  charset: string;
  signType: string;
  /** Hash of the record as requested: a different record under this number is WITKEY_DATA_NOT_MATCH. */
  recordHash: string;
  createdAt: number;
  paidAt?: number;
  cancelledAt?: number;
  /** F: Alipay's error_code and when it failed. */
  errorCode?: string;
  failedAt?: number;
  /** F: where it failed (task.confirm, the payment, left.amount.handle). */
  failedStage?: 'confirm' | 'payment' | 'leftover';
}

/** Every business number ever used, per partner: no two steps may share one. */
export interface NumberRecord {
  kind: 'freeze' | 'profit' | 'transfer' | 'refund' | 'platform';
  outerTaskId: string;
  hash: string;
}

/** The outcome of an executed request, replayed when the very same request arrives again. */
export interface OperationRecord {
  service: string;
  at: number;
  /** Service-specific result, enough to rebuild the reply. */
  result: Record<string, unknown>;
}

export interface AttemptRecord {
  n: number;
  /** Sandbox clock, ms. */
  at: number;
  wallAt: number;
  kind: 'sent' | 'duplicate' | 'dropped';
  httpStatus?: number;
  /** The answer body (first 500 characters). */
  answer?: string;
  error?: string;
  success: boolean;
  badSignature?: boolean;
  charset?: string;
}

export interface NotificationFaultState {
  duplicate?: number;
  dropAttempts?: number;
  badSignatureAttempts?: number;
  gbk?: boolean;
  reorder?: boolean;
}

export interface NotificationRecord {
  notifyId: string;
  seq: number;
  partner: string;
  outerTaskId: string;
  notifyType: string;
  notifySubType?: string;
  /** The business result (the protocol library renders it into the `xml` field at each attempt). */
  event: NotifyEvent;
  url: string;
  charset: string;
  signType: string;
  createdAt: number;
  /** When the next attempt is due (sandbox clock); undefined when finished. */
  dueAt?: number;
  /** How many resends have been scheduled so far (index into the schedule). */
  resends: number;
  status: 'pending' | 'delivered' | 'exhausted';
  deliveredAt?: number;
  attempts: AttemptRecord[];
  faults: NotificationFaultState;
}

export interface SandboxState {
  version: 1;
  /** Added to the injected clock (advanceClock). */
  clockOffsetMs: number;
  seq: number;
  accounts: Record<string, number>;
  journal: Posting[];
  tasks: Record<string, TaskRecord>;
  transfers: Record<string, TransferRecord>;
  numbers: Record<string, NumberRecord>;
  operations: Record<string, OperationRecord>;
  notifications: Record<string, NotificationRecord>;
}

export function emptyState(): SandboxState {
  return {
    version: 1,
    clockOffsetMs: 0,
    seq: 0,
    accounts: {},
    journal: [],
    tasks: {},
    transfers: {},
    numbers: {},
    operations: {},
    notifications: {},
  };
}

/** Key of a task / transfer / number, scoped by partner. */
export function scoped(partner: string, id: string): string {
  return `${partner}:${id}`;
}

export function emptyTotals(): TaskTotals {
  return { bountyFrozen: 0, valueAddedPaid: 0, winnersReceived: 0, platformReceived: 0, alipayFees: 0, refunded: 0 };
}
