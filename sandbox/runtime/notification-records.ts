// A notification as the sandbox keeps it: the business event, where it goes, its resend state and every attempt
// with the site's answer (persisted, so a restarted sandbox resumes the schedule).

import type { NotifyEvent } from '../../alipay/core/events';

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
