/** amount.append: more bounty (and value-added fee) and/or a later deadline, paid by the publisher on a page. */
import { businessNumber } from '../../../alipay/core/business-numbers';
import type { ExtendInput } from '../../messages';
import type { Append, TaskState } from '../types';
import { flag, type Outcome } from './attention';
import { TaskRuleError } from './errors';
import { isFen, requireOpen } from './inputs';
import { transition } from './invariant';

/** The extend update's input (amount.append), under the ledger's former name. */
export type ExtendRequest = ExtendInput;

export function checkExtend(state: TaskState, input: ExtendRequest, nowMs: number): void {
  requireOpen(state, nowMs, 'extend');
  if (!isFen(input.addBountyFen))
    throw new TaskRuleError('ILLEGAL_ARGUMENT', 'addBountyFen: a non-negative integer number of fen');
  if (input.addValueAddedFeeFen !== undefined && !isFen(input.addValueAddedFeeFen))
    throw new TaskRuleError('ILLEGAL_ARGUMENT', 'addValueAddedFeeFen: a non-negative integer number of fen');
  if (!Number.isSafeInteger(input.newExpiresAtMs) || input.newExpiresAtMs % 1000 !== 0)
    throw new TaskRuleError('ILLEGAL_ARGUMENT', 'newExpiresAtMs: a time in whole seconds');
  if (input.newExpiresAtMs < state.spec.expiresAtMs)
    throw new TaskRuleError(
      'ILLEGAL_ARGUMENT',
      `newExpiresAtMs: not before the current deadline ${new Date(state.spec.expiresAtMs).toISOString()}`,
    );
  if (input.addBountyFen === 0 && !input.addValueAddedFeeFen && input.newExpiresAtMs === state.spec.expiresAtMs)
    throw new TaskRuleError('ILLEGAL_ARGUMENT', 'extend: nothing to append (no amount, same deadline)');
  const pending = state.appends.find((a) => a.status === 'requested');
  if (pending)
    throw new TaskRuleError(
      'WITKEY_NOT_ALLOW',
      `extend: amount.append ${pending.append} is still waiting for the publisher`,
    );
}

export function requestAppend(state: TaskState, input: ExtendRequest, nowMs: number): Append {
  return transition(state, nowMs, (s) => {
    checkExtend(s, input, nowMs);
    const n = s.appends.length + 1;
    const addVaf = input.addValueAddedFeeFen ?? 0;
    const append: Append = {
      append: n,
      freezeNo: businessNumber(s.spec.outerTaskId, { kind: 'appendFreeze', index: n }),
      valueAddedFeeTransferNo:
        addVaf > 0 ? businessNumber(s.spec.outerTaskId, { kind: 'appendProfit', index: n }) : undefined,
      addBountyFen: input.addBountyFen,
      addValueAddedFeeFen: addVaf,
      newExpiresAtMs: input.newExpiresAtMs,
      requestedAtMs: nowMs,
      status: 'requested',
    };
    s.appends.push(append);
    return append;
  });
}

export function applyAppendFreeze(state: TaskState, n: number, amountFen: number, nowMs: number): Outcome {
  return transition(state, nowMs, (s) => {
    const a = s.appends.find((x) => x.append === n)!;
    if (amountFen !== a.addBountyFen)
      return flag(
        s,
        'AMOUNT_MISMATCH',
        `amount.append ${n} froze ${amountFen} fen, expected ${a.addBountyFen}`,
        nowMs,
        { freezeNo: a.freezeNo, amountFen },
      );
    if (a.status === 'paid' || a.status === 'refunded') return 'duplicate';
    if (a.status === 'cancelled')
      return flag(
        s,
        'PAID_AFTER_CANCEL',
        `amount.append ${n} was paid after its trade was cancelled: check the trade`,
        nowMs,
        { freezeNo: a.freezeNo },
      );
    a.status = 'paid';
    s.ledger.bountyFrozenFen += amountFen;
    s.ledger.stillFrozenFen += amountFen;
    if (a.newExpiresAtMs > s.spec.expiresAtMs) s.spec.expiresAtMs = a.newExpiresAtMs;
    return 'applied';
  });
}

export function applyAppendValueAddedFee(state: TaskState, n: number, amountFen: number, nowMs: number): Outcome {
  return transition(state, nowMs, (s) => {
    const a = s.appends.find((x) => x.append === n)!;
    if (amountFen !== a.addValueAddedFeeFen)
      return flag(
        s,
        'AMOUNT_MISMATCH',
        `amount.append ${n} value-added fee of ${amountFen} fen, expected ${a.addValueAddedFeeFen}`,
        nowMs,
        { amountFen },
      );
    if (a.valueAddedFeePaid) return 'duplicate';
    a.valueAddedFeePaid = true;
    s.ledger.valueAddedFeePaidFen += amountFen;
    s.ledger.platformReceivedFen += amountFen;
    return 'applied';
  });
}

/** The unknown-outcome path of an amount.append: query found it paid, or cancel closed / refunded it. */
export function resolveAppend(
  state: TaskState,
  n: number,
  outcome: 'paid' | 'closed' | 'refunded',
  totalFen: number | undefined,
  nowMs: number,
): Outcome {
  const a = state.appends.find((x) => x.append === n);
  if (!a) throw new TaskRuleError('ILLEGAL_ARGUMENT', `no amount.append ${n}`);
  if (outcome === 'paid') {
    if (totalFen !== undefined && totalFen !== a.addBountyFen + a.addValueAddedFeeFen) {
      return transition(state, nowMs, (s) =>
        flag(
          s,
          'AMOUNT_MISMATCH',
          `trade.query reports ${totalFen} fen for amount.append ${n}, ` +
            `expected ${a.addBountyFen + a.addValueAddedFeeFen}`,
          nowMs,
          { totalFen },
        ),
      );
    }
    return applyAppendFreeze(state, n, a.addBountyFen, nowMs);
  }
  return transition(state, nowMs, (s) => {
    const x = s.appends.find((y) => y.append === n)!;
    x.resolved = true;
    if (x.status !== 'requested') return 'duplicate';
    if (outcome === 'closed') {
      x.status = 'cancelled';
      return 'applied';
    }
    // paid and refunded at once: in and out, nothing stays frozen (the deadline does not move). The fee went to the
    // platform and came back: if its notification was booked already, the platform gives it back; a notification
    // still to come is then a duplicate (the refund accounts for it)
    x.status = 'refunded';
    s.ledger.bountyFrozenFen += x.addBountyFen;
    if (x.valueAddedFeePaid) s.ledger.platformReceivedFen -= x.addValueAddedFeeFen;
    else s.ledger.valueAddedFeePaidFen += x.addValueAddedFeeFen;
    x.valueAddedFeePaid = true;
    s.ledger.refundedFen += x.addBountyFen + x.addValueAddedFeeFen;
    return 'applied';
  });
}
