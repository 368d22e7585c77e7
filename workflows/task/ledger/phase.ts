/** The task's phase, read from its state and the time (the phase is never stored). */
import type { Phase, TaskState } from '../types';
import { leftoverOpen, transfersInFlight } from './money';

// ------------------------------------------------------------------------------------------ phase

/** Nothing more will move: expired, nothing frozen, nothing in flight, no leftover plan open. */
export function moneyAtRest(state: TaskState, nowMs: number): boolean {
  if (state.cancelled || state.manualSettlement) return true;
  if (state.appends.some((a) => a.status === 'requested')) return false;
  if (!state.paid || nowMs < state.spec.expiresAtMs) return false;
  return (
    state.ledger.stillFrozenFen === 0 && transfersInFlight(state).length === 0 && !state.leftovers.some(leftoverOpen)
  );
}

export function phaseOf(state: TaskState, nowMs: number): Phase {
  if (state.cancelled) return 'cancelled';
  if (state.settledAtMs !== undefined || state.manualSettlement) return 'settled';
  if (!state.paid) return 'awaiting_payment';
  const transfers = Object.values(state.transfers);
  if (nowMs < state.spec.expiresAtMs) {
    if (transfers.some((t) => t.status === 'paying' || (t.status === 'paid' && !t.commissionSettled))) return 'payout';
    if (transfers.some((t) => t.status === 'waiting')) return 'announcement';
    return 'open';
  }
  if (moneyAtRest(state, nowMs)) return 'closing';
  if (state.leftovers.some(leftoverOpen)) return 'leftover';
  if (transfers.some((t) => t.status === 'waiting')) return 'announcement';
  if (transfers.some((t) => t.status === 'paying' || (t.status === 'paid' && !t.commissionSettled))) return 'payout';
  return 'expired';
}
