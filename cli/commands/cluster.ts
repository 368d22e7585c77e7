/**
 * `witkey cluster`: the production shape on this machine (cli/cluster/stack.ts): serve it until Ctrl-C, or with
 * --check play a batch of lifecycles while killing processes, print every task's outcome and both ledgers, and
 * tear everything down.
 */
import { Client, Connection } from '@temporalio/client';
import { WitkeyTasks } from '../../client/tasks';
import { loadKeyring, witkeyDataConverter } from '../../codec';
import { str, type Values } from '../args';
import { runBatch, type BatchReport } from '../cluster/batch';
import { awaitVisibleCounts } from '../cluster/visibility';
import { outcomeTable, verdict } from '../cluster/report';
import { startClusterStack, type ClusterOptions, type ClusterStack } from '../cluster/stack';
import type { CommandSpec } from '../command';
import { httpSandbox } from './demo';
import { DEMO_TIMES, type DemoTimes } from '../demo/plays';
import { out } from '../format';
import { say, waitForStopSignal } from '../output';
import { parseCount } from '../parse';
import { fetchSandboxConfig, workerPolls } from '../runtime';

export const clusterCommand: CommandSpec = {
  summary: 'a production-shaped cluster here: PostgreSQL, 2 Temporal servers, Web UI, 2 workers, 2 webhooks, sandbox',
  help: `witkey cluster [--check] [--tasks N] [--servers N] [--workers N] [--webhooks N] [--keep-logs]

Starts, on loopback and free ports, what a production deployment runs: a throwaway PostgreSQL (Debian's
postgresql package), the Temporal server v1.29.1 as several processes forming one cluster on it (schemas applied
by temporal-sql-tool, SQL visibility, the witkey search attributes and retention registered), a load balancer in
front of their frontends, the Temporal Web UI server, the Alipay sandbox, workers and webhooks (each a "witkey"
process; the webhooks behind one public URL), and "witkey codec-server", through which the Web UI decodes the
payloads (encrypted with a key made for the cluster in its work folder). The Temporal binaries are built from the Go module proxy into the
user cache the first time (about 10 minutes), then reused.

Without --check it prints the addresses and serves until Ctrl-C, which stops everything and deletes the data.

  --check        play a batch of demo lifecycles (kinds A, B, C: see "witkey demo"), SIGKILL one Temporal server
                 and one worker midway and start them again; print each task's outcome and the workflow and
                 sandbox ledgers side by side; last line "cluster: N tasks, K processes killed, all final:
                 yes|no, ledgers equal: yes|no"; exit code 1 unless every task is final and every fen agrees
  --tasks N      tasks in the batch (default 50)
  --servers N    Temporal server processes (default 2)
  --workers N    worker processes (default 2)
  --webhooks N   webhook processes (default 2)
  --keep-logs    keep the work folder with every process's log after the end`,
  options: {
    check: { type: 'boolean' },
    tasks: { type: 'string' },
    servers: { type: 'string' },
    workers: { type: 'string' },
    webhooks: { type: 'string' },
    'keep-logs': { type: 'boolean' },
  },
  run: (v) => cluster(v),
};

/** The batch's clock: the demo's, stretched so that a process kill does not outlast a deadline. */
export const BATCH_TIMES: DemoTimes = {
  ...DEMO_TIMES,
  announcementMs: 30_000,
  expiryMs: 90_000,
  paymentTimeoutMs: 60_000,
  resendWindowMs: 20_000,
};

async function cluster(v: Values): Promise<void> {
  const t0 = Date.now();
  const opts: ClusterOptions = {
    temporalNodes: parseCount('--servers', str(v, 'servers'), 1, 5) ?? 2,
    workers: parseCount('--workers', str(v, 'workers'), 1, 8) ?? 2,
    webhooks: parseCount('--webhooks', str(v, 'webhooks'), 1, 8) ?? 2,
    namespace: 'default',
    taskQueue: 'witkey',
    sandboxTimeFactor: BATCH_TIMES.sandboxTimeFactor,
    keepLogs: v['keep-logs'] === true,
    progress: say,
  };
  const tasks = parseCount('--tasks', str(v, 'tasks'), 1, 1000) ?? 50;
  const stack = await startClusterStack(opts);
  say(`cluster up in ${seconds(Date.now() - t0)} (binaries, database, servers, processes)`);
  let interrupted = false;
  try {
    printAddresses(stack);
    if (v.check !== true) say('press Ctrl-C to stop the cluster (its data is deleted)');
    const work = v.check === true ? check(stack, tasks, opts) : new Promise<void>(() => undefined);
    interrupted = (await Promise.race([work.then(() => false), waitForStopSignal().then(() => true)])) === true;
  } finally {
    say('stopping the cluster...');
    await stack.stop();
    say(opts.keepLogs ? `stopped; logs kept in ${stack.workDir}` : 'stopped; everything removed');
  }
  if (interrupted && v.check === true) process.exit(130); // the batch's timers would keep the process alive
}

function printAddresses(stack: ClusterStack): void {
  out(
    [
      `Temporal frontend (balancer) ${stack.temporal.address}  (export TEMPORAL_ADDRESS=${stack.temporal.address})`,
      ...stack.temporal.nodes.map((n) => `  ${n.process.name}  frontend 127.0.0.1:${n.ports.frontend}`),
      `Temporal Web UI              ${stack.ui?.url ?? '(not started)'}`,
      `codec server (Web UI)        ${stack.codec.url}  (keys: export WITKEY_CODEC_KEYS_DIR=${stack.codec.keysDir})`,
      `webhooks (public URL)        ${stack.publicUrl}  (${stack.webhooks.length} processes)`,
      `workers                      ${stack.workers.length} processes; metrics ${stack.workerMetrics.join(', ')}`,
      `webhook metrics              ${stack.publicUrl}/metrics (each webhook in turn)`,
      `Alipay sandbox               ${stack.sandbox.url}`,
      `logs                         ${stack.workDir}`,
      '',
    ].join('\n'),
  );
}

async function check(stack: ClusterStack, tasks: number, opts: ClusterOptions): Promise<void> {
  const connection = await Connection.connect({ address: stack.temporal.address });
  try {
    const client = new Client({
      connection,
      namespace: opts.namespace,
      dataConverter: witkeyDataConverter(loadKeyring(stack.codec.keysDir)),
    });
    await waitForWorkers(client, opts);
    const sandboxConfig = await fetchSandboxConfig(stack.sandbox.url);
    const witkeyTasks = new WitkeyTasks(client, {
      taskQueue: opts.taskQueue,
      feeRates: sandboxConfig.feeRates,
      settings: { resendWindowMs: BATCH_TIMES.resendWindowMs, paymentTimeoutMs: BATCH_TIMES.paymentTimeoutMs },
    });
    say(`batch: ${tasks} tasks, one started every 0.5 s; midway a Temporal server and a worker are SIGKILLed`);
    const report = await runBatch(
      {
        tasks: witkeyTasks,
        sandbox: httpSandbox(stack.sandbox.url),
        temporal: stack.temporal,
        worker: stack.workers[0],
      },
      { tasks, times: BATCH_TIMES, staggerMs: 500, downMs: 5_000, say, playLog: () => undefined },
    );
    out(`\n${outcomeTable(report)}\n\n`);
    const visible = await showVisibility(client, stack, opts, report);
    const result = verdict(report);
    say(`batch took ${seconds(report.durationMs)}`);
    out(`${result.line}\n`);
    if (!result.ok || !visible) process.exitCode = 1;
  } finally {
    await connection.close();
  }
}

/** The tasks per phase as the search attribute WitkeyPhase and the Web UI server see them; false if they differ. */
async function showVisibility(
  client: Client,
  stack: ClusterStack,
  opts: ClusterOptions,
  report: BatchReport,
): Promise<boolean> {
  const expected: Record<string, number> = {};
  for (const o of report.outcomes) expected[o.expected] = (expected[o.expected] ?? 0) + 1;
  const { seen, agrees } = await awaitVisibleCounts(client, stack.ui!.url, opts.namespace, expected);
  const phases = Object.entries(seen.byPhase).map(([phase, n]) => `${phase} ${n}`);
  out(
    `visibility (WitkeyPhase, SQL visibility on PostgreSQL): ${phases.join(', ')}; the Web UI server counts ${seen.throughUi} tasks${agrees ? '' : ' (EXPECTED OTHERWISE)'}\n`,
  );
  return agrees;
}

async function waitForWorkers(client: Client, opts: ClusterOptions): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!(await workerPolls(client, opts.namespace, opts.taskQueue).catch(() => false))) {
    if (Date.now() > deadline) throw new Error('no worker polls the task queue after 2 minutes; see the worker logs');
    await new Promise((r) => setTimeout(r, 500));
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
