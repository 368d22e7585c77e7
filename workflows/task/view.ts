/** The task as people and programs see it (the `state` query, the CLI's status, the workflow's result). Pure. */
import type { TaskView } from '../messages';
import { availableFen, blockedStepActions, moneyAtRest, phaseOf, transfersInFlight } from './ledger';
import type { TaskTerms, TaskState } from './types';

export function taskView(state: TaskState, nowMs: number, cashierUrl?: string): TaskView {
  const phase = phaseOf(state, nowMs);
  return {
    outerTaskId: state.spec.outerTaskId,
    phase,
    spec: state.spec,
    freezeNo: state.freezeNo,
    valueAddedFeeTransferNo: state.valueAddedFeeTransferNo,
    ledger: { ...state.ledger },
    availableFen: availableFen(state),
    transfers: Object.values(state.transfers),
    rounds: state.rounds,
    leftovers: state.leftovers,
    attention: state.attention,
    needsAttention: state.attention.some((a) => !a.resolved),
    pendingActions: pendingActions(state, nowMs),
    notificationsProcessed: state.processedNotifyIds.length,
    cashierUrl,
    operatorActions: state.operatorActions ?? [],
    paidAtMs: state.paidAtMs,
    cancellation: state.cancellation,
    manualSettlement: state.manualSettlement,
    settledAtMs: state.settledAtMs,
  };
}

/** What an unpaid task waits for: the publisher, or (after the payment deadline) the resolution of its freeze trade. */
function unpaid(state: TaskState, nowMs: number): string {
  if (state.blocked)
    return `the payment step waits for an operator (${state.blocked.code}): ${blockedStepActions(state)}`;
  if (!state.paymentResolved && state.paymentDeadlineMs !== undefined && nowMs >= state.paymentDeadlineMs)
    return 'the payment deadline passed: resolving the unpaid freeze (trade.query, then trade.cancel; repeated until Alipay answers)';
  return 'waiting for the publisher to pay the bounty at the cashier (task_freeze)';
}

function pendingActions(state: TaskState, nowMs: number): string[] {
  const out: string[] = [];
  if (state.cancelled || state.settledAtMs !== undefined) return out;
  if (!state.paid) return [unpaid(state, nowMs)];
  for (const r of state.rounds) {
    if (r.status === 'requested')
      out.push(`waiting for the publisher to confirm the winners of round ${r.round} (task_confirm)`);
  }
  const inFlight = transfersInFlight(state).filter((t) => t.status !== 'requested');
  const waiting = inFlight.filter((t) => t.status === 'waiting');
  if (waiting.length) out.push(`${waiting.length} winner(s) in the announcement period; payout when it ends`);
  const moving = inFlight.filter((t) => t.status !== 'waiting');
  if (moving.length) out.push(`${moving.length} transfer(s) being paid (assign / platform profit notifications)`);
  for (const p of state.leftovers) {
    if (p.status === 'planned')
      out.push(`waiting for the admin to confirm leftover plan ${p.round} (left.amount.handle)`);
    if (p.status === 'accepted') out.push(`leftover plan ${p.round} accepted; waiting for its transfers`);
  }
  if (
    nowMs >= state.spec.expiresAtMs &&
    availableFen(state) > 0 &&
    !state.leftovers.some((p) => p.status === 'planned')
  ) {
    out.push(`${availableFen(state)} fen left after expiry: plan the leftover (refund / platform / other winners)`);
  }
  if (moneyAtRest(state, nowMs)) out.push('all money moved; staying open through the notification resend window');
  return out;
}

const SPEC_FIELDS: (keyof TaskTerms)[] = [
  'outerTaskId',
  'title',
  'taskType',
  'publisherId',
  'publisherName',
  'publisherAlipayUserId',
  'bountyFen',
  'valueAddedFeeFen',
  'expiresAtMs',
];

/** Names the first difference between the recorded spec and a repeated publish, or undefined when equal. */
export function describeSpecDifference(recorded: TaskTerms, offered: TaskTerms): string | undefined {
  if (typeof offered !== 'object' || offered === null) return 'no task parameters given';
  for (const field of SPEC_FIELDS) {
    // The publisher's Alipay id may be learnt from the freeze notification after publishing.
    if (field === 'publisherAlipayUserId' && offered[field] === undefined) continue;
    if (recorded[field] !== offered[field])
      return `${field} is ${JSON.stringify(recorded[field])}, not ${JSON.stringify(offered[field])}`;
  }
  for (const k of ['commissionBp', 'alipayFeeBp'] as const) {
    if (recorded.feeRates[k] !== offered.feeRates?.[k])
      return `feeRates.${k} is ${recorded.feeRates[k]}, not ${String(offered.feeRates?.[k])}`;
  }
  return undefined;
}
