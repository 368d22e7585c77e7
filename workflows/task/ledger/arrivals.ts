/** The money of a transfer arrives: the winner's share (assign_transfer) and the commission (platform_profit). */
import type { TaskState, Transfer } from '../types';
import { flag, type Outcome } from './attention';
import { transition } from './invariant';
import { settleLeftoverOf } from './leftover';
import { applyLeftoverPlatformShare } from './leftover-handled';

/** assign_transfer: the winner's share of a transfer arrived (or failed). */
export function applyAssign(
  state: TaskState,
  ev: {
    transferNo: string;
    winnerFen: number;
    grossFen?: number;
    commissionFen?: number;
    success: boolean;
    errorCode?: string;
  },
  nowMs: number,
): Outcome {
  return transition(state, nowMs, (s) => {
    const t = s.transfers[ev.transferNo];
    if (!t) return flag(s, 'UNKNOWN_TRANSFER', `assign_transfer for ${ev.transferNo}, unknown to the task`, nowMs, ev);
    if (t.winnerPaid) return 'duplicate';
    // its task_confirm / payout / left_amount_handle is still on the way
    if (t.status === 'requested' || t.status === 'waiting') return 'not_yet';
    if (t.status !== 'paying')
      return flag(s, 'STATUS_MISMATCH', `assign_transfer for ${ev.transferNo}, which is ${t.status}`, nowMs, ev);
    if (!ev.success) {
      if (t.commissionSettled && t.commissionFen > 0)
        return flag(
          s,
          'STATUS_MISMATCH',
          `assign_transfer failed for ${ev.transferNo} after its commission was settled`,
          nowMs,
          ev,
        );
      t.status = 'failed';
      t.errorCode = ev.errorCode ?? 'TRANSFER_FAILED';
      settleLeftoverOf(s, t);
      return 'applied';
    }
    if (
      ev.winnerFen !== t.winnerFen ||
      (ev.grossFen ?? t.grossFen) !== t.grossFen ||
      (ev.commissionFen ?? t.commissionFen) !== t.commissionFen
    ) {
      return flag(
        s,
        'AMOUNT_MISMATCH',
        `assign_transfer pays ${ev.winnerFen} fen to ${ev.transferNo} ` +
          `(gross ${ev.grossFen ?? '?'}, commission ${ev.commissionFen ?? '?'}), ` +
          `expected ${t.winnerFen} (gross ${t.grossFen}, commission ${t.commissionFen})`,
        nowMs,
        ev,
      );
    }
    t.winnerPaid = true;
    t.status = 'paid';
    s.ledger.stillFrozenFen -= t.winnerFen;
    s.ledger.winnersReceivedFen += t.winnerFen;
    settleLeftoverOf(s, t);
    return 'applied';
  });
}

/** The money of a platform_profit_transfer: a commission (by transfer number) or a leftover platform share. */
export interface PlatformProfit {
  transferNo: string;
  platformFen: number;
  profitFen?: number;
  alipayFeeFen?: number;
  success?: boolean;
  errorCode?: string;
}

/** platform_profit_transfer: a commission (by transfer number) or a leftover platform share (by serial) arrived. */
export function applyPlatformProfit(state: TaskState, ev: PlatformProfit, nowMs: number): Outcome {
  return transition(state, nowMs, (s) => {
    const t = s.transfers[ev.transferNo];
    return t ? applyCommission(s, t, ev, nowMs) : applyLeftoverPlatformShare(s, ev, nowMs);
  });
}

/** The commission of a winner transfer reached the platform (net of Alipay's fee), or failed. */
function applyCommission(s: TaskState, t: Transfer, ev: PlatformProfit, nowMs: number): Outcome {
  const failed = ev.success === false;
  if (t.commissionSettled) return 'duplicate';
  if (t.status === 'requested' || t.status === 'waiting') return 'not_yet';
  if (t.status !== 'paying' && t.status !== 'paid')
    return flag(s, 'STATUS_MISMATCH', `platform_profit_transfer for ${ev.transferNo}, which is ${t.status}`, nowMs, ev);
  if (failed)
    return flag(
      s,
      'COMMISSION_FAILED',
      `the commission transfer of ${ev.transferNo} failed (${ev.errorCode ?? 'no code'})`,
      nowMs,
      ev,
    );
  if (
    ev.platformFen !== t.platformFen ||
    (ev.profitFen ?? t.commissionFen) !== t.commissionFen ||
    (ev.alipayFeeFen ?? t.alipayFeeFen) !== t.alipayFeeFen
  ) {
    return flag(
      s,
      'AMOUNT_MISMATCH',
      `platform profit of ${ev.platformFen} fen on ${ev.transferNo} ` +
        `(commission ${ev.profitFen ?? '?'}, fee ${ev.alipayFeeFen ?? '?'}), ` +
        `expected ${t.platformFen} (commission ${t.commissionFen}, fee ${t.alipayFeeFen})`,
      nowMs,
      ev,
    );
  }
  t.commissionSettled = true;
  s.ledger.stillFrozenFen -= t.commissionFen;
  s.ledger.platformReceivedFen += t.platformFen;
  s.ledger.alipayFeesFen += t.alipayFeeFen;
  settleLeftoverOf(s, t);
  return 'applied';
}
