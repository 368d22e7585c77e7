/**
 * The functional core of a bounty task: what is allowed (the preconditions of the notes), what each
 * notification does to the money, and the conservation invariant. Plain functions over plain data, no
 * Temporal imports, so unit and property tests drive it directly and the workflow only waits and calls.
 *
 * Every transition runs on a copy and is committed only when the invariant holds afterwards: a refused
 * operation (TaskRuleError) or a broken invariant changes nothing.
 */
import { splitLeftoverPlatformShare, splitWinnerTransfer } from '../../alipay/core/fees';
import { businessNumber } from '../../alipay/core/business-numbers';
import { DETAIL_LIMITS } from '../../alipay/core/services';
import { checkDetailValue } from '../../alipay/core/detail';
import { PARTNER_ID_PATTERN } from '../../alipay/core/fields';
import { MAX_FEN } from '../../alipay/core/money';
import type { Append, LedgerFigures, LeftoverPlan, Round, TaskSpec, TaskState, Transfer } from './types';

/** A refused operation: `code` mirrors Alipay's witkey codes where one applies. Nothing was changed. */
export class TaskRuleError extends Error {
  override name = 'TaskRuleError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The invariant was broken by a transition: a bug, never an input problem. Nothing was changed. */
export class ConservationError extends Error {
  override name = 'ConservationError';
}

/** Limits of one call (from the seeds and the notes). */
export const LIMITS = {
  winnersPerRound: DETAIL_LIMITS['task.confirm/transfer_detail'].maxRecords,
  payoutBatch: DETAIL_LIMITS['confirm.by.platform/transfer_detail'].maxRecords,
  cancelBatch: DETAIL_LIMITS['cancel.confirm.by.platform/cancel_transfer_detail'].maxRecords,
  leftoverTransfers: DETAIL_LIMITS['left.amount.handle/transfer_detail'].maxRecords,
} as const;

const EMPTY_LEDGER: LedgerFigures = {
  bountyFrozenFen: 0,
  valueAddedFeePaidFen: 0,
  winnersReceivedFen: 0,
  platformReceivedFen: 0,
  alipayFeesFen: 0,
  refundedFen: 0,
  stillFrozenFen: 0,
};

/** Array.isArray without narrowing to any[] (inputs arrive as JSON and are checked field by field). */
function isList(x: unknown): boolean {
  return Array.isArray(x);
}

function isFen(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 && n <= MAX_FEN;
}

export function validateSpec(spec: TaskSpec): TaskSpec {
  const bad = (field: string, why: string): never => {
    throw new TaskRuleError('ILLEGAL_ARGUMENT', `${field}: ${why}`);
  };
  if (typeof spec.outerTaskId !== 'string' || !/^[A-Za-z0-9_.:-]{1,50}$/.test(spec.outerTaskId))
    bad('outerTaskId', "1-50 characters of letters, digits, '_', '.', ':' or '-'");
  if (typeof spec.title !== 'string' || spec.title.length === 0 || spec.title.length > 250)
    bad('title', '1-250 characters');
  if (typeof spec.taskType !== 'string' || spec.taskType.length === 0 || spec.taskType.length > 20)
    bad('taskType', '1-20 characters');
  if (typeof spec.publisherId !== 'string' || spec.publisherId.length === 0 || spec.publisherId.length > 50)
    bad('publisherId', '1-50 characters');
  if (spec.publisherAlipayUserId !== undefined && !PARTNER_ID_PATTERN.test(spec.publisherAlipayUserId))
    bad('publisherAlipayUserId', 'a 16-digit Alipay user id starting with 2088');
  if (!isFen(spec.bountyFen) || spec.bountyFen === 0) bad('bountyFen', 'a positive integer number of fen');
  if (!isFen(spec.valueAddedFeeFen)) bad('valueAddedFeeFen', 'a non-negative integer number of fen');
  if (!Number.isSafeInteger(spec.expiresAtMs) || spec.expiresAtMs <= 0) bad('expiresAtMs', 'a time in ms since epoch');
  if (spec.expiresAtMs % 1000 !== 0)
    bad('expiresAtMs', "whole seconds (Alipay's yyyyMMddHHmmss times carry no milliseconds)");
  for (const k of ['commissionBp', 'alipayFeeBp'] as const) {
    const v = spec.feeRates?.[k];
    if (!Number.isInteger(v) || v < 0 || v > 10_000)
      bad(`feeRates.${k}`, 'an integer number of basis points in 0..10000');
  }
  if (spec.feeRates.commissionBp === 10_000)
    bad('feeRates.commissionBp', 'below 10000 (a winner must receive something)');
  return spec;
}

export function newTaskState(spec: TaskSpec): TaskState {
  validateSpec(spec);
  return {
    spec,
    freezeNo: businessNumber(spec.outerTaskId, { kind: 'freeze' }),
    valueAddedFeeTransferNo:
      spec.valueAddedFeeFen > 0 ? businessNumber(spec.outerTaskId, { kind: 'additionalProfit' }) : undefined,
    paid: false,
    ledger: { ...EMPTY_LEDGER },
    transfers: {},
    rounds: [],
    leftovers: [],
    nextTransferIndex: 1,
    processedNotifyIds: [],
    attention: [],
    cancelled: false,
    appends: [],
    deferred: [],
    cancelUnknown: [],
    latePayments: [],
    operatorActions: [],
  };
}

// ------------------------------------------------------------------------------------------ the invariant

/** Money of the frozen bounty that is spoken for: transfers not yet fully moved, leftover parts not yet done. */
export function earmarkedFen(state: TaskState): number {
  let sum = 0;
  for (const t of Object.values(state.transfers)) {
    if (t.status === 'failed' || t.status === 'cancelled' || t.status === 'abandoned') continue;
    if (!t.winnerPaid) sum += t.winnerFen;
    if (!t.commissionSettled) sum += t.commissionFen;
  }
  for (const plan of state.leftovers) {
    if (plan.refund && (plan.refund.status === 'planned' || plan.refund.status === 'accepted'))
      sum += plan.refund.amountFen;
    if (plan.platform && (plan.platform.status === 'planned' || plan.platform.status === 'accepted'))
      sum += plan.platform.shareFen;
  }
  return sum;
}

/** Frozen money nobody has claimed: what winners, a leftover plan, or a refund may still take. */
export function availableFen(state: TaskState): number {
  return state.ledger.stillFrozenFen - earmarkedFen(state);
}

/** Throws ConservationError when the figures do not add up. */
export function checkConservation(state: TaskState): void {
  const l = state.ledger;
  for (const [k, v] of Object.entries(l)) {
    if (!isFen(v)) throw new ConservationError(`ledger.${k} = ${String(v)} is not a non-negative safe integer`);
  }
  const inflow = l.bountyFrozenFen + l.valueAddedFeePaidFen;
  const outflow = l.winnersReceivedFen + l.platformReceivedFen + l.alipayFeesFen + l.refundedFen + l.stillFrozenFen;
  if (inflow !== outflow) {
    throw new ConservationError(
      `frozen ${l.bountyFrozenFen} + value-added fee ${l.valueAddedFeePaidFen} != winners ${l.winnersReceivedFen} + platform ${l.platformReceivedFen} + Alipay fees ${l.alipayFeesFen} + refunded ${l.refundedFen} + still frozen ${l.stillFrozenFen}`,
    );
  }
  const available = availableFen(state);
  if (available < 0)
    throw new ConservationError(`earmarked ${earmarkedFen(state)} exceeds still frozen ${l.stillFrozenFen}`);
}

/**
 * Runs `fn` on a copy of the state and commits the copy only if `fn` returns without throwing and the invariant
 * holds. Returns what `fn` returned.
 */
export function transition<T>(state: TaskState, fn: (draft: TaskState) => T): T {
  const draft = JSON.parse(JSON.stringify(state)) as TaskState;
  const result = fn(draft);
  checkConservation(draft);
  for (const key of Object.keys(state) as (keyof TaskState)[]) delete state[key];
  Object.assign(state, draft);
  return result;
}

// ------------------------------------------------------------------------------------------ helpers

function transfer(state: TaskState, transferNo: string): Transfer {
  const t = state.transfers[transferNo];
  if (!t)
    throw new TaskRuleError(
      'WITKEY_TRANSFER_NOT_EXIST',
      `transfer ${transferNo} does not belong to task ${state.spec.outerTaskId}`,
    );
  return t;
}

function requireOpen(state: TaskState, nowMs: number, action: string): void {
  if (state.cancelled) throw new TaskRuleError('WITKEY_NOT_ALLOW', `${action}: the task was cancelled`);
  if (!state.paid)
    throw new TaskRuleError('WITKEY_NOT_ALLOW', `${action}: the bounty is not frozen yet (awaiting payment)`);
  if (nowMs >= state.spec.expiresAtMs)
    throw new TaskRuleError(
      'WITKEY_NOT_ALLOW',
      `${action}: the task expired at ${new Date(state.spec.expiresAtMs).toISOString()}`,
    );
}

function newTransfer(state: TaskState, round: number, path: Transfer['path'], w: WinnerInput): Transfer {
  const split = splitWinnerTransfer(w.amountFen, state.spec.feeRates);
  const transferNo = businessNumber(state.spec.outerTaskId, { kind: 'transfer', index: state.nextTransferIndex });
  state.nextTransferIndex += 1;
  const t: Transfer = {
    transferNo,
    round,
    path,
    winnerAlipayUserId: w.alipayUserId,
    winnerNickname: w.nickname,
    grossFen: split.grossFen,
    commissionFen: split.commissionFen,
    winnerFen: split.winnerFen,
    alipayFeeFen: split.alipayFeeFen,
    platformFen: split.platformFen,
    status: 'requested',
    winnerPaid: false,
    // a zero commission has nothing to settle: no platform_profit_transfer will come for it
    commissionSettled: split.commissionFen === 0,
  };
  state.transfers[transferNo] = t;
  return t;
}

export interface WinnerInput {
  /** The winner's Alipay user id (2088…, 16 digits). */
  alipayUserId: string;
  nickname: string;
  amountFen: number;
}

function validateWinners(state: TaskState, winners: readonly WinnerInput[], max: number): number {
  if (!isList(winners) || winners.length === 0)
    throw new TaskRuleError('ILLEGAL_ARGUMENT', 'winners: at least one winner');
  if (winners.length > max)
    throw new TaskRuleError('WITKEY_COUNT_NOT_MATCH', `winners: at most ${max} in one call, got ${winners.length}`);
  let total = 0;
  winners.forEach((w, i) => {
    const at = `winners[${i}]`;
    if (typeof w.alipayUserId !== 'string' || !PARTNER_ID_PATTERN.test(w.alipayUserId))
      throw new TaskRuleError('ILLEGAL_ARGUMENT', `${at}.alipayUserId: a 16-digit Alipay user id starting with 2088`);
    if (w.alipayUserId === state.spec.publisherAlipayUserId)
      throw new TaskRuleError('BIDDER_EQUALS_TASK_CREATOR_ERROR', `${at}: the winner is the publisher`);
    if (typeof w.nickname !== 'string' || w.nickname.length === 0 || w.nickname.length > 128)
      throw new TaskRuleError('ILLEGAL_ARGUMENT', `${at}.nickname: 1-128 characters`);
    try {
      checkDetailValue(`${at}.nickname`, w.nickname);
    } catch (err) {
      throw new TaskRuleError('ILLEGAL_ARGUMENT', `${at}.nickname: ${(err as Error).message}`);
    }
    if (!isFen(w.amountFen) || w.amountFen === 0)
      throw new TaskRuleError('ILLEGAL_ARGUMENT', `${at}.amountFen: a positive integer number of fen`);
    if (splitWinnerTransfer(w.amountFen, state.spec.feeRates).winnerFen < 1) {
      // rounding the commission half up would leave the winner nothing: such a transfer is refused, never sent
      throw new TaskRuleError(
        'ILLEGAL_ARGUMENT',
        `${at}.amountFen: ${w.amountFen} fen is too small: after the commission (${state.spec.feeRates.commissionBp / 100}%, rounded half up) the winner would receive 0 fen`,
      );
    }
    total += w.amountFen;
  });
  const available = availableFen(state);
  if (total > available)
    throw new TaskRuleError(
      'WITKEY_TASK_LEF_AMOUNT_NOT_ENOUGH',
      `winners total ${total} fen but only ${available} fen of the bounty is free`,
    );
  return total;
}

// ------------------------------------------------------------------------------------------ freeze

/**
 * What a notification did: applied; a duplicate (already applied under another notify_id); recorded for an
 * operator (attention); or not yet applicable — it reports a later step than the task has seen (notifications are
 * reordered), so the workflow keeps it and applies it again after every change.
 */
export type Outcome = 'applied' | 'duplicate' | 'attention' | 'not_yet';

function flag(state: TaskState, code: string, message: string, nowMs: number, evidence?: unknown): Outcome {
  state.attention.push({ code, message, evidence, atMs: nowMs });
  return 'attention';
}

/** task_freeze: the bounty is frozen. */
export function applyFreeze(
  state: TaskState,
  ev: { freezeNo: string; amountFen: number; payerAlipayUserId?: string; paidAtMs?: number },
  nowMs: number,
  /** flagAfterSettlement: false only for histories from before the rule (a payment after a settlement was booked silently). */
  rules: { flagAfterSettlement?: boolean } = {},
): Outcome {
  const append = state.appends.find((a) => a.freezeNo === ev.freezeNo);
  if (append) return applyAppendFreeze(state, append.append, ev.amountFen, nowMs);
  return transition(state, (s) => {
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
        `the bounty (${ev.amountFen} fen) was frozen after the task was settled manually: it is frozen at Alipay; settle it again or resolve it`,
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
  return transition(state, (s) => {
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
    return transition(state, (s) =>
      flag(s, 'AMOUNT_MISMATCH', `trade.query reports ${totalFen} fen paid, expected ${expected}`, nowMs, { totalFen }),
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
  transition(state, (s) => {
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

// ------------------------------------------------------------------------------------------ amount.append

export interface ExtendRequest {
  addBountyFen: number;
  addValueAddedFeeFen?: number;
  newExpiresAtMs: number;
}

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
  return transition(state, (s) => {
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

function applyAppendFreeze(state: TaskState, n: number, amountFen: number, nowMs: number): Outcome {
  return transition(state, (s) => {
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

function applyAppendValueAddedFee(state: TaskState, n: number, amountFen: number, nowMs: number): Outcome {
  return transition(state, (s) => {
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
      return transition(state, (s) =>
        flag(
          s,
          'AMOUNT_MISMATCH',
          `trade.query reports ${totalFen} fen for amount.append ${n}, expected ${a.addBountyFen + a.addValueAddedFeeFen}`,
          nowMs,
          { totalFen },
        ),
      );
    }
    return applyAppendFreeze(state, n, a.addBountyFen, nowMs);
  }
  return transition(state, (s) => {
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

// ------------------------------------------------------------------------------------------ winners

export interface SelectWinnersInput {
  winners: WinnerInput[];
  /** End of the announcement period (ms); omitted = pay immediately. */
  announceEndMs?: number;
}

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
  return transition(state, (s) => {
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
function reinstateWithdrawnRound(s: TaskState, ev: { transfers: ConfirmedTransfer[] }, nowMs: number): void {
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
  return transition(state, (s) => {
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
  transition(state, (s) => {
    for (const no of transferNos) {
      const t = transfer(s, no);
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

// ------------------------------------------------------------------------------------------ cancellation

/** Validates a cancellation (the update validator): only W transfers during their round's announcement. */
export function checkCancelWinners(state: TaskState, transferNos: readonly string[], nowMs: number): void {
  if (!isList(transferNos) || transferNos.length === 0)
    throw new TaskRuleError('ILLEGAL_ARGUMENT', 'transferNos: at least one transfer');
  if (transferNos.length > LIMITS.cancelBatch)
    throw new TaskRuleError('WITKEY_COUNT_NOT_MATCH', `transferNos: at most ${LIMITS.cancelBatch} in one call`);
  if (new Set(transferNos).size !== transferNos.length)
    throw new TaskRuleError('ILLEGAL_ARGUMENT', 'transferNos: duplicates');
  for (const no of transferNos) {
    const t = transfer(state, no);
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
  transition(state, (s) => {
    for (const no of result.cancelled) {
      const t = transfer(s, no);
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
      const t = transfer(s, f.transferNo);
      t.errorCode = f.errorCode;
    }
  });
}

// ------------------------------------------------------------------------------------------ transfers complete

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
  return transition(state, (s) => {
    const t = s.transfers[ev.transferNo];
    if (!t) return flag(s, 'UNKNOWN_TRANSFER', `assign_transfer for ${ev.transferNo}, unknown to the task`, nowMs, ev);
    if (t.winnerPaid) return 'duplicate';
    if (t.status === 'requested' || t.status === 'waiting') return 'not_yet'; // its task_confirm / payout / left_amount_handle is still on the way
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
        `assign_transfer pays ${ev.winnerFen} fen to ${ev.transferNo} (gross ${ev.grossFen ?? '?'}, commission ${ev.commissionFen ?? '?'}), expected ${t.winnerFen} (gross ${t.grossFen}, commission ${t.commissionFen})`,
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

/** platform_profit_transfer: a commission (by transfer number) or a leftover platform share (by serial) arrived. */
export function applyPlatformProfit(
  state: TaskState,
  ev: {
    transferNo: string;
    platformFen: number;
    profitFen?: number;
    alipayFeeFen?: number;
    success?: boolean;
    errorCode?: string;
  },
  nowMs: number,
): Outcome {
  return transition(state, (s) => {
    const t = s.transfers[ev.transferNo];
    const failed = ev.success === false;
    if (t) {
      if (t.commissionSettled) return 'duplicate';
      if (t.status === 'requested' || t.status === 'waiting') return 'not_yet';
      if (t.status !== 'paying' && t.status !== 'paid')
        return flag(
          s,
          'STATUS_MISMATCH',
          `platform_profit_transfer for ${ev.transferNo}, which is ${t.status}`,
          nowMs,
          ev,
        );
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
          `platform profit of ${ev.platformFen} fen on ${ev.transferNo} (commission ${ev.profitFen ?? '?'}, fee ${ev.alipayFeeFen ?? '?'}), expected ${t.platformFen} (commission ${t.commissionFen}, fee ${t.alipayFeeFen})`,
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
    const plan = s.leftovers.find((p) => p.platform?.serialNo === ev.transferNo);
    if (!plan || !plan.platform)
      return flag(
        s,
        'UNKNOWN_TRANSFER',
        `platform_profit_transfer for ${ev.transferNo}, unknown to the task`,
        nowMs,
        ev,
      );
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
        `platform share of ${ev.platformFen} fen on ${ev.transferNo}, expected ${part.platformFen} (share ${part.shareFen}, fee ${part.alipayFeeFen})`,
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
  });
}

// ------------------------------------------------------------------------------------------ expiry and leftover

/**
 * Rounds the publisher never confirmed are abandoned and their amounts freed — not at expiry itself: a confirmation
 * made before the deadline may be notified up to the resend window later, so they are kept until then.
 */
export function expire(state: TaskState, nowMs: number, graceMs = 0): void {
  if (nowMs < state.spec.expiresAtMs + graceMs) return;
  transition(state, (s) => {
    for (const r of s.rounds) {
      if (r.status !== 'requested') continue;
      r.status = 'abandoned';
      for (const no of r.transferNos) if (s.transfers[no].status === 'requested') s.transfers[no].status = 'abandoned';
    }
  });
}

export function transfersInFlight(state: TaskState): Transfer[] {
  return Object.values(state.transfers).filter(
    (t) =>
      t.status === 'waiting' ||
      (t.status === 'paying' && !t.winnerPaid) ||
      ((t.status === 'paid' || t.status === 'paying') && !t.commissionSettled) ||
      t.status === 'requested',
  );
}

export interface LeftoverInput {
  refundFen: number;
  platformFen: number;
  winners: WinnerInput[];
}

export function checkPlanLeftover(state: TaskState, input: LeftoverInput, nowMs: number): void {
  if (!state.paid || state.cancelled) throw new TaskRuleError('WITKEY_NOT_ALLOW', 'leftover: the bounty is not frozen');
  if (nowMs < state.spec.expiresAtMs)
    throw new TaskRuleError(
      'WITKEY_NOT_ALLOW',
      `leftover: only after the task expires (${new Date(state.spec.expiresAtMs).toISOString()})`,
    );
  const pendingPlan = state.leftovers.find((p) => p.status === 'planned');
  if (pendingPlan)
    throw new TaskRuleError(
      'WITKEY_NOT_ALLOW',
      `leftover: plan ${pendingPlan.round} is still waiting for the admin's confirmation`,
    );
  const unconfirmed = state.rounds.filter((r) => r.status === 'requested');
  if (unconfirmed.length)
    throw new TaskRuleError(
      'NOT_DONE_OF_TRANSFER_FOUND',
      `leftover: round(s) ${unconfirmed.map((r) => r.round).join(', ')} may still be confirmed by the publisher (their notification can arrive until the resend window after expiry has passed); wait`,
    );
  const inFlight = transfersInFlight(state).filter((t) => t.status !== 'requested');
  if (inFlight.length)
    throw new TaskRuleError(
      'NOT_DONE_OF_TRANSFER_FOUND',
      `leftover: ${inFlight.length} transfer(s) still in flight (${inFlight.map((t) => t.transferNo).join(', ')}); wait for them`,
    );
  if (!isFen(input.refundFen))
    throw new TaskRuleError('ILLEGAL_ARGUMENT', 'refundFen: a non-negative integer number of fen');
  if (!isFen(input.platformFen))
    throw new TaskRuleError('ILLEGAL_ARGUMENT', 'platformFen: a non-negative integer number of fen');
  const winners = input.winners ?? [];
  const winnersTotal = winners.length ? validateWinners(state, winners, LIMITS.leftoverTransfers) : 0;
  const total = input.refundFen + input.platformFen + winnersTotal;
  if (total === 0) throw new TaskRuleError('ILLEGAL_ARGUMENT', 'leftover: the plan moves nothing');
  const available = availableFen(state);
  if (total > available)
    throw new TaskRuleError(
      'WITKEY_TASK_LEF_AMOUNT_NOT_ENOUGH',
      `leftover: the plan moves ${total} fen but ${available} fen is left`,
    );
}

/** A leftover split for the admin's left.amount.handle page. Earmarks the amounts. */
export function planLeftover(state: TaskState, input: LeftoverInput, nowMs: number): LeftoverPlan {
  return transition(state, (s) => {
    checkPlanLeftover(s, input, nowMs);
    const round = s.leftovers.length + 1;
    const plan: LeftoverPlan = { round, transferNos: [], status: 'planned' };
    if (input.refundFen > 0)
      plan.refund = {
        serialNo: businessNumber(s.spec.outerTaskId, { kind: 'leftoverRefund', index: round }),
        amountFen: input.refundFen,
        status: 'planned',
      };
    if (input.platformFen > 0) {
      const split = splitLeftoverPlatformShare(input.platformFen, s.spec.feeRates);
      plan.platform = {
        serialNo: businessNumber(s.spec.outerTaskId, { kind: 'leftoverPlatform', index: round }),
        shareFen: split.shareFen,
        alipayFeeFen: split.alipayFeeFen,
        platformFen: split.platformFen,
        status: 'planned',
      };
    }
    for (const w of input.winners ?? []) plan.transferNos.push(newTransfer(s, round, 'leftover', w).transferNo);
    plan.plannedAtMs = nowMs;
    s.leftovers.push(plan);
    resolveAttention(s, 'LEFTOVER_NOT_PLANNED');
    return plan;
  });
}

export interface LeftAmountHandled {
  refund?: { serialNo: string; amountFen: number };
  platform?: { serialNo: string; amountFen: number };
  successBidders: { transferNo: string; amountFen: number }[];
  failedBidders: { transferNo: string; amountFen: number; errorCode?: string }[];
}

/** left_amount_handle (intermediate): Alipay accepted the plan; bidders with a broken account failed. */
export function applyLeftAmountHandled(state: TaskState, ev: LeftAmountHandled, nowMs: number): Outcome {
  return transition(state, (s) => {
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
      // the admin submitted the page after all: Alipay moved the money, so the books follow if it is still free
      const total =
        (plan.refund?.amountFen ?? 0) +
        (plan.platform?.shareFen ?? 0) +
        plan.transferNos.reduce((sum, no) => sum + s.transfers[no].grossFen, 0);
      if (total > availableFen(s))
        return flag(
          s,
          'LEFTOVER_AFTER_WITHDRAWAL',
          `Alipay handled leftover plan ${plan.round} (${total} fen), which was withdrawn, and only ${availableFen(s)} fen is free: check with Alipay and settle`,
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
    }
    if (plan.status !== 'planned') return 'duplicate';
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
    return 'applied';
  });
}

/** refund_transfer: the refund to the publisher arrived (or failed). */
export function applyRefund(
  state: TaskState,
  ev: { serialNo: string; amountFen: number; success: boolean },
  nowMs: number,
): Outcome {
  return transition(state, (s) => {
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

function settleLeftoverPlan(s: TaskState, plan: LeftoverPlan): void {
  if (plan.status !== 'accepted') return;
  const partsDone =
    (!plan.refund || plan.refund.status === 'done' || plan.refund.status === 'failed') &&
    (!plan.platform || plan.platform.status === 'done' || plan.platform.status === 'failed');
  const transfersDone = plan.transferNos.every((no) => {
    const t = s.transfers[no];
    return t.status === 'failed' || (t.winnerPaid && t.commissionSettled);
  });
  if (partsDone && transfersDone) plan.status = 'done';
}

function leftoverOpen(plan: LeftoverPlan): boolean {
  return plan.status === 'planned' || plan.status === 'accepted';
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

/** The admin page of a leftover plan could not be built: the plan is withdrawn and its amounts freed. */
export function withdrawLeftover(state: TaskState, round: number): void {
  transition(state, (s) => {
    const plan = s.leftovers.find((p) => p.round === round);
    if (!plan || plan.status !== 'planned') return;
    plan.status = 'withdrawn';
    if (!s.leftovers.some((p) => p.status === 'planned')) resolveAttention(s, 'LEFTOVER_UNCONFIRMED');
    if (plan.refund) plan.refund.status = 'failed';
    if (plan.platform) plan.platform.status = 'failed';
    for (const no of plan.transferNos) s.transfers[no].status = 'abandoned';
  });
}

function settleLeftoverOf(s: TaskState, t: Transfer): void {
  if (t.path !== 'leftover') return;
  const plan = s.leftovers.find((p) => p.transferNos.includes(t.transferNo));
  if (plan) settleLeftoverPlan(s, plan);
}

// ------------------------------------------------------------------------------------------ overdue notifications

/** When the notifications of a moving transfer or an accepted leftover plan are overdue (after Alipay's resends). */
export function overdueDeadlines(state: TaskState, windowMs: number): { key: string; dueAtMs: number }[] {
  const out: { key: string; dueAtMs: number }[] = [];
  for (const t of Object.values(state.transfers)) {
    const moving = t.status === 'paying' || (t.status === 'paid' && !t.commissionSettled);
    if (moving && t.payingSinceMs !== undefined && !t.overdueFlagged)
      out.push({ key: `transfer:${t.transferNo}`, dueAtMs: t.payingSinceMs + windowMs });
  }
  for (const p of state.leftovers) {
    if (p.status === 'accepted' && p.acceptedAtMs !== undefined && !p.overdueFlagged)
      out.push({ key: `leftover:${p.round}`, dueAtMs: p.acceptedAtMs + windowMs });
  }
  return out;
}

/** Flags, once each, the transfers and leftover plans whose final notifications did not come within the window. */
export function flagOverdue(state: TaskState, windowMs: number, nowMs: number): number {
  const due = overdueDeadlines(state, windowMs).filter((d) => d.dueAtMs <= nowMs);
  if (due.length === 0) return 0;
  transition(state, (s) => {
    for (const d of due) {
      const [kind, id] = d.key.split(':') as [string, string];
      if (kind === 'transfer') {
        const t = s.transfers[id];
        t.overdueFlagged = true;
        flag(
          s,
          'NOTIFICATION_OVERDUE',
          `transfer ${id} is still ${t.status}${t.winnerPaid ? ' (commission not settled)' : ''}: its notifications did not arrive within Alipay's resend window`,
          nowMs,
          { transferNo: id },
        );
      } else {
        const p = s.leftovers.find((x) => x.round === Number(id))!;
        p.overdueFlagged = true;
        flag(
          s,
          'NOTIFICATION_OVERDUE',
          `leftover plan ${id} is still accepted: its final notifications did not arrive within Alipay's resend window`,
          nowMs,
          { round: p.round },
        );
      }
    }
  });
  return due.length;
}

// ------------------------------------------------------------------------------------------ leftover waits

/**
 * Money that waits on a person after expiry: a leftover plan whose admin page was not submitted, and frozen money
 * nobody planned a leftover for. Each is flagged for an operator one resend window after it began, and again one
 * window after the last flag was handled, for as long as it lasts.
 */
export function leftoverDeadlines(state: TaskState, windowMs: number): { key: string; dueAtMs: number }[] {
  const out: { key: string; dueAtMs: number }[] = [];
  if (!state.paid || state.cancelled || state.manualSettlement) return out;
  const open = (code: string): boolean => state.attention.some((a) => a.code === code && !a.resolved);
  for (const p of state.leftovers) {
    if (p.status === 'planned' && p.plannedAtMs !== undefined && !open('LEFTOVER_UNCONFIRMED'))
      out.push({ key: `unconfirmed:${p.round}`, dueAtMs: p.plannedAtMs + windowMs });
  }
  const idle =
    !state.leftovers.some(leftoverOpen) && !open('LEFTOVER_NOT_PLANNED') && transfersInFlight(state).length === 0;
  if (idle && availableFen(state) > 0)
    out.push({
      key: 'not_planned',
      dueAtMs: Math.max(state.spec.expiresAtMs, state.leftoverFlaggedAtMs ?? 0) + windowMs,
    });
  return out;
}

/** Flags the leftover waits that are due (see leftoverDeadlines); returns how many. */
export function flagLeftoverWaits(state: TaskState, windowMs: number, nowMs: number): number {
  const due = leftoverDeadlines(state, windowMs).filter((d) => d.dueAtMs <= nowMs);
  if (due.length === 0) return 0;
  transition(state, (s) => {
    for (const d of due) {
      if (d.key === 'not_planned') {
        s.leftoverFlaggedAtMs = nowMs;
        flag(
          s,
          'LEFTOVER_NOT_PLANNED',
          `the task expired with ${availableFen(s)} fen still frozen at Alipay and no leftover plan: plan the leftover (refund / platform / other winners)`,
          nowMs,
        );
      } else {
        const round = Number(d.key.split(':')[1]);
        const plan = s.leftovers.find((p) => p.round === round)!;
        plan.plannedAtMs = nowMs; // the next reminder runs one window from now
        flag(
          s,
          'LEFTOVER_UNCONFIRMED',
          `leftover plan ${round}: the admin page was not submitted; submit it (witkey status re-prints it) or withdraw the plan`,
          nowMs,
          { round },
        );
      }
    }
  });
  return due.length;
}

/**
 * Attention items that stand for money that is frozen or moving outside the books: acknowledging them would let a
 * task close with that money hidden, so only the action named here resolves them.
 */
export const MONEY_ATTENTION: Readonly<Record<string, string>> = {
  PAYOUT_HELD: 'resolve_held_transfer',
  PAID_AFTER_SETTLEMENT: 'settle_manually',
  PAID_AFTER_CANCEL: 'settle_manually (or the automatic refund)',
  LATE_PAYMENT_UNRESOLVED: 'settle_manually',
  NOTHING_SCHEDULED: 'settle_manually',
};

/** Attention items that a later event answers are resolved by it (e.g. a leftover plan answers LEFTOVER_NOT_PLANNED). */
export function resolveAttention(state: TaskState, code: string): void {
  for (const a of state.attention) if (a.code === code && !a.resolved) a.resolved = true;
}

// ------------------------------------------------------------------------------------------ held transfers

/** The outcome of a winner's cancellation stays unknown after the announcement: hold the payout for an operator. */
export function holdPayout(state: TaskState, transferNo: string, why: string, nowMs: number): void {
  transition(state, (s) => {
    const t = transfer(s, transferNo);
    if (t.status !== 'waiting' || t.payoutHeld) return;
    t.payoutHeld = true;
    flag(
      s,
      'PAYOUT_HELD',
      `transfer ${transferNo} (${t.grossFen} fen to ${t.winnerNickname}) is held: ${why}. Check with Alipay, then resolve it (pay, or record it cancelled)`,
      nowMs,
      { transferNo },
    );
  });
}

/** An operator resolved a held transfer: pay it after all, or record that Alipay did cancel it. */
export function resolveHeldTransfer(state: TaskState, transferNo: string, outcome: 'pay' | 'cancelled'): void {
  transition(state, (s) => {
    const t = transfer(s, transferNo);
    if (!t.payoutHeld || t.status !== 'waiting')
      throw new TaskRuleError('WITKEY_NOT_ALLOW', `transfer ${transferNo} is not held`);
    t.payoutHeld = false;
    if (outcome === 'cancelled') t.status = 'cancelled';
    s.cancelUnknown = s.cancelUnknown.filter((no) => no !== transferNo);
    if (!Object.values(s.transfers).some((x) => x.payoutHeld)) resolveAttention(s, 'PAYOUT_HELD');
  });
}

// ------------------------------------------------------------------------------------------ phase

/** Nothing more will move: expired, nothing frozen, nothing in flight, no leftover plan open. */
export function moneyAtRest(state: TaskState, nowMs: number): boolean {
  if (state.cancelled || state.manualSettlement) return true;
  if (state.appends.some((a) => a.status === 'requested')) return false;
  if (!state.paid || nowMs < state.spec.expiresAtMs) return false;
  return (
    state.ledger.stillFrozenFen === 0 && transfersInFlight(state).length === 0 && !state.leftovers.some(leftoverOpen)
  );
}

export function phaseOf(state: TaskState, nowMs: number): import('./types').Phase {
  if (state.cancelled) return 'cancelled';
  if (state.settledAtMs !== undefined || state.manualSettlement) return 'settled';
  if (!state.paid) return 'awaiting_payment';
  const transfers = Object.values(state.transfers);
  if (nowMs < state.spec.expiresAtMs) {
    if (transfers.some((t) => t.status === 'paying' || (t.status === 'paid' && !t.commissionSettled))) return 'payout';
    if (transfers.some((t) => t.status === 'waiting')) return 'announcement';
    return 'open';
  }
  if (moneyAtRest(state, nowMs)) return 'closing';
  if (state.leftovers.some(leftoverOpen)) return 'leftover';
  if (transfers.some((t) => t.status === 'waiting')) return 'announcement';
  if (transfers.some((t) => t.status === 'paying' || (t.status === 'paid' && !t.commissionSettled))) return 'payout';
  return 'expired';
}
