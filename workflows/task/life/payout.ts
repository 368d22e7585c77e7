/**
 * Paying the winners whose announcement has ended (confirm.by.platform), in batches of at most 30. A winner whose
 * cancellation is still unknown at the end is not paid: it is held for an operator.
 */
import { log, patched } from '@temporalio/workflow';
import * as ledger from '../ledger';
import type { TaskState } from '../types';
import { failureMessage, gateway } from './calls';
import { recordCancel, repeatUnknownCancels } from './cancels';
import { CANCEL_UNKNOWN_REPEATED, PAYOUT_BATCHES_ACROSS_ROUNDS, SETTLEMENT_STOPS_PAYOUT } from './patches';
import type { TaskCore } from './core';

/** After a manual settlement the system moves no more money (the operator settled it outside). */
export function payoutMayRun(task: TaskCore): boolean {
  return task.state.blocked?.step !== 'payout' && !task.state.manualSettlement;
}

/** Pays every transfer whose announcement has ended, once the cancellations that may concern it are settled. */
export async function payOutEndedAnnouncements(task: TaskCore): Promise<void> {
  const state = task.state;
  let due = ledger.duePayouts(state, task.now());
  if (due.length) await task.cancelsUnderWay.allFinished(); // a cancellation accepted before the end finishes first
  const unknown = state.cancelUnknown.filter(
    (no) => state.transfers[no]?.status === 'waiting' && due.some((d) => d.transferNos.includes(no)),
  );
  if (unknown.length && patched(CANCEL_UNKNOWN_REPEATED)) {
    await holdStillUnknown(task, unknown);
    due = ledger.duePayouts(state, task.now());
  } else if (unknown.length) {
    await cancelAgainBeforePayout(task, unknown);
  }
  if (patched(PAYOUT_BATCHES_ACROSS_ROUNDS)) {
    // v2: every due transfer, whatever its round, in batches of at most 30 (fewer gateway calls)
    await payOut(
      task,
      due.flatMap((d) => d.transferNos),
    );
  } else {
    // v1 (histories recorded before the patch): one round after another
    for (const d of due) await payOut(task, d.transferNos);
  }
}

/** The announcement is over and the cancel's outcome is still unknown: one last attempt, then hold for an operator. */
async function holdStillUnknown(task: TaskCore, unknown: string[]): Promise<void> {
  const state = task.state;
  await repeatUnknownCancels(state, task.now());
  for (const no of unknown) {
    if (state.transfers[no].status === 'waiting')
      ledger.holdPayout(
        state,
        no,
        `its cancellation's outcome stayed unknown until the announcement ended (Alipay: ${state.transfers[no].errorCode ?? 'no answer'})`,
        task.now(),
      );
  }
  state.cancelUnknown = state.cancelUnknown.filter((no) => !unknown.includes(no));
  task.changed();
}

/** v1 (before cancels were repeated): the unknown cancel is sent once more; still no answer blocks the payout. */
async function cancelAgainBeforePayout(task: TaskCore, unknown: string[]): Promise<void> {
  const state = task.state;
  try {
    recordCancel(
      state,
      await gateway.cancelConfirmByPlatform.executeWithOptions(
        { summary: `repeat the cancellation of ${unknown.length} winner(s)` },
        [{ outerTaskId: state.spec.outerTaskId, transferNos: unknown }],
      ),
      task.now(),
    );
    state.cancelUnknown = state.cancelUnknown.filter((no) => !unknown.includes(no));
  } catch (err) {
    const message = `the cancel of ${unknown.join(', ')} is still unknown (${failureMessage(err)}): payout held`;
    task.block('payout', 'CANCEL_OUTCOME_UNKNOWN', message, { transferNos: unknown });
  }
  task.changed();
}

/** confirm.by.platform in batches of at most 30; a refusal blocks the payout step until an operator retries. */
async function payOut(task: TaskCore, transferNos: string[]): Promise<void> {
  const state = task.state;
  const settled = (): boolean => state.manualSettlement !== undefined && patched(SETTLEMENT_STOPS_PAYOUT);
  for (let i = 0; i < transferNos.length && !state.blocked && !settled(); i += ledger.LIMITS.payoutBatch) {
    const batch = transferNos.slice(i, i + ledger.LIMITS.payoutBatch).filter((no) => payable(state, no));
    if (batch.length === 0) continue;
    try {
      await gateway.confirmByPlatform.executeWithOptions({ summary: `pay out ${batch.length} transfer(s)` }, [
        { outerTaskId: state.spec.outerTaskId, transferNos: batch },
      ]);
      ledger.payoutAccepted(state, batch, task.now());
    } catch (err) {
      const message = `confirm.by.platform of ${batch.join(', ')} failed: ${failureMessage(err)}`;
      task.block('payout', 'PAYOUT_FAILED', message, { transferNos: batch });
      return;
    }
    log.info('payout accepted', { outerTaskId: state.spec.outerTaskId, transfers: batch.length });
    task.changed();
  }
}

function payable(state: TaskState, transferNo: string): boolean {
  return state.transfers[transferNo]?.status === 'waiting' && !state.transfers[transferNo].payoutHeld;
}
