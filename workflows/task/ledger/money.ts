/** Where the frozen money stands: what is spoken for, what is free, what is still moving. Pure reads. */
import type { LeftoverPlan, TaskState, Transfer } from '../types';

/** Money of the frozen bounty that is spoken for: transfers not yet fully moved, leftover parts not yet done. */
export function earmarkedFen(state: TaskState): number {
  let sum = 0;
  for (const t of Object.values(state.transfers)) {
    if (t.status === 'failed' || t.status === 'cancelled' || t.status === 'abandoned') continue;
    if (!t.winnerPaid) sum += t.winnerFen;
    if (!t.commissionSettled) sum += t.commissionFen;
  }
  for (const plan of state.leftovers) {
    if (plan.refund && (plan.refund.status === 'planned' || plan.refund.status === 'accepted'))
      sum += plan.refund.amountFen;
    if (plan.platform && (plan.platform.status === 'planned' || plan.platform.status === 'accepted'))
      sum += plan.platform.shareFen;
  }
  return sum;
}

/** Frozen money nobody has claimed: what winners, a leftover plan, or a refund may still take. */
export function availableFen(state: TaskState): number {
  return state.ledger.stillFrozenFen - earmarkedFen(state);
}

/** Transfers not yet at their end: requested, waiting, or with a share still to arrive. */
export function transfersInFlight(state: TaskState): Transfer[] {
  return Object.values(state.transfers).filter(
    (t) =>
      t.status === 'waiting' ||
      (t.status === 'paying' && !t.winnerPaid) ||
      ((t.status === 'paid' || t.status === 'paying') && !t.commissionSettled) ||
      t.status === 'requested',
  );
}

/** A leftover plan still holding or moving money. */
export function leftoverOpen(plan: LeftoverPlan): boolean {
  return plan.status === 'planned' || plan.status === 'accepted';
}
