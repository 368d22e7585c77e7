/** Every status move a transition made, checked against the status graphs (ledger/status-graphs.ts). */
import type { TaskState } from '../types';
import { StatusMoveError } from './errors';
import { phaseOf } from './phase';
import {
  APPEND_GRAPH,
  LEFTOVER_PART_GRAPH,
  LEFTOVER_PLAN_GRAPH,
  PHASE_GRAPH,
  ROUND_GRAPH,
  TRANSFER_GRAPH,
  type StatusGraph,
} from './status-graphs';

/** One record's status before and after a transition; undefined = the record does not exist (yet). */
export interface StatusMove {
  entity: 'transfer' | 'round' | 'leftover plan' | 'leftover part' | 'append' | 'phase';
  key: string;
  from: string | undefined;
  to: string | undefined;
}

const GRAPHS: Record<StatusMove['entity'], StatusGraph<string>> = {
  transfer: TRANSFER_GRAPH,
  round: ROUND_GRAPH,
  'leftover plan': LEFTOVER_PLAN_GRAPH,
  'leftover part': LEFTOVER_PART_GRAPH,
  append: APPEND_GRAPH,
  phase: PHASE_GRAPH,
};

type Statuses = Map<string, string>;

function statuses<T>(records: Iterable<T>, key: (r: T) => string, status: (r: T) => string): Statuses {
  const out: Statuses = new Map();
  for (const r of records) out.set(key(r), status(r));
  return out;
}

function leftoverParts(state: TaskState): Statuses {
  const out: Statuses = new Map();
  for (const p of state.leftovers) {
    if (p.refund) out.set(`${p.round}/refund`, p.refund.status);
    if (p.platform) out.set(`${p.round}/platform`, p.platform.status);
  }
  return out;
}

function movesOf(entity: StatusMove['entity'], before: Statuses, after: Statuses): StatusMove[] {
  const out: StatusMove[] = [];
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const from = before.get(key);
    const to = after.get(key);
    if (from !== to) out.push({ entity, key, from, to });
  }
  return out;
}

/**
 * The moves from `before` to `after`. The phase depends on the time: it is compared at `nowMs`, or, for a
 * transition that knows no time, on both sides of the deadline.
 */
export function statusMoves(before: TaskState, after: TaskState, nowMs?: number): StatusMove[] {
  const byTransferNo = (s: TaskState): Statuses =>
    statuses(
      Object.values(s.transfers),
      (t) => t.transferNo,
      (t) => t.status,
    );
  const byRound = (s: TaskState): Statuses =>
    statuses(
      s.rounds,
      (r) => String(r.round),
      (r) => r.status,
    );
  const byPlan = (s: TaskState): Statuses =>
    statuses(
      s.leftovers,
      (p) => String(p.round),
      (p) => p.status,
    );
  const byAppend = (s: TaskState): Statuses =>
    statuses(
      s.appends,
      (a) => String(a.append),
      (a) => a.status,
    );
  const moves = [
    ...movesOf('transfer', byTransferNo(before), byTransferNo(after)),
    ...movesOf('round', byRound(before), byRound(after)),
    ...movesOf('leftover plan', byPlan(before), byPlan(after)),
    ...movesOf('leftover part', leftoverParts(before), leftoverParts(after)),
    ...movesOf('append', byAppend(before), byAppend(after)),
  ];
  const times = nowMs !== undefined ? [nowMs] : [before.spec.expiresAtMs - 1, before.spec.expiresAtMs];
  for (const at of times) {
    const from = phaseOf(before, at);
    const to = phaseOf(after, at);
    if (from !== to && !moves.some((m) => m.entity === 'phase' && m.from === from && m.to === to))
      moves.push({ entity: 'phase', key: 'task', from, to });
  }
  return moves;
}

export function isAllowed(move: StatusMove): boolean {
  const graph = GRAPHS[move.entity];
  if (move.to === undefined) return false; // a record never disappears
  if (move.from === undefined) return graph.start.includes(move.to);
  return (graph.moves[move.from] ?? []).includes(move.to);
}

/** Throws StatusMoveError for the first move outside its graph (see statusMoves). */
export function checkStatusMoves(before: TaskState, after: TaskState, nowMs?: number): void {
  const illegal = statusMoves(before, after, nowMs).find((m) => !isAllowed(m));
  if (illegal) {
    const from = illegal.from ?? '(none)';
    const to = illegal.to ?? '(none)';
    throw new StatusMoveError(`${illegal.entity} ${illegal.key}: ${from} -> ${to} is not a move of its status graph`);
  }
}
