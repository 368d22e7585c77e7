/**
 * The cluster's proof run: a batch of demo lifecycles (kinds A, B, C in turn) started a little apart, while midway
 * one Temporal server node and one worker are SIGKILLed and, after a pause, started again. Then every task is
 * awaited to its final phase and its workflow ledger read next to the sandbox's record of the same task.
 */
import type { WitkeyTasks } from '../../client/tasks';
import type { ManagedProcess } from '../../devstack/cluster/managed-process';
import type { TemporalCluster } from '../../devstack/cluster/temporal-cluster';
import type { LedgerFigures } from '../../workflows/task/types';
import { sandboxLedger } from '../demo/sandbox-ledger';
import {
  FINAL_PHASE,
  isFinal,
  playTask,
  TASK_KINDS,
  waitForTask,
  type DemoSandbox,
  type DemoTimes,
  type PlayContext,
  type TaskKind,
} from '../demo/plays';
import { runPrefix } from '../demo/scenario';

export interface BatchOptions {
  tasks: number;
  times: DemoTimes;
  /** Between two task starts. */
  staggerMs: number;
  /** How long the killed processes stay down. */
  downMs: number;
  /** The batch's own events (kills, restarts). */
  say: (line: string) => void;
  /** Each task's steps (quiet unless asked for). */
  playLog: (line: string) => void;
}

export interface TaskOutcome {
  id: string;
  kind: TaskKind;
  expected: string;
  phase: string;
  final: boolean;
  /** Why the play stopped early, when it did. */
  error?: string;
  workflow?: LedgerFigures;
  sandbox?: LedgerFigures;
}

export interface BatchReport {
  outcomes: TaskOutcome[];
  killed: string[];
  durationMs: number;
}

export interface BatchTargets {
  tasks: WitkeyTasks;
  sandbox: DemoSandbox;
  temporal: TemporalCluster;
  /** The worker to kill. */
  worker: ManagedProcess;
}

export async function runBatch(targets: BatchTargets, opts: BatchOptions): Promise<BatchReport> {
  const t0 = Date.now();
  const ctx: PlayContext = { tasks: targets.tasks, sandbox: targets.sandbox, times: opts.times, say: opts.playLog };
  const prefix = runPrefix(new Date());
  const plan = Array.from({ length: opts.tasks }, (_, i) => {
    const kind = TASK_KINDS[i % TASK_KINDS.length];
    return { kind, id: `${prefix}-${kind}${String(i + 1).padStart(3, '0')}` };
  });
  const errors = new Map<string, string>();
  const plays = plan.map(({ kind, id }, i) =>
    delay(i * opts.staggerMs)
      .then(() => playTask(ctx, kind, id))
      .catch((err: Error) => void errors.set(id, err.message)),
  );
  const killed = await killMidway(targets, opts);
  await Promise.all(plays);
  opts.say(`batch: every play ended (${errors.size} stopped early); waiting for each task to reach its final phase`);
  const outcomes: TaskOutcome[] = [];
  for (const { kind, id } of plan) outcomes.push(await outcomeOf(ctx, kind, id, errors.get(id)));
  return { outcomes, killed, durationMs: Date.now() - t0 };
}

/** At half the batch's start-up, SIGKILL the last Temporal node and the worker; start both again after `downMs`. */
async function killMidway(targets: BatchTargets, opts: BatchOptions): Promise<string[]> {
  await delay((opts.tasks / 2) * opts.staggerMs);
  const node = targets.temporal.nodes[targets.temporal.nodes.length - 1];
  const victims = [node.process, targets.worker];
  for (const p of victims) {
    const pid = p.pid;
    await p.kill();
    opts.say(`batch: SIGKILL ${p.name} (pid ${pid})`);
  }
  await delay(opts.downMs);
  await targets.temporal.restart(node);
  targets.worker.start();
  opts.say(`batch: ${node.process.name} and ${targets.worker.name} started again after ${opts.downMs / 1000} s down`);
  return victims.map((p) => p.name);
}

async function outcomeOf(ctx: PlayContext, kind: TaskKind, id: string, error?: string): Promise<TaskOutcome> {
  const expected = FINAL_PHASE[kind];
  const view = await waitForTask(ctx, id, 'its final phase', isFinal, 180_000).catch(() =>
    ctx.tasks.status(id).catch(() => undefined),
  );
  const phase = view?.phase ?? 'unknown';
  return {
    id,
    kind,
    expected,
    phase,
    final: view !== undefined && isFinal(view) && phase === expected,
    ...(error ? { error } : {}),
    ...(view ? { workflow: view.ledger } : {}),
    sandbox: await sandboxLedger(ctx.sandbox, id).catch(() => undefined),
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
