// The sandbox's state on disk: an SQLite database (state.sqlite in the data folder) written through better-sqlite3.
// One row per record (account balance, task, transfer, business number, recorded outcome, notification) as JSON, one
// row per posting, and the scalars in `meta`. A mutation's changes are one transaction, so the file holds every
// acknowledged change and never half of one; a change costs the rows it writes, whatever the number of tasks.

import Database from 'better-sqlite3';
import type { Posting } from '../books/journal';
import { emptyState, type SandboxState } from './persisted-state';
import { COLLECTIONS, type CollectionName, type StateChanges } from './state-draft';

export const DATABASE_FILE = 'state.sqlite';

/** The layout of the file; PRAGMA user_version. */
const SCHEMA_VERSION = 1;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  -- rowid keeps the order rows were first written in, so a restarted sandbox lists tasks in creation order
  CREATE TABLE IF NOT EXISTS records (
    collection TEXT NOT NULL,
    key TEXT NOT NULL,
    body TEXT NOT NULL,
    -- the notifier asks for the pending notifications due by a time: indexed, instead of a scan of all of them
    due_at INTEGER GENERATED ALWAYS AS (
      CASE WHEN collection = 'notifications' AND json_extract(body, '$.status') = 'pending'
      THEN json_extract(body, '$.dueAt') END
    ) VIRTUAL,
    UNIQUE (collection, key)
  );
  CREATE INDEX IF NOT EXISTS records_due ON records (due_at) WHERE due_at IS NOT NULL;
  CREATE TABLE IF NOT EXISTS journal (seq INTEGER PRIMARY KEY, outer_task_id TEXT NOT NULL, body TEXT NOT NULL);
`;

export class StateDatabase {
  readonly path: string;
  readonly #db: Database.Database;
  readonly #put: Database.Statement<[string, string, string]>;
  readonly #remove: Database.Statement<[string, string]>;
  readonly #post: Database.Statement<[number, string, string]>;
  readonly #setMeta: Database.Statement<[string, string]>;
  readonly #due: Database.Statement<[number], { key: string }>;
  readonly #write: (changes: StateChanges, extraMeta: Readonly<Record<string, string>>) => number;

  constructor(path: string) {
    this.path = path;
    this.#db = new Database(path);
    this.#db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a commit is in the WAL file (the OS's page cache) before better-sqlite3 returns, so it
    // survives the sandbox process being killed (what the chaos runs and crash tests do) but not a power loss or OS
    // crash, which may lose the last commits (never corrupt the file). FULL would add an fsync per operation for a
    // guarantee an emulator on a developer's machine does not need.
    this.#db.pragma('synchronous = NORMAL');
    // A second connection (a test reading the file, a restart racing the old process's close) waits, not fails.
    this.#db.pragma('busy_timeout = 5000');
    const version = this.#db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) throw new Error(`${path}: database layout ${version} is newer than this sandbox's`);
    this.#db.exec(SCHEMA);
    this.#db.pragma(`user_version = ${SCHEMA_VERSION}`);
    this.#put = this.#db.prepare(
      'INSERT INTO records (collection, key, body) VALUES (?, ?, ?) ON CONFLICT (collection, key) DO UPDATE SET body = excluded.body',
    );
    this.#remove = this.#db.prepare('DELETE FROM records WHERE collection = ? AND key = ?');
    this.#post = this.#db.prepare('INSERT INTO journal (seq, outer_task_id, body) VALUES (?, ?, ?)');
    this.#setMeta = this.#db.prepare(
      'INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
    );
    this.#due = this.#db.prepare('SELECT key FROM records WHERE due_at IS NOT NULL AND due_at <= ? ORDER BY due_at');
    this.#write = this.#db.transaction((changes: StateChanges, extraMeta: Readonly<Record<string, string>>) => {
      for (const [name, value] of Object.entries(extraMeta)) this.#setMeta.run(name, value);
      return this.#writeRows(changes);
    });
  }

  /** Nothing was ever written (a new data folder, or one with only an old state.json). */
  isEmpty(): boolean {
    return this.#db.prepare('SELECT 1 FROM meta LIMIT 1').get() === undefined;
  }

  meta(name: string): string | undefined {
    return (this.#db.prepare('SELECT value FROM meta WHERE name = ?').get(name) as { value: string } | undefined)
      ?.value;
  }

  /** The whole state (at start-up). */
  load(): SandboxState {
    const state = emptyState();
    state.seq = Number(this.meta('seq') ?? 0);
    state.clockOffsetMs = Number(this.meta('clockOffsetMs') ?? 0);
    const rows = this.#db.prepare('SELECT collection, key, body FROM records ORDER BY rowid').all() as Array<{
      collection: CollectionName;
      key: string;
      body: string;
    }>;
    for (const r of rows) (state[r.collection] as Record<string, unknown>)[r.key] = JSON.parse(r.body) as unknown;
    for (const r of this.#db.prepare('SELECT body FROM journal ORDER BY seq').all() as Array<{ body: string }>)
      state.journal.push(JSON.parse(r.body) as Posting);
    return state;
  }

  /** Write the changes of one mutation in one transaction (all or nothing); answers the rows written. */
  write(changes: StateChanges, extraMeta: Readonly<Record<string, string>> = {}): number {
    return this.#write(changes, extraMeta);
  }

  /** The keys of the pending notifications due by `now` (sandbox clock). */
  dueNotificationKeys(now: number): string[] {
    return this.#due.all(now).map((r) => r.key);
  }

  close(): void {
    this.#db.close();
  }

  #writeRows(changes: StateChanges): number {
    let rows = 0;
    for (const name of COLLECTIONS) {
      for (const [key, value] of changes.rows[name]) {
        if (value === undefined) this.#remove.run(name, key);
        else this.#put.run(name, key, JSON.stringify(value));
        rows += 1;
      }
    }
    for (const p of changes.postings) this.#post.run(p.seq, p.outerTaskId, JSON.stringify(p));
    this.#setMeta.run('seq', String(changes.seq));
    this.#setMeta.run('clockOffsetMs', String(changes.clockOffsetMs));
    return rows + changes.postings.length;
  }
}

/** The whole of a state as changes (to import it into an empty database). */
export function changesOfWholeState(state: SandboxState): StateChanges {
  const rows = {} as StateChanges['rows'];
  for (const name of COLLECTIONS)
    (rows as Record<CollectionName, Map<string, unknown>>)[name] = new Map(Object.entries(state[name]));
  return { rows, postings: [...state.journal], seq: state.seq, clockOffsetMs: state.clockOffsetMs };
}
