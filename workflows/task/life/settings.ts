/** What a bounty task workflow is started with: its spec, its settings, and the state a continue-as-new carries. */
import type { TaskTerms, TaskState } from '../types';

/** Alipay resends for about 24h22m (2m, 10m, 10m, 1h, 2h, 6h, 15h): the task stays open that long after its last notification. */
export const DEFAULT_RESEND_WINDOW_MS = (2 + 10 + 10 + 60 + 120 + 360 + 900) * 60_000;
export const DEFAULT_PAYMENT_TIMEOUT_MS = 2 * 3_600_000;

export interface TaskSettings {
  /** How long the task keeps accepting notifications after its last expected one. */
  resendWindowMs: number;
  /** How long to wait for a freeze payment (task.create, amount.append) before asking Alipay (WITKEY_PAYMENT_TIMEOUT). */
  paymentTimeoutMs: number;
}

export interface BountyTaskInput {
  spec: TaskTerms;
  settings: TaskSettings;
  /** State carried over by continue-as-new. */
  carried?: { state: TaskState; cashierUrl?: string };
}
