/** What a notification did, and the items an operator must look at (flagged, resolved). */
import type { TaskState } from '../types';

/**
 * What a notification did: applied; a duplicate (already applied under another notify_id); recorded for an
 * operator (attention); or not yet applicable — it reports a later step than the task has seen (notifications are
 * reordered), so the workflow keeps it and applies it again after every change.
 */
export type Outcome = 'applied' | 'duplicate' | 'attention' | 'not_yet';

export function flag(state: TaskState, code: string, message: string, nowMs: number, evidence?: unknown): Outcome {
  state.attention.push({ code, message, evidence, atMs: nowMs });
  return 'attention';
}

/**
 * Attention items that stand for money that is frozen or moving outside the books: acknowledging them would let a
 * task close with that money hidden, so only the action named here resolves them.
 */
export const MONEY_ATTENTION: Readonly<Record<string, string>> = {
  PAYOUT_HELD: 'resolve_held_transfer',
  PAID_AFTER_SETTLEMENT: 'settle_manually',
  PAID_AFTER_CANCEL: 'settle_manually (or the automatic refund)',
  LATE_PAYMENT_UNRESOLVED: 'settle_manually',
  NOTHING_SCHEDULED: 'settle_manually',
};

/** The operator actions that resolve a blocked step's item (cancel_unpaid only while the bounty is not frozen). */
export function blockedStepActions(state: TaskState): string {
  return `retry${state.paid ? '' : ', cancel_unpaid'} or settle_manually`;
}

/**
 * Attention items that a later event answers are resolved by it (e.g. a leftover plan answers
 * LEFTOVER_NOT_PLANNED).
 */
export function resolveAttention(state: TaskState, code: string): void {
  for (const a of state.attention) if (a.code === code && !a.resolved) a.resolved = true;
}
