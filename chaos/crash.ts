/**
 * The crash scenarios: N demo lifecycles (kinds A, B, C in turn; cli/demo/plays.ts) in compressed time against the
 * sandbox, on the embedded shape (one dev server on SQLite) or on the multi-node cluster (two Temporal nodes on
 * PostgreSQL), with two workers and two webhooks as processes of their own, while the monkey (chaos/monkey.ts)
 * kills workers at random, a webhook mid-traffic, Temporal and the sandbox. Then the checks of chaos/checks.ts.
 */
import { Client, Connection } from '@temporalio/client';
import { WitkeyTasks } from '../client/tasks';
import { startClusterStack, type ClusterStack } from '../cli/cluster/stack';
import { BATCH_TIMES } from '../cli/commands/cluster';
import { httpSandbox } from '../cli/commands/demo';
import {
  FINAL_PHASE,
  isFinal,
  playTask,
  TASK_KINDS,
  waitForTask,
  type DemoTimes,
  type PlayContext,
} from '../cli/demo/plays';
import { runPrefix } from '../cli/demo/scenario';
import { fetchSandboxConfig } from '../cli/runtime';
import { loadKeyring, witkeyDataConverter } from '../codec';
import { checkTasks, httpBooks, type PlayedTask, type SandboxBooks } from './checks';
import { seeded, startMonkey } from './monkey';
import { emptyRow, type Scenario, type ScenarioOptions, type ScenarioRow } from './row';

export type Shape = 'embedded' | 'cluster';

const NAMESPACE = 'default';
const TASK_QUEUE = 'witkey';
/**
 * One lifecycle started every STAGGER_MS (short form) or FULL_STAGGER_MS (200 lifecycles): started every 0.5 s, 200
 * plays (about 200 at once) loaded this 2-core machine to a load average of 7 and their compressed deadlines (a resend
 * window of 20 s) passed before the plays could act — the operators' flags then measured the machine, not the system.
 */
const STAGGER_MS = 500;
const FULL_STAGGER_MS = 1_500;
/**
 * The full form's clock: the batch's times three times longer. On the batch's clock (announcement 30 s, expiry 90 s)
 * 200 plays on 2 cores ran late against their own deadlines (load average 6): their winners came after the
 * announcement or the expiry ("announce_period is not in the future", "task expired"), which the system rightly
 * refused, so the run measured the machine. Still compressed: a day of Alipay's resends is two minutes.
 */
const FULL_TIMES: DemoTimes = {
  ...BATCH_TIMES,
  announcementMs: 3 * BATCH_TIMES.announcementMs,
  expiryMs: 3 * BATCH_TIMES.expiryMs,
  paymentTimeoutMs: 3 * BATCH_TIMES.paymentTimeoutMs,
  resendWindowMs: 3 * BATCH_TIMES.resendWindowMs,
};

export function crashScenario(shape: Shape, tasksFull = 200, tasksShort = 9): Scenario {
  return {
    name: `crashes (${shape})`,
    run: (opts) => runCrashes(shape, opts.short ? tasksShort : tasksFull, opts, opts.short ? BATCH_TIMES : FULL_TIMES),
  };
}

async function runCrashes(shape: Shape, count: number, opts: ScenarioOptions, times: DemoTimes): Promise<ScenarioRow> {
  const row = emptyRow(`crashes (${shape})`);
  const stack = await startClusterStack({
    temporal: shape === 'cluster' ? 'cluster' : 'dev-server',
    temporalNodes: 2,
    workers: 2,
    webhooks: 2,
    namespace: NAMESPACE,
    taskQueue: TASK_QUEUE,
    sandboxTimeFactor: BATCH_TIMES.sandboxTimeFactor,
    keepLogs: process.env.WITKEY_CHAOS_KEEP_LOGS === '1',
    webUi: false,
    progress: () => undefined,
  });
  const connection = await Connection.connect({ address: stack.temporal.address });
  try {
    const client = new Client({
      connection,
      namespace: NAMESPACE,
      dataConverter: witkeyDataConverter(loadKeyring(stack.codec.keysDir)),
    });
    const config = await fetchSandboxConfig(stack.sandbox.url);
    const tasks = new WitkeyTasks(client, {
      taskQueue: TASK_QUEUE,
      feeRates: config.feeRates,
      settings: { resendWindowMs: times.resendWindowMs, paymentTimeoutMs: times.paymentTimeoutMs },
    });
    const played = await playUnderFire(stack, tasks, count, opts, row, times);
    const books = httpBooks(stack.sandbox.url);
    const findings = await checkTasks({ tasks, client, books }, played);
    Object.assign(row, findings, { problems: [...row.problems, ...findings.problems] });
    row.serverErrors = await serverErrors(books, played);
    row.crashes = [...stack.workers, ...stack.webhooks, stack.sandbox.process, stack.codec.process]
      .concat(stack.temporal.nodes.map((n) => n.process))
      .reduce((n, p) => n + p.unexpectedExits, 0);
    if (row.crashes) row.problems.push(`${row.crashes} process(es) ended on their own; logs in ${stack.workDir}`);
    return row;
  } finally {
    await connection.close().catch(() => undefined);
    await stack.stop();
  }
}

async function playUnderFire(
  stack: ClusterStack,
  tasks: WitkeyTasks,
  count: number,
  opts: ScenarioOptions,
  row: ScenarioRow,
  times: DemoTimes,
): Promise<PlayedTask[]> {
  const ctx: PlayContext = {
    tasks,
    sandbox: httpSandbox(stack.sandbox.url),
    times,
    say: () => undefined,
    pollMs: 1_000, // 200 plays asking 4 times a second would be the load, not the chaos
  };
  const prefix = runPrefix(new Date());
  const plan = Array.from({ length: count }, (_, i) => {
    const kind = TASK_KINDS[i % TASK_KINDS.length];
    return { kind, id: `${prefix}-${kind}${String(i + 1).padStart(3, '0')}` };
  });
  const seed = Number(process.env.WITKEY_CHAOS_SEED ?? Date.now() % 1_000_000);
  const staggerMs = opts.short ? STAGGER_MS : FULL_STAGGER_MS;
  opts.say(`${row.scenario}: ${count} lifecycles, one every ${staggerMs} ms; chaos seed ${seed}`);
  const monkey = startMonkey(
    {
      workers: stack.workers,
      webhooks: stack.webhooks,
      sandbox: stack.sandbox.process,
      temporal: stack.temporal,
      waitUp: (p) => stack.waitListening(p),
    },
    // the one-off outages fall inside the busiest time: after the starts, while payouts and leftovers run
    { spanMs: count * staggerMs + times.announcementMs, random: seeded(seed), say: opts.say },
  );
  const stoppedEarly: string[] = [];
  await Promise.all(
    plan.map(({ kind, id }, i) =>
      delay(i * staggerMs)
        .then(() => playTask(ctx, kind, id))
        .catch((err: Error) => {
          // a task an outage parked for an operator (e.g. a cancellation that reached Alipay after the announcement
          // ended: CANCEL_REFUSED) is an outcome the checks count (needs-attention with its reason), not a failure
          if (/ needs attention: /.test(err.message)) opts.say(`${id}: ${err.message}`);
          else stoppedEarly.push(`${id}: the play stopped: ${err.message}${causeOf(err)}`);
        }),
    ),
  );
  await monkey.stop();
  row.faultsInjected = monkey.events;
  row.tasks = count;
  row.problems.push(...stoppedEarly);
  opts.say(`${row.scenario}: plays done (${stoppedEarly.length} failed); waiting for every final phase`);
  for (const { id } of plan) await waitForTask(ctx, id, 'its final phase', isFinal, 180_000).catch(() => undefined);
  return plan.map(({ kind, id }) => ({ id, expected: FINAL_PHASE[kind] }));
}

/** Answers of 5xx to the sandbox's notifications, other than 503 (Temporal or notify_verify unavailable). */
async function serverErrors(books: SandboxBooks, played: PlayedTask[]): Promise<number> {
  let n = 0;
  for (const { id } of played)
    for (const record of await books.notifications({ outerTaskId: id }))
      n += record.attempts.filter((a) => (a.httpStatus ?? 0) >= 500 && a.httpStatus !== 503).length;
  return n;
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The cause under a client error ("Failed to query Workflow": the gRPC status that made it). */
function causeOf(err: Error): string {
  const cause = (err as Error & { cause?: unknown }).cause;
  return cause instanceof Error ? ` (${cause.message.slice(0, 160)})` : '';
}
