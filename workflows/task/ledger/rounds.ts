/**
 * Rounds of winners: selected (a task.confirm page for the publisher), confirmed (task_confirm), withdrawn by an
 * operator or abandoned after the deadline, and reinstated when a withdrawn round is confirmed after all.
 */
import type { SelectWinnersInput } from '../../messages';
import type { Round, TaskState } from '../types';
import { flag, type Outcome } from './attention';
import { TaskRuleError } from './errors';
import { LIMITS, requireOpen, validateWinners } from './inputs';
import { transition } from './invariant';
import { availableFen } from './money';
import { newTransfer } from './transfers';

/** Validates a selection without changing anything (the update validator). */
export function checkSelectWinners(state: TaskState, input: SelectWinnersInput, nowMs: number): void {
  requireOpen(state, nowMs, 'select winners');
  if (!state.spec.publisherAlipayUserId)
    throw new TaskRuleError(
      'ILLEGAL_ARGUMENT',
      "the publisher's Alipay user id is unknown (give publisherAlipayUserId when publishing)",
    );
  if (
    input.announceEndMs !== undefined &&
    (!Number.isSafeInteger(input.announceEndMs) || input.announceEndMs <= nowMs)
  ) {
    throw new TaskRuleError('ILLEGAL_ARGUMENT', 'announceEndMs: must be a time in the future');
  }
  if (input.announceEndMs !== undefined && input.announceEndMs % 1000 !== 0) {
    throw new TaskRuleError(
      'ILLEGAL_ARGUMENT',
      "announceEndMs: whole seconds (Alipay's yyyyMMddHHmmss times carry no milliseconds)",
    );
  }
  validateWinners(state, input.winners, LIMITS.winnersPerRound);
}

/** A new round of winners, requested from the publisher through a task.confirm page. Earmarks the amounts. */
export function selectWinners(state: TaskState, input: SelectWinnersInput, nowMs: number): Round {
  return transition(state, nowMs, (s) => {
    checkSelectWinners(s, input, nowMs);
    const round: Round = {
      round: s.rounds.length + 1,
      announceEndMs: input.announceEndMs,
      transferNos: [],
      status: 'requested',
    };
    const path = input.announceEndMs === undefined ? 'immediate' : 'announce';
    for (const w of input.winners) round.transferNos.push(newTransfer(s, round.round, path, w).transferNo);
    s.rounds.push(round);
    return round;
  });
}

export interface ConfirmedTransfer {
  transferNo: string;
  /** W: waiting for the announcement to end; I: paid immediately; F: failed. */
  status: 'W' | 'I' | 'F';
  amountFen: number;
  errorCode?: string;
}

/**
 * The publisher confirmed a round that an operator had withdrawn: Alipay earmarked the money, so the round is
 * reinstated when its amounts are still free (otherwise the confirmation is flagged as after expiry/withdrawal).
 */
export function reinstateWithdrawnRound(s: TaskState, ev: { transfers: ConfirmedTransfer[] }, nowMs: number): void {
  const round = s.rounds.find(
    (r) => r.withdrawn && r.status === 'abandoned' && ev.transfers.some((c) => r.transferNos.includes(c.transferNo)),
  );
  if (!round || nowMs >= s.spec.expiresAtMs || ev.transfers.every((c) => c.status === 'F')) return;
  const total = round.transferNos.reduce((sum, no) => sum + s.transfers[no].grossFen, 0);
  if (total > availableFen(s)) return;
  round.status = 'requested';
  for (const no of round.transferNos) if (s.transfers[no].status === 'abandoned') s.transfers[no].status = 'requested';
  flag(
    s,
    'CONFIRMED_AFTER_WITHDRAWAL',
    `the publisher confirmed round ${round.round} after it was withdrawn: the round is reinstated`,
    nowMs,
    ev,
  );
}

/** task_confirm: the publisher confirmed the winners of a round. */
export function applyTaskConfirm(state: TaskState, ev: { transfers: ConfirmedTransfer[] }, nowMs: number): Outcome {
  return transition(state, nowMs, (s) => {
    reinstateWithdrawnRound(s, ev, nowMs);
    // Check the whole notification first: a mismatch anywhere applies none of it.
    for (const c of ev.transfers) {
      const t = s.transfers[c.transferNo];
      if (!t)
        return flag(
          s,
          'UNKNOWN_TRANSFER',
          `task_confirm names transfer ${c.transferNo}, unknown to the task`,
          nowMs,
          ev,
        );
      if (c.amountFen !== t.grossFen)
        return flag(
          s,
          'AMOUNT_MISMATCH',
          `task_confirm reports ${c.amountFen} fen for ${c.transferNo}, expected ${t.grossFen}`,
          nowMs,
          ev,
        );
      const expected = t.path === 'immediate' ? 'I' : 'W';
      if (c.status !== 'F' && c.status !== expected)
        return flag(
          s,
          'STATUS_MISMATCH',
          `task_confirm reports ${c.status} for ${c.transferNo}, expected ${expected}`,
          nowMs,
          ev,
        );
      if (t.status === 'abandoned' && c.status !== 'F')
        return flag(
          s,
          'CONFIRMED_AFTER_EXPIRY',
          `transfer ${c.transferNo} was confirmed after the task expired`,
          nowMs,
          ev,
        );
    }
    let applied = 0;
    for (const c of ev.transfers) {
      const t = s.transfers[c.transferNo];
      if (t.status !== 'requested') continue; // already confirmed: a duplicate
      if (c.status === 'F') {
        t.status = 'failed';
        t.errorCode = c.errorCode ?? 'FAILED';
      } else {
        t.status = c.status === 'W' ? 'waiting' : 'paying';
        if (t.status === 'paying') t.payingSinceMs = nowMs;
      }
      applied += 1;
      const round = s.rounds.find((r) => r.round === t.round);
      if (round && round.status === 'requested') round.status = 'confirmed';
    }
    return applied > 0 ? 'applied' : 'duplicate';
  });
}

/**
 * Rounds the publisher never confirmed are abandoned and their amounts freed — not at expiry itself: a confirmation
 * made before the deadline may be notified up to the resend window later, so they are kept until then.
 */
export function expire(state: TaskState, nowMs: number, graceMs = 0): void {
  if (nowMs < state.spec.expiresAtMs + graceMs) return;
  transition(state, nowMs, (s) => {
    for (const r of s.rounds) {
      if (r.status !== 'requested') continue;
      r.status = 'abandoned';
      for (const no of r.transferNos) if (s.transfers[no].status === 'requested') s.transfers[no].status = 'abandoned';
    }
  });
}

/** The confirmation page of a round could not be built: the round is withdrawn and its amounts freed. */
export function withdrawRound(state: TaskState, round: number, by?: { operator: string; atMs: number }): void {
  transition(state, (s) => {
    const r = s.rounds.find((x) => x.round === round);
    if (!r || r.status !== 'requested') return;
    r.status = 'abandoned';
    if (by) r.withdrawn = by;
    for (const no of r.transferNos) s.transfers[no].status = 'abandoned';
  });
}
