// The copy-on-write draft one mutation of the sandbox state runs on. The services keep their plain-object code
// (`state.tasks[key].status = ...`, `state.journal.push(...)`), but nothing of the live state is copied up front:
// a record is copied when the operation first reads it, new postings are kept apart from the live journal, and the
// draft knows afterwards exactly which records it touched. So the cost of a change follows what the operation
// touched, not the size of the state, and the store writes only those rows (state-store.ts).

import type { Posting } from '../books/journal';
import type { SandboxState } from './persisted-state';

/** The keyed collections of the state, each a table of rows in the database. */
export const COLLECTIONS = ['accounts', 'tasks', 'transfers', 'numbers', 'operations', 'notifications'] as const;
export type CollectionName = (typeof COLLECTIONS)[number];
type RowOf<C extends CollectionName> = SandboxState[C][string];

/** What one mutation changed: per collection the rows written (undefined = deleted), the new postings, the scalars. */
export interface StateChanges {
  rows: { [C in CollectionName]: Map<string, RowOf<C> | undefined> };
  postings: Posting[];
  seq: number;
  clockOffsetMs: number;
}

/** Reads fall through to the live rows (copied on first read, so edits stay in the draft); writes stay here. */
class RowOverlay<V> {
  readonly #base: Readonly<Record<string, V>>;
  readonly #touched = new Map<string, V | undefined>();

  constructor(base: Readonly<Record<string, V>>) {
    this.#base = base;
  }

  get(key: string): V | undefined {
    if (this.#touched.has(key)) return this.#touched.get(key);
    if (!Object.hasOwn(this.#base, key)) return undefined;
    const copy = structuredClone(this.#base[key]);
    this.#touched.set(key, copy);
    return copy;
  }

  set(key: string, value: V | undefined): void {
    this.#touched.set(key, value);
  }

  has(key: string): boolean {
    return this.#touched.has(key) ? this.#touched.get(key) !== undefined : Object.hasOwn(this.#base, key);
  }

  keys(): string[] {
    const keys = new Set(Object.keys(this.#base));
    for (const [k, v] of this.#touched)
      if (v === undefined) keys.delete(k);
      else keys.add(k);
    return [...keys];
  }

  /** The rows whose content differs from the live one (a row only read is not a change). */
  changed(): Map<string, V | undefined> {
    const out = new Map<string, V | undefined>();
    for (const [k, v] of this.#touched) {
      const had = Object.hasOwn(this.#base, k);
      if (v === undefined ? had : !had || JSON.stringify(v) !== JSON.stringify(this.#base[k])) out.set(k, v);
    }
    return out;
  }

  /** A plain-object face for the services' code. */
  view(): Record<string, V> {
    return new Proxy<Record<string, V>>(
      {},
      {
        get: (_t, key) => (typeof key === 'string' ? this.get(key) : undefined),
        set: (_t, key, value: V) => typeof key === 'string' && (this.set(key, value), true),
        deleteProperty: (_t, key) => typeof key === 'string' && (this.set(key, undefined), true),
        has: (_t, key) => typeof key === 'string' && this.has(key),
        ownKeys: () => this.keys(),
        getOwnPropertyDescriptor: (_t, key) =>
          typeof key === 'string' && this.has(key)
            ? { value: this.get(key), writable: true, enumerable: true, configurable: true }
            : undefined,
      },
    );
  }
}

/** The live journal followed by the draft's own postings; only push adds to it (postings are never changed). */
function journalView(base: readonly Posting[], added: Posting[]): Posting[] {
  const index = (key: string | symbol): number | undefined =>
    typeof key === 'string' && /^(0|[1-9]\d*)$/.test(key) ? Number(key) : undefined;
  const at = (i: number): Posting | undefined => (i < base.length ? base[i] : added[i - base.length]);
  return new Proxy(added, {
    get: (target, key, receiver) => {
      if (key === 'length') return base.length + added.length;
      if (key === 'push') return (...ps: Posting[]) => added.push(...ps) + base.length;
      if (key === Symbol.iterator) return () => [...base, ...added][Symbol.iterator]();
      const i = index(key);
      if (i !== undefined) return at(i);
      return Reflect.get(target, key, receiver) as unknown;
    },
    has: (target, key) => {
      const i = index(key);
      return i !== undefined ? i < base.length + added.length : Reflect.has(target, key);
    },
  });
}

export class StateDraft {
  readonly state: SandboxState;
  readonly #overlays: { [C in CollectionName]: RowOverlay<RowOf<C>> };
  readonly #postings: Posting[] = [];

  constructor(live: SandboxState) {
    this.#overlays = {
      accounts: new RowOverlay(live.accounts),
      tasks: new RowOverlay(live.tasks),
      transfers: new RowOverlay(live.transfers),
      numbers: new RowOverlay(live.numbers),
      operations: new RowOverlay(live.operations),
      notifications: new RowOverlay(live.notifications),
    };
    this.state = {
      version: live.version,
      clockOffsetMs: live.clockOffsetMs,
      seq: live.seq,
      accounts: this.#overlays.accounts.view(),
      journal: journalView(live.journal, this.#postings),
      tasks: this.#overlays.tasks.view(),
      transfers: this.#overlays.transfers.view(),
      numbers: this.#overlays.numbers.view(),
      operations: this.#overlays.operations.view(),
      notifications: this.#overlays.notifications.view(),
    };
  }

  changes(): StateChanges {
    const o = this.#overlays;
    return {
      rows: {
        accounts: o.accounts.changed(),
        tasks: o.tasks.changed(),
        transfers: o.transfers.changed(),
        numbers: o.numbers.changed(),
        operations: o.operations.changed(),
        notifications: o.notifications.changed(),
      },
      postings: [...this.#postings],
      seq: this.state.seq,
      clockOffsetMs: this.state.clockOffsetMs,
    };
  }
}

/** Make the changes live in memory (after they were checked and written). */
export function applyChanges(live: SandboxState, changes: StateChanges): void {
  for (const name of COLLECTIONS) {
    const rows = live[name] as Record<string, unknown>;
    for (const [key, value] of changes.rows[name]) {
      if (value === undefined) delete rows[key];
      else rows[key] = value;
    }
  }
  for (const p of changes.postings) live.journal.push(p);
  live.seq = changes.seq;
  live.clockOffsetMs = changes.clockOffsetMs;
}
