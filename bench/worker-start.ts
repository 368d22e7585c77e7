/**
 * `npm run bench -- worker-start`: from launching a worker process to its first workflow task done, with the
 * pre-built workflow bundle (A: dist/workflow-bundle, `witkeyWorkflowBundle()`) against webpack bundling the
 * workflows at start (B: `bundleWorkflowCode`), whole processes, both in one run against one dev server. The
 * workflow (stackCheck, no timer) is started before the process, so the time is start-up plus one task.
 *   --pairs N (default 3)
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { intFlag, type Flags } from './lib/args';
import { benchDevServer } from './lib/dev-server';
import { interleave, medians } from './lib/pairs';
import { cpuSeconds } from './lib/proc';
import { comparisonTable, finish, type BenchResult } from './lib/report';
import { atMost, fmt, ratio } from './lib/stats';

const CHILD = join(__dirname, 'worker-start-child.js');
export const WORKER_START_TARGET = atMost(0.4);

type Mode = 'prebuilt' | 'webpack';

async function launchToFirstTask(
  client: Client,
  address: string,
  mode: Mode,
  run: string,
): Promise<Record<string, number>> {
  const taskQueue = `bench-start-${mode}-${run}`;
  const handle = await client.workflow.start('stackCheck', {
    taskQueue,
    workflowId: `bench-start-${mode}-${run}`,
    args: [{ sleepMs: 0 }],
  });
  const t0 = performance.now();
  const child = spawn(process.execPath, [CHILD, mode, address, client.options.namespace, taskQueue], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await Promise.race([
      handle.result(),
      exited.then(() => Promise.reject(new Error(`the ${mode} worker exited before its first task`))),
    ]);
    const seconds = (performance.now() - t0) / 1000;
    return { seconds, cpuSeconds: child.pid ? cpuSeconds(child.pid) : Number.NaN };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

export async function runWorkerStart(flags: Flags, say: (line: string) => void): Promise<BenchResult> {
  const pairs = intFlag(flags, 'pairs', 3);
  const server = await benchDevServer();
  try {
    const client = new Client({ connection: server.env.connection, namespace: server.namespace });
    say(`worker-start: ${pairs} pairs; A = pre-built bundle, B = webpack at start; launch → first workflow task`);
    const stamp = Date.now().toString(36);
    const runs = await interleave(
      pairs,
      (i) => launchToFirstTask(client, server.address, 'prebuilt', `${stamp}-${i}`),
      (i) => launchToFirstTask(client, server.address, 'webpack', `${stamp}-${i}`),
      (i, a, b) => say(`  pair ${i + 1}: pre-built ${fmt(a.seconds)} s, webpack ${fmt(b.seconds)} s`),
    );
    const a = medians(runs.a);
    const b = medians(runs.b);
    say(
      comparisonTable({ a: 'A: pre-built', b: 'B: webpack' }, [
        { figure: 'launch → first task, s', a: a.seconds, b: b.seconds },
        { figure: 'worker CPU by then, s', a: a.cpuSeconds, b: b.cpuSeconds },
      ]),
    );
    return finish('worker-start', ratio(a.seconds, b.seconds), WORKER_START_TARGET, say);
  } finally {
    await server.env.teardown();
  }
}
