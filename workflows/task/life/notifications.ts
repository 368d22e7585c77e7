/**
 * Alipay's notifications, as the task applies them to its ledger: each event mapped to the ledger's step. A
 * notification the ledger cannot take is recorded for an operator, never dropped; one that reports a step the task
 * has not seen yet is kept and applied once that step is there.
 */
import { patched } from '@temporalio/workflow';
import type {
  AdditionalProfitTransferEvent,
  AssignTransferEvent,
  LeftAmountHandleEvent,
  PlatformProfitTransferEvent,
  TaskConfirmEvent,
  TaskFreezeEvent,
} from '../../../alipay/core/events';
import type { TaskNotification } from '../../messages';
import * as ledger from '../ledger';
import type { TaskState } from '../types';
import { PAID_AFTER_SETTLEMENT_FLAGGED } from './patches';

/** Applies one notification: 'not_yet' when it reports a step the task has not seen yet (the caller keeps it). */
export function applyNotification(state: TaskState, n: TaskNotification, nowMs: number): ledger.Outcome {
  try {
    if (n.event.outerTaskId !== state.spec.outerTaskId) {
      state.attention.push({
        code: 'WRONG_TASK',
        message: `notification for task ${n.event.outerTaskId} delivered to ${state.spec.outerTaskId}`,
        evidence: n,
        atMs: nowMs,
      });
      return 'attention';
    }
    return applyEvent(state, n, nowMs);
  } catch (err) {
    state.attention.push({
      code: 'NOTIFICATION_REFUSED',
      message: `${(err as Error).name}: ${(err as Error).message}`,
      evidence: n,
      atMs: nowMs,
    });
    return 'attention';
  }
}

/** Applies the notifications that were waiting for an earlier step, as long as one of them makes progress. */
export function applyDeferred(state: TaskState, nowMs: number): void {
  for (let progress = true; progress && state.deferred.length;) {
    progress = false;
    for (const n of [...state.deferred]) {
      if (applyNotification(state, n, nowMs) === 'not_yet') continue;
      state.deferred = state.deferred.filter((d) => d.notifyId !== n.notifyId);
      progress = true;
    }
  }
}

/** Each event to its ledger step. */
function applyEvent(state: TaskState, n: TaskNotification, nowMs: number): ledger.Outcome {
  const e = n.event;
  switch (e.type) {
    case 'task_freeze':
      return applyFreeze(state, e, nowMs);
    case 'additional_profit_transfer':
      return applyValueAddedFee(state, e, n, nowMs);
    case 'task_confirm':
      return ledger.applyTaskConfirm(state, confirmedTransfers(e), nowMs);
    case 'assign_transfer':
      return ledger.applyAssign(state, assignment(e), nowMs);
    case 'platform_profit_transfer':
      return ledger.applyPlatformProfit(state, platformProfit(e), nowMs);
    case 'left_amount_handle':
      return ledger.applyLeftAmountHandled(state, leftAmountHandled(e), nowMs);
    case 'refund_transfer':
      return ledger.applyRefund(
        state,
        { serialNo: e.outerTransferNo, amountFen: e.amountFen, success: e.status === 'S' },
        nowMs,
      );
  }
}

function applyFreeze(state: TaskState, e: TaskFreezeEvent, nowMs: number): ledger.Outcome {
  const flagAfterSettlement =
    state.manualSettlement !== undefined && !state.paid ? patched(PAID_AFTER_SETTLEMENT_FLAGGED) : true;
  return ledger.applyFreeze(
    state,
    {
      freezeNo: e.outerTaskFreezeNo,
      amountFen: e.taskAmountFen,
      payerAlipayUserId: e.alipayUserId,
      paidAtMs: e.paidTime,
    },
    nowMs,
    { flagAfterSettlement },
  );
}

function applyValueAddedFee(
  state: TaskState,
  e: AdditionalProfitTransferEvent,
  n: TaskNotification,
  nowMs: number,
): ledger.Outcome {
  if (e.status !== 'S') {
    state.attention.push({
      code: 'VALUE_ADDED_FEE_FAILED',
      message: `the value-added fee transfer failed (${e.errorCode ?? 'no code'})`,
      evidence: n,
      atMs: nowMs,
    });
    return 'attention';
  }
  return ledger.applyValueAddedFee(state, { transferNo: e.additionalProfitTransferNo, amountFen: e.amountFen }, nowMs);
}

function confirmedTransfers(e: TaskConfirmEvent): { transfers: ledger.ConfirmedTransfer[] } {
  return {
    transfers: e.transfers.map((t) => ({
      transferNo: t.outerTransferNo,
      status: t.status,
      amountFen: t.amountFen,
      errorCode: t.errorCode,
    })),
  };
}

function assignment(e: AssignTransferEvent): Parameters<typeof ledger.applyAssign>[1] {
  return {
    transferNo: e.outerTransferNo,
    grossFen: e.amountFen,
    commissionFen: e.commissionFen,
    winnerFen: e.winnerAmountFen,
    success: e.status === 'S',
    errorCode: e.errorCode,
  };
}

function platformProfit(e: PlatformProfitTransferEvent): Parameters<typeof ledger.applyPlatformProfit>[1] {
  return {
    transferNo: e.outerTransferNo,
    profitFen: e.profitAmountFen,
    alipayFeeFen: e.alipayFeeFen,
    platformFen: e.platformAmountFen,
    success: e.status === 'S',
    errorCode: e.errorCode,
  };
}

function leftAmountHandled(e: LeftAmountHandleEvent): ledger.LeftAmountHandled {
  return {
    refund: e.refund,
    platform: e.platform,
    successBidders: e.successBidders.map((b) => ({ transferNo: b.outerTransferNo, amountFen: b.amountFen })),
    failedBidders: e.failureBidders.map((b) => ({
      transferNo: b.outerTransferNo,
      amountFen: b.amountFen,
      errorCode: b.errorCode,
    })),
  };
}
