/**
 * The payout of announced winners: due when the announcement ends, accepted by confirm.by.platform; a winner may be
 * cancelled during the announcement, and a winner whose cancellation stays unknown is held for an operator.
 */
import type { TaskState } from '../types';
import { flag, resolveAttention } from './attention';
import { TaskRuleError } from './errors';
import { isList, LIMITS } from './inputs';
import { transition } from './invariant';
import { findTransfer } from './transfers';

/** Rounds whose announcement is over and whose waiting transfers are still to be paid out. */
export function duePayouts(state: TaskState, nowMs: number): { round: number; transferNos: string[] }[] {
  const due: { round: number; transferNos: string[] }[] = [];
  for (const r of state.rounds) {
    if (r.announceEndMs === undefined || r.announceEndMs > nowMs || r.status !== 'confirmed') continue;
    const waiting = r.transferNos.filter(
      (no) => state.transfers[no]?.status === 'waiting' && !state.transfers[no].payoutHeld,
    );
    if (waiting.length) due.push({ round: r.round, transferNos: waiting });
  }
  return due;
}

/** Next announcement end still in the future (for the workflow's timer). */
export function nextAnnouncementEnd(state: TaskState, nowMs: number): number | undefined {
  const ends = state.rounds
    .filter(
      (r) =>
        r.status === 'confirmed' &&
        r.announceEndMs !== undefined &&
        r.announceEndMs > nowMs &&
        r.transferNos.some((no) => state.transfers[no]?.status === 'waiting'),
    )
    .map((r) => r.announceEndMs!);
  return ends.length ? Math.min(...ends) : undefined;
}

/** confirm.by.platform accepted these transfers: the money now moves on notifications. */
export function payoutAccepted(state: TaskState, transferNos: readonly string[], nowMs: number): void {
  transition(state, nowMs, (s) => {
    for (const no of transferNos) {
      const t = findTransfer(s, no);
      if (t.status !== 'waiting') continue;
      const round = s.rounds.find((r) => r.round === t.round)!;
      if (round.announceEndMs === undefined || round.announceEndMs > nowMs)
        throw new TaskRuleError('WITKEY_NOT_ALLOW', `transfer ${no}: its announcement is not over`);
      t.status = 'paying';
      t.payingSinceMs = nowMs;
    }
    for (const r of s.rounds) {
      if (
        r.status === 'confirmed' &&
        r.announceEndMs !== undefined &&
        r.transferNos.every((no) => s.transfers[no].status !== 'waiting')
      )
        r.status = 'payout_started';
    }
  });
}

/** Validates a cancellation (the update validator): only W transfers during their round's announcement. */
export function checkCancelWinners(state: TaskState, transferNos: readonly string[], nowMs: number): void {
  if (!isList(transferNos) || transferNos.length === 0)
    throw new TaskRuleError('ILLEGAL_ARGUMENT', 'transferNos: at least one transfer');
  if (transferNos.length > LIMITS.cancelBatch)
    throw new TaskRuleError('WITKEY_COUNT_NOT_MATCH', `transferNos: at most ${LIMITS.cancelBatch} in one call`);
  if (new Set(transferNos).size !== transferNos.length)
    throw new TaskRuleError('ILLEGAL_ARGUMENT', 'transferNos: duplicates');
  for (const no of transferNos) {
    const t = findTransfer(state, no);
    if (t.status !== 'waiting')
      throw new TaskRuleError(
        'WITKEY_NOT_ALLOW',
        `transfer ${no} is ${t.status}: only a winner waiting for the end of the announcement can be cancelled`,
      );
    const round = state.rounds.find((r) => r.round === t.round)!;
    if (round.announceEndMs === undefined || round.announceEndMs <= nowMs)
      throw new TaskRuleError('WITKEY_NOT_ALLOW', `transfer ${no}: its announcement period is over`);
  }
}

/** cancel.confirm.by.platform answered: the success_list goes back to the frozen bounty; failures are recorded. */
export function applyCancelResult(
  state: TaskState,
  result: { cancelled: string[]; failed: { transferNo: string; errorCode: string }[] },
  nowMs: number,
): void {
  transition(state, nowMs, (s) => {
    for (const no of result.cancelled) {
      const t = findTransfer(s, no);
      if (t.status === 'waiting') t.status = 'cancelled';
      else if (t.status !== 'cancelled')
        flag(
          s,
          'CANCEL_STATUS_MISMATCH',
          `Alipay cancelled transfer ${no}, which the task had as ${t.status}`,
          nowMs,
          result,
        );
    }
    for (const f of result.failed) {
      const t = findTransfer(s, f.transferNo);
      t.errorCode = f.errorCode;
    }
  });
}

/** The outcome of a winner's cancellation stays unknown after the announcement: hold the payout for an operator. */
export function holdPayout(state: TaskState, transferNo: string, why: string, nowMs: number): void {
  transition(state, nowMs, (s) => {
    const t = findTransfer(s, transferNo);
    if (t.status !== 'waiting' || t.payoutHeld) return;
    t.payoutHeld = true;
    flag(
      s,
      'PAYOUT_HELD',
      `transfer ${transferNo} (${t.grossFen} fen to ${t.winnerNickname}) is held: ${why}. ` +
        `Check with Alipay, then resolve it (pay, or record it cancelled)`,
      nowMs,
      { transferNo },
    );
  });
}

/** An operator resolved a held transfer: pay it after all, or record that Alipay did cancel it. */
export function resolveHeldTransfer(state: TaskState, transferNo: string, outcome: 'pay' | 'cancelled'): void {
  transition(state, (s) => {
    const t = findTransfer(s, transferNo);
    if (!t.payoutHeld || t.status !== 'waiting')
      throw new TaskRuleError('WITKEY_NOT_ALLOW', `transfer ${transferNo} is not held`);
    t.payoutHeld = false;
    if (outcome === 'cancelled') t.status = 'cancelled';
    s.cancelUnknown = s.cancelUnknown.filter((no) => no !== transferNo);
    if (!Object.values(s.transfers).some((x) => x.payoutHeld)) resolveAttention(s, 'PAYOUT_HELD');
  });
}
