// Persistence of the sandbox state in its data folder (state.json), written atomically (atomic-file.ts), and the
// single writer lock. Every change runs on a copy: the copy is checked for conservation and written to disk before it
// becomes the live state, so a refused operation, a failed check or a failed write leaves both memory and disk as
// they were.

import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConservationError, conservationViolations } from '../books/conservation';
import { writeFileAtomic } from './atomic-file';
import { emptyState, type SandboxState } from './persisted-state';

export const STATE_FILE = 'state.json';

function loadState(path: string): SandboxState {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
    throw err;
  }
  const state = JSON.parse(text) as SandboxState;
  if (state.version !== 1) throw new Error(`${path}: unsupported state version ${String(state.version)}`);
  const violations = conservationViolations(state);
  if (violations.length > 0) throw new Error(`${path}: the stored ledger is not conserved: ${violations.join('; ')}`);
  return state;
}

export class StateStore {
  readonly path: string;
  #state: SandboxState;
  #tail: Promise<unknown> = Promise.resolve();
  /** Test hook: replace the conservation check (to prove that a failing check refuses the operation). */
  checkHook: ((state: SandboxState) => string[]) | undefined;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.path = join(dataDir, STATE_FILE);
    this.#state = loadState(this.path);
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
   * Run `fn` on a copy of the state under the writer lock; when it returns, check conservation, write the copy
   * and make it live. If `fn` throws, the check fails or the write fails, nothing changes.
   */
  mutate<T>(fn: (draft: SandboxState) => T | Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const draft = structuredClone(this.#state);
      const result = await fn(draft);
      const violations = (this.checkHook ?? conservationViolations)(draft);
      if (violations.length > 0) throw new ConservationError(violations);
      writeFileAtomic(this.path, JSON.stringify(draft));
      this.#state = draft;
      return result;
    };
    const next = this.#tail.then(run, run);
    this.#tail = next.catch(() => undefined);
    return next;
  }

  /** Wait until every queued mutation has finished. */
  async idle(): Promise<void> {
    await this.#tail;
  }
}
