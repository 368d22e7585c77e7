/**
 * What an operator may do to a task, and what each action does: every action says who and why (it is recorded with
 * its outcome, in words); money items are resolved only by their own action, never acknowledged away.
 */
import { patched } from '@temporalio/workflow';
import type { OperatorRequest } from '../../messages';
import * as ledger from '../ledger';
import type { TaskState } from '../types';
import { MONEY_ATTENTION_STANDS } from './patches';

type Request<A extends OperatorRequest['action']> = Extract<OperatorRequest, { action: A }>;

/** The operator update's validator: refuses a request that names no one, gives no reason, or does not apply. */
export function checkOperatorRequest(state: TaskState, request: OperatorRequest): void {
  if (!request || typeof request.operator !== 'string' || !request.operator.trim())
    throw new Error('operator: who is acting (a name or id) is required');
  if (typeof request.reason !== 'string' || !request.reason.trim())
    throw new Error('reason: why, in words, is required (it is recorded)');
  switch (request.action) {
    case 'retry':
      if (!state.blocked) throw new Error('retry: no step is waiting for a retry');
      return;
    case 'acknowledge':
      return checkAcknowledge(state, request);
    case 'cancel_unpaid':
      if (state.paid) throw new Error('cancel_unpaid: the bounty is frozen; only an unpaid task can be cancelled');
      if (state.cancelled || state.paymentResolved) throw new Error('cancel_unpaid: the payment was already resolved');
      return;
    case 'withdraw_round':
      return checkWithdrawRound(state, request);
    case 'withdraw_leftover':
      return checkWithdrawLeftover(state, request);
    case 'settle_manually':
      return checkSettleManually(state);
    case 'resolve_held_transfer':
      return checkResolveHeldTransfer(state, request);
    default:
      throw new Error(
        `action: must be retry, acknowledge, settle_manually, cancel_unpaid, withdraw_round, withdraw_leftover or resolve_held_transfer`,
      );
  }
}

/** Applies an operator action; returns what it did, in words (recorded with who and why). */
export function applyOperatorAction(state: TaskState, request: OperatorRequest, nowMs: number): string {
  switch (request.action) {
    case 'retry':
      return retry(state);
    case 'acknowledge':
      return acknowledge(state, request);
    case 'cancel_unpaid': {
      state.paymentDeadlineMs = nowMs; // the life resolves the freeze trade now
      return 'resolving the unpaid freeze now (trade.query, then trade.cancel)';
    }
    case 'withdraw_round': {
      ledger.withdrawRound(state, request.round, { operator: request.operator, atMs: nowMs });
      return `withdrew round ${request.round}: its amounts are free again (a confirmation that still arrives is recorded for an operator)`;
    }
    case 'withdraw_leftover': {
      ledger.withdrawLeftover(state, request.round);
      return `withdrew leftover plan ${request.round}: its amounts are free again (a submission that still arrives is recorded for an operator)`;
    }
    case 'resolve_held_transfer': {
      ledger.resolveHeldTransfer(state, request.transferNo, request.outcome);
      return request.outcome === 'pay'
        ? `released the payout of ${request.transferNo}: it is paid with the next payout`
        : `recorded ${request.transferNo} as cancelled at Alipay: its amount is free again`;
    }
    case 'settle_manually':
      return settleManually(state, request, nowMs);
  }
}

/**
 * cancel_unpaid on a task whose payment step waits for an operator is that operator's answer: the step is
 * unblocked and runs again now (before the patch it did nothing).
 */
export function unblockPaymentStep(state: TaskState): void {
  ledger.resolveAttention(state, state.blocked!.code);
  state.blocked = undefined;
  state.paymentResolved = false;
}

function checkAcknowledge(state: TaskState, request: Request<'acknowledge'>): void {
  if (!state.attention.some((a) => !a.resolved)) throw new Error('acknowledge: nothing needs attention');
  const money = (request.codes ?? []).filter((c) => ledger.MONEY_ATTENTION[c]);
  if (money.length)
    throw new Error(
      `acknowledge: ${money.map((c) => `${c} is about money and is resolved by ${ledger.MONEY_ATTENTION[c]}`).join('; ')}`,
    );
  const named = state.attention.filter(
    (a) => !a.resolved && (!request.codes?.length || request.codes.includes(a.code)),
  );
  if (!named.length)
    throw new Error(`acknowledge: no open item with code ${request.codes!.join(' or ')} (open: ${openCodes(state)})`);
  // what acknowledge leaves open (operator.ts acknowledge): the blocked step's item and the money items
  if (named.every((a) => a.code === state.blocked?.code || ledger.MONEY_ATTENTION[a.code]))
    throw new Error(
      `acknowledge: nothing to acknowledge; ${[...new Set(named.map((a) => a.code))].map(resolvedBy(state)).join('; ')}`,
    );
}

function openCodes(state: TaskState): string {
  return [...new Set(state.attention.filter((a) => !a.resolved).map((a) => a.code))].join(', ');
}

/** How an item that acknowledge leaves open is resolved. */
function resolvedBy(state: TaskState): (code: string) => string {
  return (code) =>
    code === state.blocked?.code
      ? `${code} is the blocked step's item: resolved by ${ledger.blockedStepActions(state)}`
      : `${code} is about money and is resolved by ${ledger.MONEY_ATTENTION[code]}`;
}

function checkWithdrawRound(state: TaskState, request: Request<'withdraw_round'>): void {
  const round = state.rounds.find((r) => r.round === request.round);
  if (!round) throw new Error(`withdraw_round: the task has no round ${String(request.round)}`);
  if (round.status !== 'requested')
    throw new Error(
      `withdraw_round: round ${round.round} is ${round.status}; only a round the publisher has not confirmed can be withdrawn`,
    );
}

function checkWithdrawLeftover(state: TaskState, request: Request<'withdraw_leftover'>): void {
  const plan = state.leftovers.find((p) => p.round === request.round);
  if (!plan) throw new Error(`withdraw_leftover: the task has no leftover plan ${String(request.round)}`);
  if (plan.status !== 'planned')
    throw new Error(
      `withdraw_leftover: leftover plan ${plan.round} is ${plan.status}; only a plan whose admin page was not submitted can be withdrawn`,
    );
}

function checkSettleManually(state: TaskState): void {
  if (state.manualSettlement && !state.attention.some((a) => !a.resolved))
    throw new Error('settle_manually: the task is already settled');
  if (!state.blocked && !state.attention.some((a) => !a.resolved))
    throw new Error('settle_manually: only for a task that needs attention');
}

function checkResolveHeldTransfer(state: TaskState, request: Request<'resolve_held_transfer'>): void {
  const t = state.transfers[request.transferNo];
  if (!t) throw new Error(`resolve_held_transfer: the task has no transfer ${String(request.transferNo)}`);
  if (!t.payoutHeld || t.status !== 'waiting')
    throw new Error(`resolve_held_transfer: transfer ${t.transferNo} is ${t.status} and not held`);
  if (request.outcome !== 'pay' && request.outcome !== 'cancelled')
    throw new Error("resolve_held_transfer: outcome must be 'pay' or 'cancelled'");
}

function retry(state: TaskState): string {
  const step = state.blocked!;
  state.blocked = undefined;
  for (const a of state.attention) if (a.code === step.code && !a.resolved) a.resolved = true;
  if (step.step === 'payment') state.paymentResolved = false;
  return `retrying the ${step.step} step (was ${step.code})`;
}

function acknowledge(state: TaskState, request: Request<'acknowledge'>): string {
  let n = 0;
  for (const a of state.attention) {
    const standing = ledger.MONEY_ATTENTION[a.code] !== undefined && patched(MONEY_ATTENTION_STANDS);
    if (
      !a.resolved &&
      (!request.codes?.length || request.codes.includes(a.code)) &&
      a.code !== state.blocked?.code &&
      !standing
    ) {
      a.resolved = true;
      n += 1;
    }
  }
  return `acknowledged ${n} item(s)`;
}

function settleManually(state: TaskState, request: Request<'settle_manually'>, nowMs: number): string {
  state.manualSettlement = {
    operator: request.operator,
    reason: request.reason,
    atMs: nowMs,
    stillFrozenFen: state.ledger.stillFrozenFen,
  };
  state.blocked = undefined;
  for (const a of state.attention) a.resolved = true;
  return `settled manually with ${state.ledger.stillFrozenFen} fen still frozen in the system's books`;
}
