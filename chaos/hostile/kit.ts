/**
 * The machinery every hostile surface shares: run a fast-check property over many inputs, count what each input
 * did (sent, 5xx, crash, forged accepted) into the row, and on the first failure of a surface keep fast-check's
 * shrunk counter-example as one problem line, then go on with the next surface.
 */
import fc from 'fast-check';
import type { ScenarioRow } from '../row';
import type { Answer } from './http';

/** Why one input failed: which count it adds to, and what to say. */
export type FailureKind = 'serverError' | 'crash' | 'forgedAccepted' | 'stateChange' | 'unclearError';

export class Finding extends Error {
  override name = 'Finding';
  constructor(
    readonly kind: FailureKind,
    message: string,
  ) {
    super(message);
  }
}

export interface Runs {
  /** Inputs per surface. */
  perSurface: number;
  say: (line: string) => void;
  /** fast-check seed (a run can be repeated); default random. */
  seed?: number;
}

/** Truncated, one-line rendering of a counter-example. */
export function show(value: unknown, max = 200): string {
  let text: string;
  try {
    text = fc.stringify(value);
  } catch {
    text = String(value);
  }
  text = text.replace(/\s+/g, ' ');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * Runs `check` on `numRuns` inputs of `arb`. Every call adds to faultsInjected; the first failure's kind adds to its
 * count once (the shrinking that follows re-runs inputs without counting them again) and its shrunk input becomes
 * one problem line. An exception that is not a Finding is a crash.
 */
export async function fuzz<T>(
  row: ScenarioRow,
  surface: string,
  arb: fc.Arbitrary<T>,
  check: (input: T) => Promise<void>,
  runs: { numRuns: number; seed?: number; say: (line: string) => void },
): Promise<void> {
  let firstFailure: FailureKind | undefined;
  const started = Date.now();
  let sent = 0;
  let shrinking = false; // inputs re-run while a failure is shrunk are not counted again
  const property = fc.asyncProperty(arb, async (input) => {
    if (!shrinking) {
      row.faultsInjected++;
      sent++;
    }
    try {
      await check(input);
    } catch (err) {
      const kind: FailureKind = err instanceof Finding ? err.kind : 'crash';
      if (firstFailure === undefined) {
        firstFailure = kind;
        count(row, kind);
      }
      throw err;
    }
  });
  // every one of numRuns inputs is tried (no time limit cuts the run short); a failure is then shrunk on its own for
  // at most a minute: the counter-example is for people, not a proof
  const found = await fc.check(property, {
    numRuns: runs.numRuns,
    ...(runs.seed !== undefined ? { seed: runs.seed } : {}),
    endOnFailure: true,
  });
  shrinking = true;
  const shrunk = found.failed
    ? await fc.check(property, {
        seed: found.seed,
        ...(found.counterexamplePath ? { path: found.counterexamplePath } : {}),
        interruptAfterTimeLimit: 60_000,
        markInterruptAsFailure: false,
      })
    : undefined;
  const details = shrunk?.failed ? shrunk : found;
  if (found.failed) {
    const err = details.errorInstance as Error | undefined;
    const what = err instanceof Finding ? err.message : `${err?.name ?? 'Error'}: ${err?.message ?? String(err)}`;
    row.problems.push(
      `${surface}: ${what.replace(/\s+/g, ' ').slice(0, 200)} — counter-example (seed ${details.seed}): ${show(details.counterexample?.[0])}`,
    );
  }
  runs.say(
    `hostile input: ${surface}: ${sent} inputs in ${((Date.now() - started) / 1000).toFixed(1)} s${found.failed ? ', FAILED' : ''}`,
  );
}

function count(row: ScenarioRow, kind: FailureKind): void {
  if (kind === 'serverError') row.serverErrors++;
  else if (kind === 'crash') row.crashes++;
  else if (kind === 'forgedAccepted') row.forgedAccepted++;
}

/** The common verdict on an HTTP answer to a hostile input: no 5xx, and a refusal says something. */
export function expectRefusalOrOk(answer: Answer, what: string): void {
  if (answer.status >= 500)
    throw new Finding('serverError', `${what}: HTTP ${answer.status} ${answer.body.slice(0, 80)}`);
  if (answer.status >= 400 && answer.body.trim() === '')
    throw new Finding('unclearError', `${what}: HTTP ${answer.status} with an empty body`);
}

/** A refusal (4xx with a body), nothing else. */
export function expectRefusal(answer: Answer, what: string): void {
  expectRefusalOrOk(answer, what);
  if (answer.status < 400)
    throw new Finding('unclearError', `${what}: accepted (HTTP ${answer.status}), expected a 4xx`);
}

/** Compares a state snapshot taken before with one taken now. */
export async function unchanged(
  before: string,
  now: () => Promise<string>,
  what: string,
  kind: FailureKind = 'stateChange',
): Promise<void> {
  const after = await now();
  if (after !== before)
    throw new Finding(kind, `${what}: state changed (${before.slice(0, 60)} -> ${after.slice(0, 60)})`);
}
