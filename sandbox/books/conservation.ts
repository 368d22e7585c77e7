// The conservation check of the emulated bank, in full (at start-up, in the ledger inspection, for tests); after
// every operation the same rules are checked on what the operation changed (change-conservation.ts), before
// anything is written: the journal replayed equals the balances, the accounts sum to zero, no account but `external` is
// negative, and per task
//   bounty frozen + value-added fee paid = winners received + platform received + Alipay fees + refunded + still frozen
// (the fee split of docs/PROTOCOL.md §6.1 Fees moves money between the right-hand terms, never creates any), with
// the task's own figures equal to the journal's and its committed (W) amounts covered by what is frozen.

import { balance, EXTERNAL, frozenAccount } from './accounts';
import { addPosting, emptyJournalTotals, type JournalTotals } from './task-totals';
import type { Posting } from './journal';
import type { SandboxState } from '../runtime/persisted-state';
import type { TaskRecord } from '../services/task-records';

/** The conservation check failed: the operation is refused and the state left as it was. */
export class ConservationError extends Error {
  readonly violations: readonly string[];
  constructor(violations: readonly string[]) {
    super(`conservation check failed: ${violations.join('; ')}`);
    this.name = 'ConservationError';
    this.violations = violations;
  }
}

/** The rule of one task: its figures against the journal's, its frozen balance, its W commitments. */
export function checkTask(task: TaskRecord, frozen: number, j: JournalTotals, committed: number, out: string[]): void {
  const id = `${task.partner}:${task.outerTaskId}`;
  const t = task.totals;
  for (const k of [
    'bountyFrozen',
    'valueAddedPaid',
    'winnersReceived',
    'platformReceived',
    'alipayFees',
    'refunded',
  ] as const) {
    if (!Number.isSafeInteger(t[k]) || t[k] < 0)
      out.push(`task ${id}: ${k} is not a non-negative safe integer (${t[k]})`);
    if (t[k] !== j[k]) out.push(`task ${id}: ${k} ${t[k]} differs from the journal's ${j[k]}`);
  }
  if (j.frozen !== frozen) out.push(`task ${id}: frozen balance ${frozen} differs from the journal's ${j.frozen}`);
  const lhs = t.bountyFrozen + t.valueAddedPaid;
  const rhs = t.winnersReceived + t.platformReceived + t.alipayFees + t.refunded + frozen;
  if (lhs !== rhs)
    out.push(
      `task ${id}: frozen ${t.bountyFrozen} + value-added ${t.valueAddedPaid} != winners ${t.winnersReceived} + platform ${t.platformReceived} + fees ${t.alipayFees} + refunded ${t.refunded} + still frozen ${frozen}`,
    );
  if (committed !== task.committedFen)
    out.push(`task ${id}: committed ${task.committedFen} differs from the W transfers' ${committed}`);
  if (task.committedFen > frozen) out.push(`task ${id}: committed ${task.committedFen} exceeds frozen ${frozen}`);
}

/** A posting's own rule: a positive amount, after the posting before it (`lastSeq`). */
export function checkPosting(p: Posting, lastSeq: number, out: string[]): void {
  if (!Number.isSafeInteger(p.amountFen) || p.amountFen <= 0) out.push(`posting ${p.seq}: bad amount ${p.amountFen}`);
  if (p.seq <= lastSeq) out.push(`posting ${p.seq}: out of order`);
}

/** An account's rule: a safe integer equal to the journal's replay, negative only for `external`. */
export function checkAccount(name: string, b: number, replayed: number, out: string[]): void {
  if (!Number.isSafeInteger(b)) out.push(`account ${name}: balance ${b} is not a safe integer`);
  if (b !== replayed) out.push(`account ${name}: balance ${b} differs from the journal's ${replayed}`);
  if (name !== EXTERNAL && b < 0) out.push(`account ${name}: negative balance ${b}`);
}

/** Every violation of conservation in the state (empty = conserved). */
export function conservationViolations(state: SandboxState): string[] {
  const out: string[] = [];
  const replay: Record<string, number> = {};
  let lastSeq = 0;
  for (const p of state.journal) {
    checkPosting(p, lastSeq, out);
    lastSeq = p.seq;
    replay[p.from] = (replay[p.from] ?? 0) - p.amountFen;
    replay[p.to] = (replay[p.to] ?? 0) + p.amountFen;
  }
  let sum = 0;
  const names = new Set([...Object.keys(replay), ...Object.keys(state.accounts)]);
  for (const name of names) {
    const b = state.accounts[name] ?? 0;
    checkAccount(name, b, replay[name] ?? 0, out);
    sum += b;
  }
  if (sum !== 0) out.push(`accounts sum to ${sum}, not 0`);
  // Per task, in one pass over the journal and one over the transfers.
  const perTask = new Map<string, JournalTotals>();
  for (const p of state.journal) {
    const key = `${p.partner}:${p.outerTaskId}`;
    let t = perTask.get(key);
    if (!t) perTask.set(key, (t = emptyJournalTotals()));
    addPosting(t, p, frozenAccount(p.partner, p.outerTaskId));
  }
  const committed = new Map<string, number>();
  for (const tr of Object.values(state.transfers)) {
    if (tr.status !== 'W') continue;
    const key = `${tr.partner}:${tr.outerTaskId}`;
    committed.set(key, (committed.get(key) ?? 0) + tr.amountFen);
  }
  for (const task of Object.values(state.tasks)) {
    const key = `${task.partner}:${task.outerTaskId}`;
    const frozen = balance(state, frozenAccount(task.partner, task.outerTaskId));
    checkTask(task, frozen, perTask.get(key) ?? emptyJournalTotals(), committed.get(key) ?? 0, out);
  }
  return out;
}
