/**
 * The process-level stack the system benchmarks measure (ingestion, lifecycle, open-tasks): `witkey cluster`'s
 * embedded shape (cli/cluster/stack.ts) — one Temporal dev server on SQLite, one worker, one webhook, the sandbox,
 * each a process of its own started as a deployment starts them — so that each one's CPU and memory can be read
 * from /proc. Plus the bench's own client (the cluster's codec key: payloads encrypted as the worker expects) and
 * the baseline worker (bench/baseline/) on its own task queue, sharing the same Temporal server.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startClusterStack, type ClusterStack } from '../../cli/cluster/stack';
import { childEnv } from '../../cli/cluster/witkey-processes';
import { PROJECT_ROOT } from '../../cli/config';
import { WORKER_NODE_FLAGS } from '../../cli/worker-memory';
import { httpSandbox } from '../../cli/commands/demo';
import type { DemoSandbox } from '../../cli/demo/plays';
import { fetchSandboxConfig } from '../../cli/runtime';
import { countGuardRefusals } from './guard-refusals';
import { WitkeyTasks } from '../../client/tasks';
import { loadKeyring, witkeyDataConverter } from '../../codec';
import { ManagedProcess } from '../../devstack/cluster/managed-process';
import type { TaskSettings } from '../../workflows/task/life/settings';

export const NAMESPACE = 'default';
export const TASK_QUEUE = 'witkey';
export const BASELINE_TASK_QUEUE = 'bench-baseline';
const BASELINE_WORKER = join(__dirname, '..', 'baseline', 'worker.js');

export interface BenchCluster {
  stack: ClusterStack;
  client: Client;
  tasks: WitkeyTasks;
  sandbox: DemoSandbox;
  baselineWorker: ManagedProcess;
  /** The processes whose CPU a benchmark reads, by role (the sandbox plays Alipay: reported, not counted). */
  pids(): { temporal?: number; worker?: number; webhook?: number; sandbox?: number; baseline?: number };
  /** The webhook's own port (not the balancer in front of it, which runs in the bench process). */
  webhookUrl: string;
  /** The dev server's SQLite file. */
  databaseFile: string;
  /** Runs the witkey worker dropped on purpose so far (the activation guards' refusals, counted in its log). */
  refusals(): number;
  stop(): Promise<void>;
}

export async function startBenchCluster(settings: Partial<TaskSettings>): Promise<BenchCluster> {
  const stack = await startClusterStack({
    temporal: 'dev-server',
    temporalNodes: 1,
    workers: 1,
    webhooks: 1,
    namespace: NAMESPACE,
    taskQueue: TASK_QUEUE,
    // the sandbox's resend schedule (2 min, 10 min, ...) compressed as in `witkey cluster` batches
    sandboxTimeFactor: 720,
    keepLogs: process.env.WITKEY_BENCH_KEEP_LOGS === '1',
    webUi: false,
    progress: () => undefined,
  });
  const connection = await Connection.connect({ address: stack.temporal.address });
  const dataConverter = witkeyDataConverter(loadKeyring(stack.codec.keysDir));
  const client = new Client({ connection, namespace: NAMESPACE, dataConverter });
  const config = await fetchSandboxConfig(stack.sandbox.url);
  const tasks = new WitkeyTasks(client, { taskQueue: TASK_QUEUE, feeRates: config.feeRates, settings });
  const baselineWorker = startBaselineWorker(stack);
  const webhookPort = stack.webhooks[0].spec.env?.WITKEY_HTTP_PORT;
  return {
    stack,
    client,
    tasks,
    sandbox: httpSandbox(stack.sandbox.url),
    baselineWorker,
    pids: () => ({
      temporal: stack.temporal.nodes[0].process.pid,
      worker: stack.workers[0].pid,
      webhook: stack.webhooks[0].pid,
      sandbox: stack.sandbox.process.pid,
      baseline: baselineWorker.pid,
    }),
    webhookUrl: `http://127.0.0.1:${webhookPort}`,
    databaseFile: join(stack.workDir, 'temporal.sqlite'),
    refusals: () => guardRefusals(stack.workers[0].spec.logFile),
    async stop() {
      await baselineWorker.stop();
      await connection.close().catch(() => undefined);
      await stack.stop();
    },
  };
}

/** The guards' refusals in a worker's log (bench/lib/guard-refusals.ts); 0 while the log does not exist. */
function guardRefusals(logFile: string): number {
  try {
    return countGuardRefusals(readFileSync(logFile, 'utf8'));
  } catch {
    return 0;
  }
}

/** Launched as the cluster launches its own processes (the same environment rules), with the baseline's script. */
function startBaselineWorker(stack: ClusterStack): ManagedProcess {
  const p = new ManagedProcess({
    name: 'baseline-worker',
    command: process.execPath,
    args: [...WORKER_NODE_FLAGS, BASELINE_WORKER], // the same heap limit as the witkey worker
    env: childEnv({
      TEMPORAL_ADDRESS: stack.temporal.address,
      TEMPORAL_NAMESPACE: NAMESPACE,
      WITKEY_TASK_QUEUE: BASELINE_TASK_QUEUE,
      WITKEY_CODEC_KEYS_DIR: stack.codec.keysDir,
    }),
    cwd: PROJECT_ROOT,
    logFile: join(stack.workDir, 'baseline-worker.log'),
  });
  p.start();
  return p;
}
