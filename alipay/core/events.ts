// Typed notification events and return-callback results (what the webhook hands to a workflow). Pure: types and
// tables only, so workflow code can import them. The wire format is in ../notify.ts and docs/PROTOCOL.md.

import type { SerialAmount } from './detail';

export type NotifyType =
  | 'task_freeze'
  | 'additional_profit_transfer'
  | 'task_confirm'
  | 'left_amount_handle'
  | 'refund_transfer'
  | 'assign_transfer'
  | 'platform_profit_transfer';

export type NotifySubType =
  | 'ASSIGN_FOR_ANNOUNCE_PAYMENT'
  | 'ASSIGN_FOR_IMMEDIATE_PAYMENT'
  | 'PLATFORM_PROFIT_BY_ANNOUNCE_PAYMENT'
  | 'PLATFORM_PROFIT_BY_IMMEDIATE_PAYMENT';

/** notify_type -> allowed notify_sub_type values (empty: the field must be absent). */
export const NOTIFY_SUB_TYPES: Readonly<Record<NotifyType, readonly NotifySubType[]>> = {
  task_freeze: [],
  additional_profit_transfer: [],
  task_confirm: [],
  left_amount_handle: [],
  refund_transfer: [],
  assign_transfer: ['ASSIGN_FOR_ANNOUNCE_PAYMENT', 'ASSIGN_FOR_IMMEDIATE_PAYMENT'],
  platform_profit_transfer: ['PLATFORM_PROFIT_BY_ANNOUNCE_PAYMENT', 'PLATFORM_PROFIT_BY_IMMEDIATE_PAYMENT'],
};

export function isNotifyType(v: string): v is NotifyType {
  return Object.prototype.hasOwnProperty.call(NOTIFY_SUB_TYPES, v);
}

/** The only answer that stops resends; send it only after the event is durably recorded. */
export const NOTIFY_ACK = 'success';

/** Resend delays after the first attempt (docs/PROTOCOL.md): 2m, 10m, 10m, 1h, 2h, 6h, 15h — about 24h22m in total. */
export const NOTIFY_RESEND_DELAYS_MS: readonly number[] = [2, 10, 10, 60, 120, 360, 900].map((m) => m * 60_000);

/** S = done, F = failed (final transfer notifications). */
export type FinalTransferStatus = 'S' | 'F';
/** W = waiting for the announcement period to end, I = paid immediately, F = failed (task.confirm). */
export type ConfirmTransferStatus = 'W' | 'I' | 'F';

export interface TaskFreezeEvent {
  readonly type: 'task_freeze';
  readonly partner: string;
  readonly outerTaskId: string;
  readonly outerTaskFreezeNo: string;
  readonly taskAmountFen: number;
  readonly additionalProfitAmountFen?: number;
  readonly additionalProfitTransferNo?: string;
  /** Epoch ms (paid_time, yyyyMMddHHmmss China time on the wire). */
  readonly paidTime: number;
  /** The publisher's 2088 id (needed by task.confirm). */
  readonly alipayUserId?: string;
}

export interface AdditionalProfitTransferEvent {
  readonly type: 'additional_profit_transfer';
  readonly partner: string;
  readonly outerTaskId: string;
  readonly additionalProfitTransferNo: string;
  readonly amountFen: number;
  readonly status: FinalTransferStatus;
  readonly errorCode?: string;
  readonly transferTime: number;
}

export interface ConfirmedTransfer {
  readonly outerTransferNo: string;
  readonly amountFen: number;
  readonly alipayUserId: string;
  readonly status: ConfirmTransferStatus;
  readonly errorCode?: string;
}

export interface TaskConfirmEvent {
  readonly type: 'task_confirm';
  readonly partner: string;
  readonly outerTaskId: string;
  /** End of the announcement period (epoch ms) when there is one. */
  readonly announcePeriodEnd?: number;
  readonly transfers: readonly ConfirmedTransfer[];
}

export interface Bidder {
  readonly outerTransferNo: string;
  readonly amountFen: number;
  readonly alipayUserId: string;
  readonly nickname?: string;
}

export interface FailedBidder extends Bidder {
  readonly errorCode: string;
}

/** Intermediate: Alipay has started handling the leftover; NOT a final result. */
export interface LeftAmountHandleEvent {
  readonly type: 'left_amount_handle';
  readonly partner: string;
  readonly outerTaskId: string;
  readonly refund?: SerialAmount;
  readonly platform?: SerialAmount;
  readonly successBidders: readonly Bidder[];
  readonly failureBidders: readonly FailedBidder[];
}

export interface RefundTransferEvent {
  readonly type: 'refund_transfer';
  readonly partner: string;
  readonly outerTaskId: string;
  /** The refund_detail serial number. */
  readonly outerTransferNo: string;
  readonly amountFen: number;
  readonly status: FinalTransferStatus;
  readonly errorCode?: string;
  readonly transferTime: number;
}

export interface AssignTransferEvent {
  readonly type: 'assign_transfer';
  readonly subType: 'ASSIGN_FOR_ANNOUNCE_PAYMENT' | 'ASSIGN_FOR_IMMEDIATE_PAYMENT';
  readonly partner: string;
  readonly outerTaskId: string;
  readonly outerTransferNo: string;
  /** The winner's 2088 id. */
  readonly alipayUserId: string;
  /** Gross amount of the transfer record. */
  readonly amountFen: number;
  /** The platform's commission c taken from the gross. */
  readonly commissionFen: number;
  /** What the winner received: gross - c. */
  readonly winnerAmountFen: number;
  readonly status: FinalTransferStatus;
  readonly errorCode?: string;
  readonly transferTime: number;
}

export interface PlatformProfitTransferEvent {
  readonly type: 'platform_profit_transfer';
  readonly subType: 'PLATFORM_PROFIT_BY_ANNOUNCE_PAYMENT' | 'PLATFORM_PROFIT_BY_IMMEDIATE_PAYMENT';
  readonly partner: string;
  readonly outerTaskId: string;
  /** The winner transfer number (commission) or the platform_detail serial (leftover share). */
  readonly outerTransferNo: string;
  /** c (commission) or p (leftover share) before Alipay's fee. */
  readonly profitAmountFen: number;
  readonly alipayFeeFen: number;
  /** What the platform received: profit - fee. */
  readonly platformAmountFen: number;
  readonly status: FinalTransferStatus;
  readonly errorCode?: string;
  readonly transferTime: number;
}

export type NotifyEvent =
  | TaskFreezeEvent
  | AdditionalProfitTransferEvent
  | TaskConfirmEvent
  | LeftAmountHandleEvent
  | RefundTransferEvent
  | AssignTransferEvent
  | PlatformProfitTransferEvent;

/** A verified async notification. */
export interface Notification {
  /** The dedupe key: the same across resends. */
  readonly notifyId: string;
  readonly notifyTime: number;
  readonly notifyType: NotifyType;
  readonly notifySubType?: NotifySubType;
  readonly event: NotifyEvent;
}

/** A verified return_url callback. */
export type ReturnResult =
  | {
      readonly isSuccess: true;
      readonly service: string;
      readonly event: TaskFreezeEvent | TaskConfirmEvent | LeftAmountHandleEvent;
    }
  | { readonly isSuccess: false; readonly service: string; readonly errorCode: string; readonly outerTaskId?: string };
