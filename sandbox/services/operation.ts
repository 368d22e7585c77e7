// What a service operation gets from the sandbox: the clock reading, the partner, the fee rates, and a way to queue
// notifications in the same atomic change as the money; and, for page interfaces, how the request was made.

import type { FeeRates } from '../../alipay/core/fees';
import type { NotifyEvent } from '../../alipay/core/events';
import type { SandboxState } from '../runtime/persisted-state';
import type { WinnerFaultStage, WinnerFaultSubject } from '../runtime/fault-specs';

/** Where and how a notification is delivered: the notify_url, charset and sign_type of the causing request. */
export interface NotifyTarget {
  url: string;
  charset: string;
  signType: string;
}

/** The business content of a notification: the protocol library's event type (rendered to `xml` when sent). */
export type NotifyData = NotifyEvent;

export interface NotificationIntent {
  outerTaskId: string;
  target: NotifyTarget;
  data: NotifyData;
}

export interface OpContext {
  /** The sandbox clock when the operation started (ms). */
  now: number;
  partner: string;
  feeRates: FeeRates;
  /** Queue a notification in the draft state (same atomic change as the money it reports). */
  enqueue(state: SandboxState, intent: NotificationIntent): void;
  /**
   * Whether Alipay finds this winner's account abnormal at this stage (an injected `accountAbnormal` winner fault):
   * the error_code to report, or undefined. Hits are consumed only when the operation is committed.
   */
  winnerFault(stage: WinnerFaultStage, winner: WinnerFaultSubject): string | undefined;
}

/** How a page interface was requested (its notifications and return callback follow it). */
export interface PageMeta {
  partner: string;
  charset: string;
  signType: string;
  /** Fingerprint of the whole request (business parameters). */
  requestHash: string;
}
