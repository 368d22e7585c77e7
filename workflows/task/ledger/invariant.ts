/**
 * The conservation invariant and the one way state changes: every transition runs on a copy and is committed only
 * when the money adds up and every status moved along its graph afterwards.
 */
import type { TaskState } from '../types';
import { ConservationError } from './errors';
import { isFen } from './inputs';
import { availableFen, earmarkedFen } from './money';
import { checkStatusMoves } from './status-moves';

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
      `frozen ${l.bountyFrozenFen} + value-added fee ${l.valueAddedFeePaidFen} != ` +
        `winners ${l.winnersReceivedFen} + platform ${l.platformReceivedFen} + ` +
        `Alipay fees ${l.alipayFeesFen} + refunded ${l.refundedFen} + still frozen ${l.stillFrozenFen}`,
    );
  }
  const available = availableFen(state);
  if (available < 0)
    throw new ConservationError(`earmarked ${earmarkedFen(state)} exceeds still frozen ${l.stillFrozenFen}`);
}

/**
 * Runs `fn` on a copy of the state and commits the copy only if `fn` returns without throwing, the invariant holds,
 * and every status moved along its graph (status-graphs.ts). Returns what `fn` returned. The phase is compared at
 * `nowMs`; a transition that knows no time is checked on both sides of the deadline.
 */
export function transition<T>(state: TaskState, fn: (draft: TaskState) => T): T;
export function transition<T>(state: TaskState, nowMs: number, fn: (draft: TaskState) => T): T;
export function transition<T>(
  state: TaskState,
  ...args: [(draft: TaskState) => T] | [number, (draft: TaskState) => T]
): T {
  const [nowMs, fn] = args.length === 1 ? [undefined, args[0]] : args;
  const draft = JSON.parse(JSON.stringify(state)) as TaskState;
  const result = fn(draft);
  checkConservation(draft);
  checkStatusMoves(state, draft, nowMs);
  for (const key of Object.keys(state) as (keyof TaskState)[]) delete state[key];
  Object.assign(state, draft);
  return result;
}
