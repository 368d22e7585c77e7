// What the business operations (freeze.ts, winners.ts, leftover.ts, trade.ts) get from the sandbox: the clock
// reading, the partner, the fee rates, and a way to queue notifications in the same atomic change as the money.

import { createHash } from 'node:crypto';
import type { FeeRates } from '../alipay/core/fees';
import type { NotifyEvent } from '../alipay/core/events';
import type { SandboxState } from './state';
import type { WinnerFaultStage, WinnerFaultSubject } from './faults';

/** Where and how a notification is delivered: the notify_url, charset and sign_type of the causing request. */
export interface NotifyTarget {
  url: string;
  charset: string;
  signType: string;
}

/** The business content of a notification: the protocol library's event type (rendered to `xml` by wire.ts). */
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

/** The sandbox's 2088 id for a site user (deterministic, so a publisher keeps one Alipay account). */
export function alipayUserIdFor(partner: string, outerAccountId: string): string {
  const h = createHash('sha256').update(`${partner}\n${outerAccountId}`).digest();
  let digits = '';
  for (let i = 0; digits.length < 12; i++) digits += String(h[i % h.length] % 10);
  const id = `2088${digits}`;
  return id === partner ? `2088${digits.slice(0, 11)}${(Number(digits[11]) + 1) % 10}` : id;
}
