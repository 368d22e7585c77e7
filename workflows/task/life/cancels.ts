/**
 * Cancelling winners during their announcement (cancel.confirm.by.platform). An answer settles each transfer;
 * a cancel whose outcome is unknown (no answer) is repeated with backoff while the announcement runs, and a winner
 * whose cancel is still unknown when it ends is held for an operator, never paid by itself.
 */
import { ApplicationFailure, log } from '@temporalio/workflow';
import * as ledger from '../ledger';
import type { TaskState } from '../types';
import { cancels, failureMessage } from './calls';
import type { Watching } from './watching';
import type { TaskCore } from './core';

/** Winners whose cancellation is unknown and still waiting (not held, not yet resolved). */
export function unknownCancels(state: TaskState): string[] {
  return state.cancelUnknown.filter(
    (no) => state.transfers[no]?.status === 'waiting' && !state.transfers[no].payoutHeld,
  );
}

/**
 * No answer to a cancel: Alipay may or may not have cancelled them. The cancel is repeated (at once, with backoff)
 * until its outcome is known; the failure returned answers the person who asked.
 */
export function recordUnknownCancel(state: TaskState, transferNos: string[], err: unknown, nowMs: number): Error {
  for (const no of transferNos) if (!state.cancelUnknown.includes(no)) state.cancelUnknown.push(no);
  state.attention.push({
    code: 'CANCEL_OUTCOME_UNKNOWN',
    message: `cancel of ${transferNos.join(', ')}: ${failureMessage(err)}; it is repeated until its outcome is known, and the payout is held while it is not`,
    atMs: nowMs,
  });
  state.cancelRetry = { attempts: 0, nextAtMs: nowMs };
  return ApplicationFailure.nonRetryable(
    `the cancellation's outcome is unknown (${failureMessage(err)}); it is repeated until known, and the winner is not paid while it is not`,
    'CancelOutcomeUnknown',
  );
}

/**
 * Repeats the cancellations whose outcome is unknown. Alipay's answer settles each transfer: cancelled, or refused —
 * a refusal is ambiguous after an unknown outcome (Alipay may refuse because it did not cancel), so a refused
 * transfer is held for an operator, never paid by itself. No answer: the next repeat is scheduled with backoff.
 */
export async function repeatUnknownCancels(state: TaskState, nowMs: number): Promise<void> {
  const transferNos = unknownCancels(state);
  if (transferNos.length === 0) return;
  const attempts = (state.cancelRetry?.attempts ?? 0) + 1;
  try {
    const result = await cancels.cancelConfirmByPlatform.executeWithOptions(
      { summary: `repeat the cancellation of ${transferNos.length} winner(s) (outcome unknown)` },
      [{ outerTaskId: state.spec.outerTaskId, transferNos }],
    );
    recordCancel(state, result, nowMs);
    holdRefusedRepeats(state, result, nowMs);
    const answered = new Set([...result.cancelled, ...result.failed.map((f) => f.transferNo)]);
    state.cancelUnknown = state.cancelUnknown.filter((no) => !answered.has(no));
    if (!state.cancelUnknown.length) ledger.resolveAttention(state, 'CANCEL_OUTCOME_UNKNOWN');
    state.cancelRetry = undefined;
  } catch (err) {
    log.warn('a cancellation with an unknown outcome is still unknown', {
      outerTaskId: state.spec.outerTaskId,
      transferNos,
      attempts,
      error: failureMessage(err),
    });
    state.cancelRetry = { attempts, nextAtMs: nowMs + Math.min(60_000 * 2 ** Math.min(attempts - 1, 6), 3_600_000) };
  }
}

function holdRefusedRepeats(
  state: TaskState,
  result: { failed: { transferNo: string; errorCode: string }[] },
  nowMs: number,
): void {
  for (const f of result.failed)
    ledger.holdPayout(
      state,
      f.transferNo,
      `Alipay refused to cancel it (${f.errorCode}) after an earlier cancel had an unknown outcome`,
      nowMs,
    );
}

/** Applies a cancel.confirm.by.platform answer; refusals and unexpected answers go to an operator, never throw. */
export function recordCancel(
  state: TaskState,
  result: { cancelled: string[]; failed: { transferNo: string; errorCode: string }[] },
  nowMs: number,
): void {
  try {
    ledger.applyCancelResult(state, result, nowMs);
  } catch (err) {
    state.attention.push({
      code: 'CANCEL_REPLY_UNEXPECTED',
      message: `${(err as Error).message}`,
      evidence: result,
      atMs: nowMs,
    });
    return;
  }
  for (const f of result.failed)
    state.attention.push({
      code: 'CANCEL_REFUSED',
      message: `Alipay refused to cancel ${f.transferNo}: ${f.errorCode}`,
      evidence: f,
      atMs: nowMs,
    });
}

/** While the announcement runs, a cancel whose outcome is unknown is repeated once its backoff has passed. */
export function cancelRepeatDue(task: TaskCore, watching: Watching): boolean {
  return watching.cancels && task.now() >= (task.state.cancelRetry?.nextAtMs ?? 0);
}

/** Repeats the unknown cancels, after the cancels a person is waiting on have finished. */
export async function repeatUnknownCancelsNow(task: TaskCore): Promise<void> {
  await task.cancelsUnderWay.allFinished();
  await repeatUnknownCancels(task.state, task.now());
  task.changed();
}
