// What the emulated Alipay records about a task: its freeze trades (task.create, amount.append) and its winner
// transfers (task.confirm, left.amount.handle), with their statuses as the services move them.

import type { TaskTotals } from '../books/task-totals';

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
