/**
 * The functional core of a bounty task: what is allowed (the preconditions of docs/PROTOCOL.md), what each
 * notification does to the money, the conservation invariant and the status graphs. Plain functions over plain
 * data, no Temporal imports, so unit and property tests drive it directly and the workflow only waits and calls.
 *
 * Every transition runs on a copy and is committed only when the invariant holds and every status moved along its
 * graph afterwards: a refused operation (TaskRuleError), a broken invariant (ConservationError) or an illegal status
 * move (StatusMoveError) changes nothing. One module per concern:
 * - state, invariant, money, status-graphs: the books, what is spoken for and free, the allowed moves;
 * - freeze, appends: the bounty frozen, the value-added fee, amount.append, a payment that never completed;
 * - rounds, payout, arrivals: winners selected and confirmed, paid out or cancelled, their money arriving;
 * - leftover, leftover-handled: the leftover split after the deadline and its notifications;
 * - deadlines, attention, phase: waits that need a person, items for an operator, the task's phase.
 */
export type { LeftoverInput, SelectWinnersInput, WinnerInput } from '../../messages';
export { checkExtend, requestAppend, resolveAppend, type ExtendRequest } from './appends';
export { applyAssign, applyPlatformProfit } from './arrivals';
export { blockedStepActions, MONEY_ATTENTION, resolveAttention, type Outcome } from './attention';
export { flagLeftoverWaits, flagOverdue, leftoverDeadlines, overdueDeadlines } from './deadlines';
export { ConservationError, StatusMoveError, TaskRuleError } from './errors';
export {
  applyFreeze,
  applyFreezeFoundByQuery,
  applyValueAddedFee,
  cancelBeforePayment,
  mainFeeBooked,
  recordLatePaymentRefund,
} from './freeze';
export { LIMITS, validateSpec } from './inputs';
export { checkConservation, transition } from './invariant';
export { applyLeftAmountHandled, applyRefund, type LeftAmountHandled } from './leftover-handled';
export { checkPlanLeftover, planLeftover, withdrawLeftover } from './leftover';
export { availableFen, earmarkedFen, transfersInFlight } from './money';
export { duePayouts, nextAnnouncementEnd, payoutAccepted } from './payout';
export { applyCancelResult, checkCancelWinners, holdPayout, resolveHeldTransfer } from './payout';
export { moneyAtRest, phaseOf } from './phase';
export {
  applyTaskConfirm,
  checkSelectWinners,
  expire,
  selectWinners,
  withdrawRound,
  type ConfirmedTransfer,
} from './rounds';
export { newTaskState } from './state';
export * from './status-graphs';
export { statusMoves, type StatusMove } from './status-moves';
