/**
 * The status graphs of a task: from each status, the statuses one transition may leave it in (staying put is always
 * allowed; `start` is where a new record begins). transition() refuses any other move, like a broken invariant.
 * Some moves are two steps made in one transition (a withdrawn round reinstated and confirmed by one notification);
 * the comments say which.
 */
import type {
  AppendStatus,
  LeftoverPartStatus,
  LeftoverPlanStatus,
  Phase,
  RoundStatus,
  TransferStatus,
} from '../types';

export interface StatusGraph<S extends string> {
  readonly start: readonly S[];
  readonly moves: { readonly [from in S]: readonly S[] };
}

export const TRANSFER_GRAPH: StatusGraph<TransferStatus> = {
  start: ['requested'],
  moves: {
    requested: ['waiting', 'paying', 'failed', 'abandoned'], // confirmed W / I / F or handled; expiry, withdrawal
    waiting: ['paying', 'cancelled'], // payout accepted; cancelled during the announcement
    paying: ['paid', 'failed'], // assign_transfer
    paid: [],
    failed: [],
    cancelled: [],
    abandoned: ['requested', 'waiting', 'paying', 'failed'], // reinstated (and confirmed or handled)
  },
};

export const ROUND_GRAPH: StatusGraph<RoundStatus> = {
  start: ['requested'],
  moves: {
    requested: ['confirmed', 'abandoned'], // task_confirm; expiry, withdrawal
    confirmed: ['payout_started'], // an announced round's payout was accepted
    payout_started: [],
    abandoned: ['requested', 'confirmed'], // a withdrawn round confirmed after all (reinstated and confirmed)
  },
};

export const LEFTOVER_PLAN_GRAPH: StatusGraph<LeftoverPlanStatus> = {
  start: ['planned'],
  moves: {
    planned: ['accepted', 'withdrawn', 'done'], // left_amount_handle (done: nothing left to arrive); withdrawal
    accepted: ['done'], // its last part or transfer arrived
    done: [],
    withdrawn: ['planned', 'accepted', 'done'], // handled after the withdrawal (reinstated, accepted, done)
  },
};

export const LEFTOVER_PART_GRAPH: StatusGraph<LeftoverPartStatus> = {
  start: ['planned'],
  moves: {
    planned: ['accepted', 'done', 'failed'], // left_amount_handle; its own notification came first; withdrawal
    accepted: ['done', 'failed'], // refund_transfer / platform_profit_transfer
    done: ['failed'], // the plan was withdrawn after this part arrived
    failed: ['planned', 'accepted'], // the withdrawn plan was handled after all (reinstated, accepted)
  },
};

export const APPEND_GRAPH: StatusGraph<AppendStatus> = {
  start: ['requested'],
  moves: {
    requested: ['paid', 'cancelled', 'refunded'], // task_freeze or trade.query; trade.cancel closed / refunded
    paid: [],
    cancelled: [],
    refunded: [],
  },
};

/**
 * The phase as phaseOf reads it at one time, before and after a transition (time passing moves it too: from open,
 * announcement or payout to the phases after the deadline). A paid amount.append that moves the deadline past now
 * brings a task back to open, announcement or payout.
 */
export const PHASE_GRAPH: StatusGraph<Phase> = {
  start: ['awaiting_payment'],
  moves: {
    awaiting_payment: ['open', 'expired', 'cancelled'], // the freeze (after the deadline: expired); not paid
    open: ['announcement', 'payout', 'cancelled'],
    announcement: ['open', 'payout', 'expired', 'leftover'],
    payout: ['open', 'announcement', 'expired', 'leftover', 'closing'],
    expired: ['open', 'announcement', 'payout', 'leftover', 'closing', 'cancelled'],
    leftover: ['open', 'announcement', 'payout', 'expired', 'closing'],
    closing: ['cancelled'], // the freeze trade found refunded (cancelBeforePayment)
    settled: ['cancelled'], // the same, for a task an operator settled by hand meanwhile
    cancelled: [],
  },
};
