/**
 * The model run: fast-check generates a task and a sequence of commands (commands.ts), runs them against a real stack
 * (stack.ts: time-skipping Temporal, sandbox, webhook, worker) through fc.asyncModelRun, lets every deadline pass, and
 * checks the invariants (sequence.ts). A failure is shrunk (within a budget of runs, on the same invariant) and
 * reported with the one-line command that replays exactly it; the run then goes on with a new seed, so a long run
 * counts every failure instead of stopping at the first.
 */
import fc from 'fast-check';
import {
  commandArbitrary,
  describeSetup,
  injectSetupFaults,
  newModel,
  observe,
  specArbitrary,
  type SequenceSetup,
} from './commands';
import { INVARIANTS, InvariantViolation, PUBLISHER, Sequence, type InvariantName } from './sequence';
import { Inconclusive, ModelStack, TEST_SERVER_REPLAY_ARTEFACT, withTimeout } from './stack';

export interface RunOptions {
  /** Sequences to generate (shrinking runs come on top). */
  runs: number;
  maxCommands: number;
  seed?: number;
  /** Replay: the counterexample path (with `seed`) and the commands' replay path. */
  path?: string;
  replayPath?: string;
  /** Invariants whose violations are counted but do not fail a sequence. */
  ignore: ReadonlySet<InvariantName>;
  /** With `path`: shrink the replayed failure further instead of only replaying it. */
  shrinkReplay?: boolean;
  /** Known defects (known.ts) fail too. */
  strict?: boolean;
  /** How many runs shrinking may use per failure. */
  shrinkRuns: number;
  /** A fresh stack after this many sequences (the sandbox rewrites its whole state on every operation). */
  stackSequences: number;
  /** Stop generating new sequences after this long (ms). */
  timeLimitMs?: number;
  /** How the replay command is spelled (`npm run test:model`). */
  command: string;
  /** Asked between sequences: stop generating (Ctrl-C). */
  shouldStop?: () => boolean;
  /** A sequence that takes longer than this (wall clock) is stopped and reported (ms). */
  sequenceTimeoutMs: number;
  /** Where the histories of failing tasks are written (JSON). */
  dumpDir?: string;
  /** Print every sequence's step log. */
  verbose?: boolean;
  log: (line: string) => void;
}

export interface FailureReport {
  invariant: InvariantName;
  message: string;
  seed: number;
  path: string;
  replayPath?: string;
  replay: string;
  spec: unknown;
  commands: string[];
  log: string[];
  details?: unknown;
  shrinkRuns: number;
}

export interface RunSummary {
  sequences: number;
  /** Sequences stopped by the time-skipping server's replay artefact (stack.ts, Inconclusive). */
  inconclusive: number;
  shrinkRuns: number;
  steps: number;
  durationMs: number;
  failures: FailureReport[];
  /** Violations of ignored invariants and known defects, or of other invariants while one was shrunk: count, first message. */
  alsoSeen: Map<string, { count: number; example: string }>;
  seeds: number[];
}

let idCounter = 0;
const runTag = `${Date.now().toString(36).slice(-4)}${process.pid.toString(36)}`;

function optionsLine(o: RunOptions, seed: number, path: string, replayPath: string | undefined): string {
  const env = [`WITKEY_MODEL_SEED=${seed}`, `WITKEY_MODEL_PATH='${path}'`];
  if (replayPath) env.push(`WITKEY_MODEL_REPLAY_PATH='${replayPath}'`);
  env.push(`WITKEY_MODEL_MAX_COMMANDS=${o.maxCommands}`);
  if (o.ignore.size) env.push(`WITKEY_MODEL_IGNORE=${[...o.ignore].join(',')}`);
  if (o.strict) env.push('WITKEY_MODEL_STRICT=1');
  return `${env.join(' ')} ${o.command}`;
}

let lateRejectionsLogged = false;

export async function runModel(o: RunOptions): Promise<RunSummary> {
  if (!lateRejectionsLogged) {
    lateRejectionsLogged = true;
    // a promise of a step abandoned by a timeout may still reject later: logged, not fatal
    process.on('unhandledRejection', (err: unknown) => {
      process.stderr.write(
        `model run: a late rejection of an abandoned step: ${(err as Error)?.message ?? String(err)}\n`,
      );
    });
    // a call abandoned by a timeout, still retrying when its stack was replaced, fails in a gRPC timer: not fatal
    process.on('uncaughtException', (err: Error) => {
      if (/Channel has been shut down/.test(err?.message ?? '')) {
        process.stderr.write(`model run: a late call on a stopped stack: ${err.message}\n`);
        return;
      }
      throw err;
    });
  }
  const started = Date.now();
  const summary: RunSummary = {
    sequences: 0,
    inconclusive: 0,
    shrinkRuns: 0,
    steps: 0,
    durationMs: 0,
    failures: [],
    alsoSeen: new Map(),
    seeds: [],
  };
  let ms: ModelStack | undefined;
  // per fc.check call: the invariant being shrunk, the budget left, the last failing run
  let target: InvariantName | undefined;
  let budget = 0;
  let last: { seq: Sequence; violation: InvariantViolation; commands: string[] } | undefined;
  let timeUp = false;
  // index of the generated sequence in the current fc.check call: its fast-check path
  let generated = 0;
  let currentSeed = 0;

  const seen = (label: string, v: InvariantViolation): void => {
    const entry = summary.alsoSeen.get(label);
    if (entry) entry.count += 1;
    else summary.alsoSeen.set(label, { count: 1, example: v.message });
  };

  // a task stuck on a test-server artefact can stop server time for every task: the next sequence gets a fresh stack
  let poisoned = false;
  const ensureStack = async (): Promise<ModelStack> => {
    if (ms && (ms.sequences >= o.stackSequences || poisoned)) {
      poisoned = false;
      await ms.stop();
      ms = undefined;
    }
    ms ??= await ModelStack.start();
    ms.sequences += 1;
    return ms;
  };

  const property = fc.asyncProperty(
    specArbitrary,
    fc.commands([commandArbitrary], {
      maxCommands: o.maxCommands,
      size: 'max',
      ...(o.replayPath ? { replayPath: o.replayPath } : {}),
    }),
    async (spec, cmds) => {
      if (target !== undefined) {
        if (budget <= 0 || o.shouldStop?.()) return true; // the shrinking budget is spent: keep the smallest counterexample found so far
        budget -= 1;
        summary.shrinkRuns += 1;
      } else {
        if ((o.timeLimitMs !== undefined && Date.now() - started > o.timeLimitMs) || o.shouldStop?.()) {
          timeUp = true;
          return true;
        }
        summary.sequences += 1;
        generated += 1;
      }
      const stack = await ensureStack();
      stack.aborted = false;
      const watchdog = setTimeout(() => {
        stack.aborted = true;
      }, o.sequenceTimeoutMs);
      const t0 = Date.now();
      idCounter += 1;
      const seq = new Sequence(stack, `m${runTag}-${idCounter}`, spec, o.ignore, o.strict);
      try {
        await seq.publish();
        const model = newModel();
        await injectSetupFaults(model, seq, spec);
        if (spec.payAtOnce) {
          const paid = await stack.sandbox.pay(seq.cashierUrl, { payerUserId: PUBLISHER }).then(
            (r) => `paid${r.dropped ? ' (reply dropped)' : ''}`,
            (err: unknown) =>
              `not paid: ${(err as Error).name} ${(err as { code?: string }).code ?? (err as Error).message}`,
          );
          await stack.settle([seq.id]);
          seq.note(`pay at once -> ${paid}; delivered`);
        }
        await observe(model, seq);
        await fc.asyncModelRun(() => ({ model, real: { seq } }), cmds);
        seq.note('-- finale: every deadline passes, the notifier drains');
        await seq.finale();
        await seq.checkFinal();
        for (const x of seq.ignored) seen(x.label, x.violation);
        if (target !== undefined && o.verbose) o.log(`    shrinking: ${seq.steps} steps, passes`);
        if (o.verbose) for (const x of seq.ignored) seq.note(`${x.label}: ${x.violation.message}`);
        if (o.verbose && target === undefined)
          o.log(
            `  ✓ ${seq.id} (${seq.steps} steps, ${((Date.now() - t0) / 1000).toFixed(1)} s${target === undefined ? `; replay: ${optionsLine(o, currentSeed, String(generated - 1), undefined)}` : ''})\n${seq.log.map((l) => `      ${l}`).join('\n')}`,
          );
        return true;
      } catch (err) {
        let message = (err as Error)?.message ?? '';
        const artefact =
          err instanceof Inconclusive || TEST_SERVER_REPLAY_ARTEFACT.test(message)
            ? message
            : (err instanceof InvariantViolation || stack.aborted) && (await stack.serverArtefact(seq.id));
        if (artefact) {
          // not the workflow's doing (stack.ts, Inconclusive): counted, never a failure, never shrunk
          message = `${artefact}${artefact === message ? '' : ` (seen as: ${message})`}`;
          stack.aborted = false;
          poisoned = true;
          if (target === undefined) summary.inconclusive += 1;
          seq.note(`inconclusive: an artefact of the time-skipping server (${message.slice(0, 200)})`);
          if (o.verbose)
            o.log(
              `  ? ${seq.id} inconclusive (${seq.steps} steps): ${message.slice(0, 200)}\n${seq.log.map((l) => `      ${l}`).join('\n')}`,
            );
          return true;
        }
        const hung = stack.aborted || (err instanceof InvariantViolation && /watchdog/.test(err.message));
        if (hung || /time jump/.test(message)) poisoned = true;
        const v = hung
          ? new InvariantViolation(
              'update-hang',
              `${seq.id}: the sequence did not finish within ${o.sequenceTimeoutMs / 1000} s (${(err as Error)?.message})`,
            )
          : err instanceof InvariantViolation
            ? err
            : /TMPRL1100|[Nn]ondeterminism/.test((err as Error)?.message ?? '')
              ? new InvariantViolation('workflow-failed', `${seq.id}: ${(err as Error).message}`)
              : new InvariantViolation(
                  'harness',
                  `${seq.id}: ${(err as Error)?.name}: ${(err as Error)?.message}`,
                  (err as Error)?.stack,
                );
        stack.aborted = false;
        for (const x of seq.ignored) seen(x.label, x.violation);
        if (target !== undefined && v.invariant !== target) {
          seen(`[${v.invariant}] while shrinking [${target}]`, v);
          if (o.verbose)
            o.log(
              `    shrinking: ${seq.steps} steps, another invariant [${v.invariant}] ${v.message}\n${seq.log.map((l) => `      ${l}`).join('\n')}`,
            );
          return true; // another invariant: counted, but this shrink stays on its own
        }
        if (target !== undefined && o.verbose)
          o.log(`    shrinking: ${seq.steps} steps, still failing\n${seq.log.map((l) => `      ${l}`).join('\n')}`);
        if (target === undefined) {
          target = v.invariant;
          budget = o.shrinkRuns;
          o.log(`  ✗ [${v.invariant}] ${v.message.slice(0, 300)} — shrinking (up to ${o.shrinkRuns} runs)`);
        }
        await withTimeout(seq.noteState('state at the failure'), 30_000, 'state').catch(() => undefined);
        if (o.dumpDir) {
          const file = await withTimeout(stack.dumpHistory(seq.id, o.dumpDir), 30_000, 'history').catch(
            (e: unknown) => `not written: ${(e as Error).message}`,
          );
          seq.note(`history: ${file}`);
        }
        last = { seq, violation: v, commands: seq.log.slice() };
        throw v;
      } finally {
        clearTimeout(watchdog);
        summary.steps += seq.steps;
        await seq.cleanup();
        // the task's later timers must not run into the next sequences (nor a stuck task stop server time)
        await stack.terminate(seq.id, 'model test: sequence over');
      }
    },
  );

  let seed = o.seed ?? (Date.now() ^ (process.pid << 8)) & 0x7fffffff;
  let remaining = o.runs;
  try {
    while (remaining > 0 && !timeUp) {
      target = undefined;
      last = undefined;
      generated = 0;
      currentSeed = seed;
      summary.seeds.push(seed);
      const before = summary.sequences;
      const details = await fc.check(property, {
        seed,
        ...(o.path ? { path: o.path, endOnFailure: !o.shrinkReplay, numRuns: 1 } : { numRuns: remaining }),
      });
      remaining -= Math.max(1, summary.sequences - before);
      if (details.failed && last) {
        const counterexample = details.counterexample as [unknown, { toString(): string }] | null;
        const cmdText = counterexample ? String(counterexample[1]) : '';
        const replayPath = /replayPath="([^"]*)"/.exec(cmdText)?.[1];
        const path = details.counterexamplePath ?? '';
        const failed = last as { seq: Sequence; violation: InvariantViolation; commands: string[] };
        const report: FailureReport = {
          invariant: failed.violation.invariant,
          message: failed.violation.message,
          seed: details.seed,
          path,
          ...(replayPath ? { replayPath } : {}),
          replay: optionsLine(o, details.seed, path, replayPath),
          spec: counterexample ? describeSetup(counterexample[0] as SequenceSetup) : undefined,
          commands: cmdText
            .replace(/\s*\/\*replayPath=.*\*\/\s*$/, '')
            .split(/,(?=[A-Z])/)
            .filter(Boolean),
          log: failed.commands,
          details: failed.violation.details,
          shrinkRuns: o.shrinkRuns - budget,
        };
        summary.failures.push(report);
        o.log(formatFailure(report));
      } else if (details.failed) {
        o.log(
          `fast-check failed without a recorded violation: ${(details.errorInstance as Error | undefined)?.message ?? ''}`,
        );
        summary.failures.push({
          invariant: 'harness',
          message: (details.errorInstance as Error | undefined)?.message ?? 'unknown',
          seed: details.seed,
          path: details.counterexamplePath ?? '',
          replay: optionsLine(o, details.seed, details.counterexamplePath ?? '', undefined),
          spec: undefined,
          commands: [],
          log: [],
          shrinkRuns: 0,
        });
      }
      if (o.path || !details.failed) break;
      seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
    }
  } finally {
    await ms?.stop();
  }
  summary.durationMs = Date.now() - started;
  return summary;
}

export function formatFailure(r: FailureReport): string {
  const lines = [
    `✗ [${r.invariant}] ${r.message}`,
    `  replay: ${r.replay}`,
    `  task: ${typeof r.spec === 'string' ? r.spec : JSON.stringify(r.spec)}`,
    `  shrunk commands (${r.commands.length}, after ${r.shrinkRuns} shrinking runs):`,
    ...r.commands.map((c, i) => `    ${i + 1}. ${c}`),
    `  step log of the shrunk run:`,
    ...r.log.map((l) => `    ${l}`),
  ];
  return lines.join('\n');
}

export function formatSummary(s: RunSummary): string {
  const byInvariant = new Map<string, number>();
  for (const f of s.failures) byInvariant.set(f.invariant, (byInvariant.get(f.invariant) ?? 0) + 1);
  const lines = [
    `model run: ${s.sequences} sequences (+${s.shrinkRuns} shrinking runs, ${s.inconclusive} inconclusive), ${s.steps} steps, ${(s.durationMs / 1000).toFixed(1)} s, ${s.failures.length} failure(s)${byInvariant.size ? ` [${[...byInvariant].map(([k, v]) => `${k}: ${v}`).join(', ')}]` : ''}; seeds ${s.seeds.join(', ')}`,
  ];
  for (const [k, v] of s.alsoSeen) lines.push(`  not failing: ${k} x${v.count}, e.g. ${v.example.slice(0, 300)}`);
  return lines.join('\n');
}

export function optionsFromEnv(
  env: NodeJS.ProcessEnv,
  defaults: Partial<RunOptions> & { log: (line: string) => void },
): RunOptions {
  const int = (name: string, fallback: number): number => {
    const v = env[name];
    if (v === undefined || v === '') return fallback;
    const n = Number(v);
    if (!Number.isSafeInteger(n) || (n < 0 && name !== 'WITKEY_MODEL_SEED'))
      throw new Error(`${name}=${v}: a non-negative integer`);
    return n;
  };
  const ignore = new Set<InvariantName>();
  for (const name of (env.WITKEY_MODEL_IGNORE ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)) {
    if (!INVARIANTS.includes(name as InvariantName))
      throw new Error(`WITKEY_MODEL_IGNORE: ${name} is not an invariant (${INVARIANTS.join(', ')})`);
    ignore.add(name as InvariantName);
  }
  const seed = env.WITKEY_MODEL_SEED ? int('WITKEY_MODEL_SEED', 0) : defaults.seed;
  const minutes = env.WITKEY_MODEL_TIME_LIMIT_MIN ? int('WITKEY_MODEL_TIME_LIMIT_MIN', 0) : undefined;
  return {
    runs: int('WITKEY_MODEL_RUNS', defaults.runs ?? 20),
    maxCommands: int('WITKEY_MODEL_MAX_COMMANDS', defaults.maxCommands ?? 30),
    ...(seed !== undefined ? { seed } : {}),
    ...(env.WITKEY_MODEL_PATH ? { path: env.WITKEY_MODEL_PATH } : {}),
    ...(env.WITKEY_MODEL_REPLAY_PATH ? { replayPath: env.WITKEY_MODEL_REPLAY_PATH } : {}),
    ignore,
    shrinkRuns: int('WITKEY_MODEL_SHRINK_RUNS', defaults.shrinkRuns ?? 60),
    stackSequences: int('WITKEY_MODEL_STACK_SEQUENCES', defaults.stackSequences ?? 40),
    ...(minutes !== undefined
      ? { timeLimitMs: minutes * 60_000 }
      : defaults.timeLimitMs !== undefined
        ? { timeLimitMs: defaults.timeLimitMs }
        : {}),
    command: defaults.command ?? 'npm run test:model',
    verbose: env.WITKEY_MODEL_VERBOSE === '1',
    sequenceTimeoutMs: int('WITKEY_MODEL_SEQUENCE_TIMEOUT_S', 300) * 1000,
    ...(env.WITKEY_MODEL_DUMP_DIR ? { dumpDir: env.WITKEY_MODEL_DUMP_DIR } : {}),
    strict: env.WITKEY_MODEL_STRICT === '1',
    shrinkReplay: env.WITKEY_MODEL_SHRINK === '1',
    log: defaults.log,
  };
}
