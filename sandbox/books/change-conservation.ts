// The conservation check of one operation, on what it changed. The live state passed the full check
// (conservation.ts) when it was loaded and every change since passed this one, so the rules can only break where
// the operation wrote: its new postings, the accounts it moved, and the tasks whose figures, postings, frozen
// balance or W transfers changed. For those tasks the journal's figures and W commitments are kept up to date here
// instead of being replayed from the whole journal, so the check costs what the operation touched.

import { balance, frozenAccount } from './accounts';
import { checkAccount, checkPosting, checkTask } from './conservation';
import { addPosting, emptyJournalTotals, type JournalTotals } from './task-totals';
import type { SandboxState } from '../runtime/persisted-state';
import type { StateChanges } from '../runtime/state-draft';
import type { TransferRecord } from '../services/task-records';

const FROZEN_PREFIX = 'frozen:';

const taskKey = (x: { partner: string; outerTaskId: string }): string => `${x.partner}:${x.outerTaskId}`;
const committedBy = (t: TransferRecord | undefined): number => (t?.status === 'W' ? t.amountFen : 0);

export class ConservationTotals {
  /** Per task: the figures the journal gives (the frozen balance included). */
  readonly #journal = new Map<string, JournalTotals>();
  /** Per task: the sum of its W transfers. */
  readonly #committed = new Map<string, number>();

  /** Totals of a state that passed the full check. */
  constructor(state: Readonly<SandboxState>) {
    for (const p of state.journal) this.#addPosting(this.#journal, p);
    for (const t of Object.values(state.transfers)) this.#addCommitted(this.#committed, taskKey(t), committedBy(t));
  }

  /** The violations the changes would bring into `live` (empty = conserved). */
  violations(live: Readonly<SandboxState>, changes: StateChanges): string[] {
    const out: string[] = [];
    const moved = new Map<string, number>();
    let lastSeq = live.journal.at(-1)?.seq ?? 0;
    for (const p of changes.postings) {
      checkPosting(p, lastSeq, out);
      lastSeq = p.seq;
      moved.set(p.from, (moved.get(p.from) ?? 0) - p.amountFen);
      moved.set(p.to, (moved.get(p.to) ?? 0) + p.amountFen);
    }
    const accountAfter = (name: string): number =>
      changes.rows.accounts.has(name) ? (changes.rows.accounts.get(name) ?? 0) : balance(live, name);
    // The live accounts sum to zero, so the new sum is what the changed accounts moved.
    let sum = 0;
    for (const name of new Set([...moved.keys(), ...changes.rows.accounts.keys()])) {
      const b = accountAfter(name);
      checkAccount(name, b, balance(live, name) + (moved.get(name) ?? 0), out);
      sum += b - balance(live, name);
    }
    if (sum !== 0) out.push(`accounts sum to ${sum}, not 0`);

    const { journal, committed } = this.#afterChanges(live, changes);
    for (const key of touchedTasks(live, changes)) {
      const task = changes.rows.tasks.has(key) ? changes.rows.tasks.get(key) : live.tasks[key];
      if (!task) continue;
      const frozen = accountAfter(frozenAccount(task.partner, task.outerTaskId));
      const j = journal.get(key) ?? this.#journal.get(key) ?? emptyJournalTotals();
      checkTask(task, frozen, j, committed.get(key) ?? this.#committed.get(key) ?? 0, out);
    }
    return out;
  }

  /** The changes were written and made live: follow them. */
  apply(live: Readonly<SandboxState>, changes: StateChanges): void {
    const { journal, committed } = this.#afterChanges(live, changes);
    for (const [k, v] of journal) this.#journal.set(k, v);
    for (const [k, v] of committed) this.#committed.set(k, v);
  }

  /** The totals of the tasks the changes move, as they would be after them (the maintained ones left as they are). */
  #afterChanges(
    live: Readonly<SandboxState>,
    changes: StateChanges,
  ): { journal: Map<string, JournalTotals>; committed: Map<string, number> } {
    const journal = new Map<string, JournalTotals>();
    for (const p of changes.postings) {
      const key = taskKey(p);
      if (!journal.has(key)) journal.set(key, { ...(this.#journal.get(key) ?? emptyJournalTotals()) });
      addPosting(journal.get(key)!, p, frozenAccount(p.partner, p.outerTaskId));
    }
    const committed = new Map<string, number>();
    for (const [no, after] of changes.rows.transfers) {
      const before = live.transfers[no];
      for (const [t, sign] of [
        [before, -1],
        [after, 1],
      ] as const) {
        if (!t) continue;
        const key = taskKey(t);
        if (!committed.has(key)) committed.set(key, this.#committed.get(key) ?? 0);
        this.#addCommitted(committed, key, sign * committedBy(t));
      }
    }
    return { journal, committed };
  }

  #addPosting(into: Map<string, JournalTotals>, p: Parameters<typeof addPosting>[1]): void {
    const key = taskKey(p);
    if (!into.has(key)) into.set(key, emptyJournalTotals());
    addPosting(into.get(key)!, p, frozenAccount(p.partner, p.outerTaskId));
  }

  #addCommitted(into: Map<string, number>, key: string, amountFen: number): void {
    into.set(key, (into.get(key) ?? 0) + amountFen);
  }
}

/** The tasks whose rule the changes may break: changed tasks, and tasks with new postings, moved W transfers or a
 * changed frozen account. */
function touchedTasks(live: Readonly<SandboxState>, changes: StateChanges): Set<string> {
  const keys = new Set(changes.rows.tasks.keys());
  for (const p of changes.postings) keys.add(taskKey(p));
  for (const [no, after] of changes.rows.transfers) {
    const before = live.transfers[no];
    if (before) keys.add(taskKey(before));
    if (after) keys.add(taskKey(after));
  }
  for (const name of changes.rows.accounts.keys())
    if (name.startsWith(FROZEN_PREFIX)) keys.add(name.slice(FROZEN_PREFIX.length));
  return keys;
}
