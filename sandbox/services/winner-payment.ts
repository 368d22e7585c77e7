// Paying one winner transfer out of a task's frozen bounty, with the fee rules of docs/PROTOCOL.md §6.1 Fees: the winner
// gets gross − commission, the platform commission − Alipay's fee, Alipay its fee. Queues the per-transfer
// notifications (assign_transfer, platform_profit_transfer) with the announce / immediate sub-types. A winner whose
// account is abnormal (an injected accountAbnormal fault, stage payment) gets an assign_transfer with status F and
// the error_code, nothing moves, and no platform_profit_transfer follows: the amount stays frozen for the task.

import { splitWinnerTransfer, type FeeRates } from '../../alipay/core/fees';
import { ALIPAY_FEES, frozenAccount, platformAccount, winnerAccount } from '../books/accounts';
import { post } from '../books/journal';
import type { SandboxState } from '../runtime/persisted-state';
import type { OpContext } from './operation';
import type { TaskRecord, TransferRecord } from './task-records';

/** The split of a transfer's gross amount under the configured rates. */
export function transferSplit(
  grossFen: number,
  rates: FeeRates,
): Pick<TransferRecord, 'commissionFen' | 'winnerFen' | 'alipayFeeFen' | 'platformFen'> {
  const s = splitWinnerTransfer(grossFen, rates);
  return {
    commissionFen: s.commissionFen,
    winnerFen: s.winnerFen,
    alipayFeeFen: s.alipayFeeFen,
    platformFen: s.platformFen,
  };
}

/** Pays `t` (or fails it, on an abnormal account); returns whether money moved. */
export function payTransfer(
  state: SandboxState,
  ctx: OpContext,
  task: TaskRecord,
  t: TransferRecord,
  path: 'announce' | 'immediate',
): boolean {
  const from = frozenAccount(task.partner, task.outerTaskId);
  const ref = { partner: task.partner, outerTaskId: task.outerTaskId };
  const target = { url: t.notifyUrl, charset: t.charset, signType: t.signType };
  const assign = {
    type: 'assign_transfer',
    subType: path === 'announce' ? 'ASSIGN_FOR_ANNOUNCE_PAYMENT' : 'ASSIGN_FOR_IMMEDIATE_PAYMENT',
    partner: task.partner,
    outerTaskId: task.outerTaskId,
    outerTransferNo: t.outerTransferNo,
    alipayUserId: t.winnerUserId,
    amountFen: t.amountFen,
    commissionFen: t.commissionFen,
    winnerAmountFen: t.winnerFen,
    transferTime: ctx.now,
  } as const;
  const errorCode = ctx.winnerFault('payment', {
    outerTaskId: task.outerTaskId,
    outerTransferNo: t.outerTransferNo,
    alipayUserId: t.winnerUserId,
  });
  if (errorCode !== undefined) {
    failTransfer(t, 'payment', errorCode, ctx.now);
    ctx.enqueue(state, { outerTaskId: task.outerTaskId, target, data: { ...assign, status: 'F', errorCode } });
    return false;
  }
  post(state, ctx.now, {
    ...ref,
    from,
    to: winnerAccount(t.winnerUserId),
    amountFen: t.winnerFen,
    reason: 'winner_payment',
    ref: t.outerTransferNo,
  });
  post(state, ctx.now, {
    ...ref,
    from,
    to: platformAccount(task.partner),
    amountFen: t.platformFen,
    reason: 'commission',
    ref: t.outerTransferNo,
  });
  post(state, ctx.now, {
    ...ref,
    from,
    to: ALIPAY_FEES,
    amountFen: t.alipayFeeFen,
    reason: 'alipay_fee',
    ref: t.outerTransferNo,
  });
  task.totals.winnersReceived += t.winnerFen;
  task.totals.platformReceived += t.platformFen;
  task.totals.alipayFees += t.alipayFeeFen;
  t.paidAt = ctx.now;
  ctx.enqueue(state, { outerTaskId: task.outerTaskId, target, data: { ...assign, status: 'S' } });
  ctx.enqueue(state, {
    outerTaskId: task.outerTaskId,
    target,
    data: {
      type: 'platform_profit_transfer',
      subType: path === 'announce' ? 'PLATFORM_PROFIT_BY_ANNOUNCE_PAYMENT' : 'PLATFORM_PROFIT_BY_IMMEDIATE_PAYMENT',
      partner: task.partner,
      outerTaskId: task.outerTaskId,
      outerTransferNo: t.outerTransferNo,
      profitAmountFen: t.commissionFen,
      alipayFeeFen: t.alipayFeeFen,
      platformAmountFen: t.platformFen,
      status: 'S',
      transferTime: ctx.now,
    },
  });
  return true;
}

/** Mark a transfer failed: nothing was paid for it; its amount is not committed (it stays frozen for the task). */
export function failTransfer(
  t: TransferRecord,
  stage: NonNullable<TransferRecord['failedStage']>,
  errorCode: string,
  now: number,
): void {
  t.status = 'F';
  t.errorCode = errorCode;
  t.failedAt = now;
  t.failedStage = stage;
}
