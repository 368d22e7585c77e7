/**
 * Violations the model test found that are known and being fixed: while listed here they are counted and reported
 * (figures, `t.diagnostic`) but do not fail a run, so that shrinking goes after the ones nobody knows yet. Remove an
 * entry when its fix lands; `WITKEY_MODEL_STRICT=1` fails on every violation regardless of this list.
 */
import type { InvariantName } from './invariants';

export interface KnownDefect {
  id: string;
  invariant: InvariantName;
  /** Matched against the violation's message. */
  match: RegExp;
  description: string;
}

// Emptied when issue #10 landed: "leftover plan never submitted" and "leftover never planned" now raise
// LEFTOVER_UNCONFIRMED / LEFTOVER_NOT_PLANNED for an operator (see test/workflows/money-paths.test.ts 8a, 8b).
export const KNOWN_DEFECTS: readonly KnownDefect[] = [];

export function knownDefect(invariant: InvariantName, message: string): KnownDefect | undefined {
  return KNOWN_DEFECTS.find((k) => k.invariant === invariant && k.match.test(message));
}
