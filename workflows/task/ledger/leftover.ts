/**
 * The leftover after the deadline: a split of the free money (refund to the publisher, share to the platform, other
 * winners) planned for the admin's left.amount.handle page, withdrawn when never submitted, done when all arrived.
 */
import { businessNumber } from '../../../alipay/core/business-numbers';
import { splitLeftoverPlatformShare } from '../../../alipay/core/fees';
import type { LeftoverInput } from '../../messages';
import type { LeftoverPlan, TaskState, Transfer } from '../types';
import { resolveAttention } from './attention';
import { TaskRuleError } from './errors';
import { isFen, LIMITS, validateWinners } from './inputs';
import { transition } from './invariant';
import { availableFen, transfersInFlight } from './money';
import { newTransfer } from './transfers';

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
      `leftover: round(s) ${unconfirmed.map((r) => r.round).join(', ')} may still be confirmed by the publisher ` +
        `(their notification can arrive until the resend window after expiry has passed); wait`,
    );
  const inFlight = transfersInFlight(state).filter((t) => t.status !== 'requested');
  if (inFlight.length)
    throw new TaskRuleError(
      'NOT_DONE_OF_TRANSFER_FOUND',
      `leftover: ${inFlight.length} transfer(s) still in flight ` +
        `(${inFlight.map((t) => t.transferNo).join(', ')}); wait for them`,
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
  return transition(state, nowMs, (s) => {
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

export function settleLeftoverPlan(s: TaskState, plan: LeftoverPlan): void {
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

export function settleLeftoverOf(s: TaskState, t: Transfer): void {
  if (t.path !== 'leftover') return;
  const plan = s.leftovers.find((p) => p.transferNos.includes(t.transferNo));
  if (plan) settleLeftoverPlan(s, plan);
}
