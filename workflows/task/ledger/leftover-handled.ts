/** The leftover plan at Alipay: accepted (left_amount_handle), then its refund and platform share arrive. */
import type { LeftoverPlan, TaskState } from '../types';
import { flag, resolveAttention, type Outcome } from './attention';
import { transition } from './invariant';
import { settleLeftoverPlan } from './leftover';
import { availableFen } from './money';

export interface LeftAmountHandled {
  refund?: { serialNo: string; amountFen: number };
  platform?: { serialNo: string; amountFen: number };
  successBidders: { transferNo: string; amountFen: number }[];
  failedBidders: { transferNo: string; amountFen: number; errorCode?: string }[];
}

/** left_amount_handle (intermediate): Alipay accepted the plan; bidders with a broken account failed. */
export function applyLeftAmountHandled(state: TaskState, ev: LeftAmountHandled, nowMs: number): Outcome {
  return transition(state, nowMs, (s) => {
    const nos = [...ev.successBidders, ...ev.failedBidders].map((b) => b.transferNo);
    const plan = s.leftovers.find(
      (p) =>
        (ev.refund && p.refund?.serialNo === ev.refund.serialNo) ||
        (ev.platform && p.platform?.serialNo === ev.platform.serialNo) ||
        nos.some((no) => p.transferNos.includes(no)),
    );
    if (!plan)
      return flag(s, 'UNKNOWN_TRANSFER', 'left_amount_handle names no planned leftover of the task', nowMs, ev);
    if (plan.status === 'withdrawn') {
      const notFree = reinstateWithdrawnPlan(s, plan, ev, nowMs);
      if (notFree) return notFree;
    }
    if (plan.status !== 'planned') return 'duplicate';
    const mismatch = handledMismatch(s, plan, ev, nowMs);
    if (mismatch) return mismatch;
    acceptPlan(s, plan, ev, nowMs);
    return 'applied';
  });
}

/**
 * The admin submitted the page of a withdrawn plan after all: Alipay moved the money, so the books follow if it is
 * still free (the plan is reinstated as planned); otherwise the notification is flagged and nothing moves.
 */
function reinstateWithdrawnPlan(
  s: TaskState,
  plan: LeftoverPlan,
  ev: LeftAmountHandled,
  nowMs: number,
): Outcome | undefined {
  const total =
    (plan.refund?.amountFen ?? 0) +
    (plan.platform?.shareFen ?? 0) +
    plan.transferNos.reduce((sum, no) => sum + s.transfers[no].grossFen, 0);
  if (total > availableFen(s))
    return flag(
      s,
      'LEFTOVER_AFTER_WITHDRAWAL',
      `Alipay handled leftover plan ${plan.round} (${total} fen), which was withdrawn, ` +
        `and only ${availableFen(s)} fen is free: check with Alipay and settle`,
      nowMs,
      ev,
    );
  plan.status = 'planned';
  if (plan.refund) plan.refund.status = 'planned';
  if (plan.platform) plan.platform.status = 'planned';
  for (const no of plan.transferNos) s.transfers[no].status = 'requested';
  flag(
    s,
    'LEFTOVER_AFTER_WITHDRAWAL',
    `Alipay handled leftover plan ${plan.round} after it was withdrawn: the plan is reinstated and booked`,
    nowMs,
    ev,
  );
  return undefined;
}

/** A notification that does not match the plan (amounts, transfers) is flagged, and none of it applies. */
function handledMismatch(s: TaskState, plan: LeftoverPlan, ev: LeftAmountHandled, nowMs: number): Outcome | undefined {
  if (ev.refund && ev.refund.amountFen !== plan.refund?.amountFen)
    return flag(
      s,
      'AMOUNT_MISMATCH',
      `left_amount_handle refunds ${ev.refund.amountFen} fen, planned ${plan.refund?.amountFen ?? 0}`,
      nowMs,
      ev,
    );
  if (ev.platform && ev.platform.amountFen !== plan.platform?.shareFen)
    return flag(
      s,
      'AMOUNT_MISMATCH',
      `left_amount_handle gives the platform ${ev.platform.amountFen} fen, planned ${plan.platform?.shareFen ?? 0}`,
      nowMs,
      ev,
    );
  for (const b of [...ev.successBidders, ...ev.failedBidders]) {
    const t = s.transfers[b.transferNo];
    if (!t || !plan.transferNos.includes(b.transferNo))
      return flag(
        s,
        'UNKNOWN_TRANSFER',
        `left_amount_handle names transfer ${b.transferNo}, not in the plan`,
        nowMs,
        ev,
      );
    if (b.amountFen !== t.grossFen)
      return flag(
        s,
        'AMOUNT_MISMATCH',
        `left_amount_handle reports ${b.amountFen} fen for ${b.transferNo}, planned ${t.grossFen}`,
        nowMs,
        ev,
      );
  }
  return undefined;
}

/** Alipay accepted the plan: its parts and successful bidders move on notifications, failed bidders are free. */
function acceptPlan(s: TaskState, plan: LeftoverPlan, ev: LeftAmountHandled, nowMs: number): void {
  // the final refund / platform notifications may have come first: never downgrade a part that is done or failed
  if (plan.refund?.status === 'planned') plan.refund.status = 'accepted';
  if (plan.platform?.status === 'planned') plan.platform.status = 'accepted';
  for (const b of ev.successBidders) {
    s.transfers[b.transferNo].status = 'paying';
    s.transfers[b.transferNo].payingSinceMs = nowMs;
  }
  for (const b of ev.failedBidders) {
    const t = s.transfers[b.transferNo];
    t.status = 'failed';
    t.errorCode = b.errorCode ?? 'ACCOUNT_ABNORMAL';
  }
  plan.status = 'accepted';
  plan.acceptedAtMs = nowMs;
  if (!s.leftovers.some((p) => p.status === 'planned')) resolveAttention(s, 'LEFTOVER_UNCONFIRMED');
  settleLeftoverPlan(s, plan);
}

/** refund_transfer: the refund to the publisher arrived (or failed). */
export function applyRefund(
  state: TaskState,
  ev: { serialNo: string; amountFen: number; success: boolean },
  nowMs: number,
): Outcome {
  return transition(state, nowMs, (s) => {
    const plan = s.leftovers.find((p) => p.refund?.serialNo === ev.serialNo);
    if (!plan || !plan.refund)
      return flag(s, 'UNKNOWN_TRANSFER', `refund_transfer for ${ev.serialNo}, unknown to the task`, nowMs, ev);
    const part = plan.refund;
    if (part.status === 'done' && ev.success) return 'duplicate';
    if (part.status === 'failed' && !ev.success) return 'duplicate';
    if (part.status === 'done' || part.status === 'failed')
      return flag(
        s,
        'STATUS_MISMATCH',
        `refund ${ev.serialNo} reported ${ev.success ? 'done' : 'failed'} after it was reported ${part.status}`,
        nowMs,
        ev,
      );
    if (ev.amountFen !== part.amountFen)
      return flag(
        s,
        'AMOUNT_MISMATCH',
        `refund of ${ev.amountFen} fen on ${ev.serialNo}, planned ${part.amountFen}`,
        nowMs,
        ev,
      );
    if (!ev.success) {
      part.status = 'failed';
    } else {
      part.status = 'done';
      s.ledger.stillFrozenFen -= part.amountFen;
      s.ledger.refundedFen += part.amountFen;
    }
    settleLeftoverPlan(s, plan);
    return 'applied';
  });
}

/** platform_profit_transfer naming a leftover plan's serial: the platform's share arrived (or failed). */
export function applyLeftoverPlatformShare(
  s: TaskState,
  ev: { transferNo: string; platformFen: number; profitFen?: number; alipayFeeFen?: number; success?: boolean },
  nowMs: number,
): Outcome {
  const failed = ev.success === false;
  const plan = s.leftovers.find((p) => p.platform?.serialNo === ev.transferNo);
  if (!plan || !plan.platform)
    return flag(s, 'UNKNOWN_TRANSFER', `platform_profit_transfer for ${ev.transferNo}, unknown to the task`, nowMs, ev);
  const part = plan.platform;
  if (part.status === 'done') return 'duplicate';
  if (part.status === 'failed')
    return flag(
      s,
      'STATUS_MISMATCH',
      `platform share ${ev.transferNo} arrived after it was reported failed`,
      nowMs,
      ev,
    );
  if (failed) {
    part.status = 'failed';
    settleLeftoverPlan(s, plan);
    return 'applied';
  }
  if (
    ev.platformFen !== part.platformFen ||
    (ev.profitFen ?? part.shareFen) !== part.shareFen ||
    (ev.alipayFeeFen ?? part.alipayFeeFen) !== part.alipayFeeFen
  ) {
    return flag(
      s,
      'AMOUNT_MISMATCH',
      `platform share of ${ev.platformFen} fen on ${ev.transferNo}, ` +
        `expected ${part.platformFen} (share ${part.shareFen}, fee ${part.alipayFeeFen})`,
      nowMs,
      ev,
    );
  }
  part.status = 'done';
  s.ledger.stillFrozenFen -= part.shareFen;
  s.ledger.platformReceivedFen += part.platformFen;
  s.ledger.alipayFeesFen += part.alipayFeeFen;
  settleLeftoverPlan(s, plan);
  return 'applied';
}
