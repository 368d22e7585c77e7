/** The two ways a ledger operation changes nothing: a refused request, and a bug caught before it is committed. */

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

/**
 * A transition moved a transfer, round, leftover plan, plan part or append, or the task's phase, along a move its
 * status graph does not have (ledger/status-graphs.ts): a bug, never an input problem. Nothing was changed.
 */
export class StatusMoveError extends Error {
  override name = 'StatusMoveError';
}
