// The sandbox's live state and the single writer lock. The state is kept in memory for the services and the
// inspection, and in the data folder's database (state-database.ts). Every change runs on a copy-on-write draft
// (state-draft.ts): what the operation changed is checked for conservation and written in one transaction before it
// becomes live, so a refused operation, a failed check or a failed write leaves both memory and disk as they were,
// and a change costs what it touched, not the size of the state.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConservationTotals } from '../books/change-conservation';
import { ConservationError, conservationViolations } from '../books/conservation';
import type { Posting } from '../books/journal';
import { importLegacyStateFile } from './legacy-state-import';
import type { NotificationRecord } from './notification-records';
import type { SandboxState } from './persisted-state';
import { DATABASE_FILE, StateDatabase } from './state-database';
import { applyChanges, StateDraft } from './state-draft';

export class StateStore {
  readonly path: string;
  readonly #db: StateDatabase;
  readonly #state: SandboxState;
  readonly #totals: ConservationTotals;
  /** The journal by outer_task_id: the inspection of one task's postings without a scan of all of them. */
  readonly #postingsByTask = new Map<string, Posting[]>();
  #tail: Promise<unknown> = Promise.resolve();
  /** Test hook: replace the conservation check (to prove that a failing check refuses the operation). */
  checkHook: ((state: SandboxState) => string[]) | undefined;
  /** Rows the last mutation wrote (records and postings): tests prove a change does not rewrite the rest. */
  lastWriteRows = 0;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.path = join(dataDir, DATABASE_FILE);
    this.#db = new StateDatabase(this.path);
    try {
      importLegacyStateFile(dataDir, this.#db);
      this.#state = this.#db.load();
      // The full check once at start: from here on, each change is checked on what it touched.
      const violations = conservationViolations(this.#state);
      if (violations.length > 0)
        throw new Error(`${this.path}: the stored ledger is not conserved: ${violations.join('; ')}`);
    } catch (err) {
      this.#db.close();
      throw err;
    }
    this.#totals = new ConservationTotals(this.#state);
    this.#indexPostings(this.#state.journal);
  }

  /** A deep copy of the live state (for inspection). */
  snapshot(): SandboxState {
    return structuredClone(this.#state);
  }

  /** Read the live state without copying; the callback must not modify it. */
  read<T>(fn: (state: Readonly<SandboxState>) => T): T {
    return fn(this.#state);
  }

  /**
   * Run `fn` on a draft of the state under the writer lock; when it returns, check conservation on what it
   * changed, write the changes and make them live. If `fn` throws, the check fails or the write fails, nothing
   * changes.
   */
  mutate<T>(fn: (draft: SandboxState) => T | Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const draft = new StateDraft(this.#state);
      const result = await fn(draft.state);
      const changes = draft.changes();
      const violations = this.checkHook ? this.checkHook(draft.state) : this.#totals.violations(this.#state, changes);
      if (violations.length > 0) throw new ConservationError(violations);
      this.lastWriteRows = this.#db.write(changes);
      this.#totals.apply(this.#state, changes);
      applyChanges(this.#state, changes);
      this.#indexPostings(changes.postings);
      return result;
    };
    const next = this.#tail.then(run, run);
    this.#tail = next.catch(() => undefined);
    return next;
  }

  /** The pending notifications due by `now`, in due order (live records: do not modify). */
  dueNotifications(now: number): NotificationRecord[] {
    return this.#db
      .dueNotificationKeys(now)
      .map((key) => this.#state.notifications[key])
      .filter((n): n is NotificationRecord => n !== undefined);
  }

  /** Copies of the postings of one task (by outer_task_id), in order. */
  postingsOf(outerTaskId: string): Posting[] {
    return (this.#postingsByTask.get(outerTaskId) ?? []).map((p) => ({ ...p }));
  }

  #indexPostings(postings: readonly Posting[]): void {
    for (const p of postings) {
      const list = this.#postingsByTask.get(p.outerTaskId);
      if (list) list.push(p);
      else this.#postingsByTask.set(p.outerTaskId, [p]);
    }
  }

  /** Wait until every queued mutation has finished. */
  async idle(): Promise<void> {
    await this.#tail;
  }

  /** Wait for the queued mutations and close the database (the store is unusable afterwards). */
  async close(): Promise<void> {
    await this.idle();
    this.#db.close();
  }
}
