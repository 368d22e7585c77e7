/**
 * The bounty is frozen (task_freeze, or found paid by trade.query) and the value-added fee reaches the platform;
 * a payment that never completed ends the task as cancelled, and one that came after the cancellation is refunded.
 */
import type { TaskState } from '../types';
import { applyAppendFreeze, applyAppendValueAddedFee } from './appends';
import { flag, type Outcome } from './attention';
import { TaskRuleError } from './errors';
import { transition } from './invariant';

/** task_freeze: the bounty is frozen. */
export function applyFreeze(
  state: TaskState,
  ev: { freezeNo: string; amountFen: number; payerAlipayUserId?: string; paidAtMs?: number },
  nowMs: number,
  /**
   * flagAfterSettlement: false only for histories from before the rule (a payment after a settlement was booked
   * silently).
   */
  rules: { flagAfterSettlement?: boolean } = {},
): Outcome {
  const append = state.appends.find((a) => a.freezeNo === ev.freezeNo);
  if (append) return applyAppendFreeze(state, append.append, ev.amountFen, nowMs);
  return transition(state, nowMs, (s) => {
    if (ev.freezeNo !== s.freezeNo)
      return flag(s, 'UNKNOWN_FREEZE', `freeze ${ev.freezeNo} is not this task's (${s.freezeNo})`, nowMs, ev);
    if (ev.amountFen !== s.spec.bountyFen)
      return flag(s, 'AMOUNT_MISMATCH', `freeze of ${ev.amountFen} fen, expected ${s.spec.bountyFen}`, nowMs, ev);
    if (s.paid && !s.cancelled) {
      // the browser's return usually comes first and may lack the payer's id: the notification completes it
      if (!s.spec.publisherAlipayUserId && ev.payerAlipayUserId) {
        s.spec.publisherAlipayUserId = ev.payerAlipayUserId;
        return 'applied';
      }
      return 'duplicate';
    }
    if (s.paid) return 'duplicate';
    if (s.manualSettlement && rules.flagAfterSettlement !== false) {
      // settled by an operator while unpaid, and paid afterwards: the money is frozen at Alipay and must not hide
      s.paid = true;
      s.paidAtMs = ev.paidAtMs ?? nowMs;
      s.ledger.bountyFrozenFen += ev.amountFen;
      s.ledger.stillFrozenFen += ev.amountFen;
      return flag(
        s,
        'PAID_AFTER_SETTLEMENT',
        `the bounty (${ev.amountFen} fen) was frozen after the task was settled manually: ` +
          `it is frozen at Alipay; settle it again or resolve it`,
        nowMs,
        ev,
      );
    }
    if (s.cancelled) {
      if (!s.latePayments.some((p) => p.freezeNo === ev.freezeNo))
        s.latePayments.push({ freezeNo: ev.freezeNo, amountFen: ev.amountFen, handled: false });
      return flag(
        s,
        'PAID_AFTER_CANCEL',
        'the freeze arrived after the task was cancelled: its trade is cancelled (refunded) automatically',
        nowMs,
        ev,
      );
    }
    s.paid = true;
    s.paidAtMs = ev.paidAtMs ?? nowMs;
    if (!s.spec.publisherAlipayUserId && ev.payerAlipayUserId) s.spec.publisherAlipayUserId = ev.payerAlipayUserId;
    s.ledger.bountyFrozenFen += ev.amountFen;
    s.ledger.stillFrozenFen += ev.amountFen;
    return 'applied';
  });
}

/** Whether the task's own value-added fee (not an append's) is in the books (states from before the flag: derived). */
export function mainFeeBooked(s: TaskState): boolean {
  if (s.valueAddedFeeBooked !== undefined) return s.valueAddedFeeBooked;
  const appendFees = s.appends.filter((a) => a.valueAddedFeePaid).reduce((sum, a) => sum + a.addValueAddedFeeFen, 0);
  return s.ledger.valueAddedFeePaidFen - appendFees > 0;
}

/** additional_profit_transfer: the value-added fee went to the platform. */
export function applyValueAddedFee(
  state: TaskState,
  ev: { transferNo: string; amountFen: number },
  nowMs: number,
): Outcome {
  const append = state.appends.find(
    (a) => a.valueAddedFeeTransferNo !== undefined && a.valueAddedFeeTransferNo === ev.transferNo,
  );
  if (append) return applyAppendValueAddedFee(state, append.append, ev.amountFen, nowMs);
  return transition(state, nowMs, (s) => {
    if (ev.transferNo !== s.valueAddedFeeTransferNo)
      return flag(s, 'UNKNOWN_TRANSFER', `value-added fee transfer ${ev.transferNo} is not this task's`, nowMs, ev);
    if (ev.amountFen !== s.spec.valueAddedFeeFen)
      return flag(
        s,
        'AMOUNT_MISMATCH',
        `value-added fee of ${ev.amountFen} fen, expected ${s.spec.valueAddedFeeFen}`,
        nowMs,
        ev,
      );
    if (mainFeeBooked(s)) return 'duplicate';
    if (s.cancelled)
      return flag(s, 'PAID_AFTER_CANCEL', 'the value-added fee arrived after the payment was cancelled', nowMs, ev);
    s.valueAddedFeeBooked = true;
    s.ledger.valueAddedFeePaidFen += ev.amountFen;
    s.ledger.platformReceivedFen += ev.amountFen;
    return 'applied';
  });
}

/**
 * The freeze trade was found paid by alipay.trade.query before its notification arrived: the task continues.
 * The query reports bounty + value-added fee; the bounty is applied here, the fee when its own notification comes.
 */
export function applyFreezeFoundByQuery(state: TaskState, totalFen: number | undefined, nowMs: number): Outcome {
  const expected = state.spec.bountyFen + state.spec.valueAddedFeeFen;
  if (totalFen !== undefined && totalFen !== expected) {
    return transition(state, nowMs, (s) =>
      flag(s, 'AMOUNT_MISMATCH', `trade.query reports ${totalFen} fen paid, expected ${expected}`, nowMs, {
        totalFen,
      }),
    );
  }
  return applyFreeze(state, { freezeNo: state.freezeNo, amountFen: state.spec.bountyFen, paidAtMs: nowMs }, nowMs);
}

/** A payment that arrived after the task was cancelled was refunded by trade.cancel: in and out, nothing stays. */
export function recordLatePaymentRefund(state: TaskState, freezeNo: string): void {
  transition(state, (s) => {
    const late = s.latePayments.find((p) => p.freezeNo === freezeNo);
    if (!late || late.handled) return;
    late.handled = true;
    const vaf = freezeNo === s.freezeNo && !mainFeeBooked(s) ? s.spec.valueAddedFeeFen : 0;
    if (vaf > 0) s.valueAddedFeeBooked = true;
    s.ledger.bountyFrozenFen += late.amountFen;
    s.ledger.valueAddedFeePaidFen += vaf;
    s.ledger.refundedFen += late.amountFen + vaf;
    for (const a of s.attention) if (a.code === 'PAID_AFTER_CANCEL' && !a.resolved) a.resolved = true;
  });
}

/**
 * The payment never completed and the freeze trade was cancelled (alipay.trade.cancel) or found closed: the task
 * ends as cancelled. With `refunded` the publisher had paid and got bounty and value-added fee back.
 */
export function cancelBeforePayment(
  state: TaskState,
  outcome: NonNullable<TaskState['cancellation']>['outcome'],
  nowMs: number,
): void {
  transition(state, nowMs, (s) => {
    if (s.cancelled) return;
    if (s.paid && outcome !== 'refunded')
      throw new TaskRuleError('WITKEY_NOT_ALLOW', 'the bounty is frozen: the task cannot be cancelled');
    s.cancelled = true;
    s.cancellation = { outcome, atMs: nowMs };
    if (outcome === 'refunded') {
      const l = s.ledger;
      if (!s.paid) {
        s.paid = true;
        l.bountyFrozenFen += s.spec.bountyFen;
        l.stillFrozenFen += s.spec.bountyFen;
      }
      if (!mainFeeBooked(s) && s.spec.valueAddedFeeFen > 0) {
        l.valueAddedFeePaidFen += s.spec.valueAddedFeeFen;
        l.platformReceivedFen += s.spec.valueAddedFeeFen;
      }
      s.valueAddedFeeBooked = true;
      // everything comes back: the frozen bounty and the fee the platform had received
      l.refundedFen += l.stillFrozenFen + s.spec.valueAddedFeeFen;
      l.platformReceivedFen -= s.spec.valueAddedFeeFen;
      l.stillFrozenFen = 0;
    }
  });
}
