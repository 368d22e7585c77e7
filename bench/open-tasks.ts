/**
 * `npm run bench -- open-tasks`: many tasks open at once. The stack grows to each size of `--sizes` (default
 * 1000,5000,10000 open tasks of each kind), the growth to each size split into `--pairs` chunks run A, B, A, B ...:
 * A publishes and pays witkey tasks (an update-with-start, the cashier at the sandbox, the freeze delivered by the
 * return page and the notification), B starts baseline workflows that take the same activity, update and signal
 * counts and then stay open. At each size: the start rates (median over the chunks), the witkey worker's RSS,
 * the server's database size (SQLite file with its WAL), and CPU per task over every process but the sandbox.
 * Verdict: A's start rate at the largest size over B's (target >= 0.8); the worker's RSS there against 1 GiB.
 *   --sizes 1000,5000,10000  --pairs N (default 3)  --in-flight N (default 16)
 */
import { statSync } from 'node:fs';
import { taskWorkflowId } from '../workflows/messages';
import { eventSignal, stepUpdate } from './baseline/workflows';
import { publishAndPay } from './lifecycle-plays';
import { intFlag, intListFlag, type Flags } from './lib/args';
import { BASELINE_TASK_QUEUE, startBenchCluster, type BenchCluster } from './lib/cluster';
import { historyCounts } from './lib/history';
import { withInFlight } from './lib/in-flight';
import { medians, type Figures } from './lib/pairs';
import { cpuDelta, rssBytes, sampleCpu } from './lib/proc';
import { comparisonTable, finish, type BenchResult } from './lib/report';
import { atLeast, fmt, ratio } from './lib/stats';
import { markdownTable } from './lib/table';

export const OPEN_TASKS_TARGET = atLeast(0.8);
const RSS_LIMIT = 1024 ** 3;
const WEEK = 7 * 86_400_000;

type Counts = { activities: number; updates: number; signals: number; timers: number };

function databaseBytes(file: string): number {
  const size = (f: string) => {
    try {
      return statSync(f).size;
    } catch {
      return 0;
    }
  };
  return size(file) + size(`${file}-wal`);
}

async function chunk(c: BenchCluster, count: number, inFlight: number, start: (i: number) => Promise<void>) {
  const before = sampleCpu(c.pids());
  const t0 = performance.now();
  await withInFlight(count, inFlight, start);
  const seconds = (performance.now() - t0) / 1000;
  const d = cpuDelta(before, sampleCpu(c.pids()));
  const ms = (x: number) => (x / count) * 1000;
  return {
    perSecond: count / seconds,
    cpuMsPerTask: ms(d.temporal + d.worker + d.baseline + d.webhook + d.bench),
    serverMs: ms(d.temporal),
    workerMs: ms(d.worker + d.baseline), // only one of the two works in a chunk
    webhookMs: ms(d.webhook),
    benchMs: ms(d.bench),
    sandboxMs: ms(d.sandbox),
  };
}

const HEADER = [
  'open tasks (each side)',
  'A starts/s',
  'B starts/s',
  'A/B',
  'worker RSS MiB',
  'baseline worker RSS MiB',
  'database MiB (both)',
  'database KiB per task',
  'A CPU ms/task',
  'B CPU ms/task',
];

/** Where the two sides stand: how many tasks each has started so far. */
interface Growth {
  c: BenchCluster;
  pairs: number;
  inFlight: number;
  startA: (n: number) => Promise<void>;
  startB: (n: number) => Promise<void>;
  started: number;
}

export async function runOpenTasks(flags: Flags, say: (line: string) => void): Promise<BenchResult> {
  const sizes = intListFlag(flags, 'sizes', [1000, 5000, 10000]);
  const pairs = intFlag(flags, 'pairs', 3);
  const c = await startBenchCluster({ paymentTimeoutMs: WEEK });
  try {
    say(
      `open-tasks: sizes ${sizes.join(', ')}, ${pairs} chunks each side per size; A = publish+pay, B = baseline start`,
    );
    const stamp = Date.now().toString(36);
    const counts = await publishPayCounts(c, `open-${stamp}-warm`);
    say(`  publish+pay: ${counts.activities} activities, ${counts.updates} updates, ${counts.signals} signals`);
    const g: Growth = {
      c,
      pairs,
      inFlight: intFlag(flags, 'in-flight', 16),
      startA: (n) => publishAndPay(c, `open-${stamp}-${n}`, WEEK).then(() => undefined),
      startB: (n) => startBaseline(c, `open-base-${stamp}-${n}`, counts),
      started: 0,
    };
    const rows: string[][] = [];
    let last: Level | undefined;
    for (const size of sizes) {
      last = await growTo(g, size);
      rows.push(row(c, size, last, 2 * g.started));
      say(`  ${size} open tasks each: ${fmt(last.a.perSecond)}/s vs ${fmt(last.b.perSecond)}/s`);
    }
    say(markdownTable(HEADER, rows));
    if (last) say(perProcess(last));
    const rss = last?.rss ?? 0;
    say(
      `worker RSS at ${sizes[sizes.length - 1]} open tasks: ${fmt(rss / 1024 ** 2)} MiB (target < 1024 MiB) ` +
        `${rss > 0 && rss < RSS_LIMIT ? 'met' : 'missed'}`,
    );
    return finish('open-tasks', ratio(last?.a.perSecond ?? NaN, last?.b.perSecond ?? NaN), OPEN_TASKS_TARGET, say);
  } finally {
    await c.stop();
  }
}

interface Level {
  a: Figures;
  b: Figures;
  rss: number;
}

/** Both sides from where they stand to `size` open tasks, in `pairs` chunks each, A, B, A, B ... */
async function growTo(g: Growth, size: number): Promise<Level> {
  const a: Figures[] = [];
  const b: Figures[] = [];
  const from = g.started;
  for (let p = 0; p < g.pairs; p++) {
    const goal = from + Math.round(((size - from) * (p + 1)) / g.pairs);
    const at = g.started;
    a.push(await chunk(g.c, goal - at, g.inFlight, (i) => g.startA(at + i)));
    b.push(await chunk(g.c, goal - at, g.inFlight, (i) => g.startB(at + i)));
    g.started = goal;
  }
  return { a: medians(a), b: medians(b), rss: rssBytes(g.c.pids().worker ?? 0) };
}

/** Where a start's CPU goes at the largest size, process by process. */
function perProcess(l: Level): string {
  return comparisonTable({ a: 'A: publish+pay', b: 'B: baseline' }, [
    { figure: 'CPU ms per start, all processes', a: l.a.cpuMsPerTask, b: l.b.cpuMsPerTask },
    { figure: 'Temporal server CPU ms', a: l.a.serverMs, b: l.b.serverMs },
    { figure: 'worker CPU ms', a: l.a.workerMs, b: l.b.workerMs },
    { figure: 'webhook CPU ms', a: l.a.webhookMs, b: l.b.webhookMs },
    { figure: 'bench (client) CPU ms', a: l.a.benchMs, b: l.b.benchMs },
    { figure: 'sandbox CPU ms (Alipay, not counted)', a: l.a.sandboxMs, b: l.b.sandboxMs },
  ]);
}

function row(c: BenchCluster, size: number, l: Level, tasks: number): string[] {
  const db = databaseBytes(c.databaseFile);
  return [
    String(size),
    fmt(l.a.perSecond),
    fmt(l.b.perSecond),
    fmt(ratio(l.a.perSecond, l.b.perSecond)),
    fmt(l.rss / 1024 ** 2),
    fmt(rssBytes(c.pids().baseline ?? 0) / 1024 ** 2),
    fmt(db / 1024 ** 2),
    fmt(db / 1024 / tasks),
    fmt(l.a.cpuMsPerTask),
    fmt(l.b.cpuMsPerTask),
  ];
}

async function publishPayCounts(c: BenchCluster, id: string): Promise<Counts> {
  await publishAndPay(c, id, WEEK);
  // the async notification follows the return page: give it a moment to land before counting
  await new Promise((r) => setTimeout(r, 2_000));
  const h = await historyCounts(c.client, taskWorkflowId(id));
  return { activities: h.activities, updates: h.updates, signals: h.signals, timers: h.timers };
}

/** A baseline workflow started with its first update (as publish is an update-with-start), then its signals. */
async function startBaseline(c: BenchCluster, id: string, counts: Counts): Promise<void> {
  const handle = await c.client.workflow.start('openBaseline', {
    workflowId: id,
    taskQueue: BASELINE_TASK_QUEUE,
    args: [{ ...counts, untilMs: 0 }],
  });
  for (let i = 0; i < counts.updates; i++) await handle.executeUpdate(stepUpdate, { args: [i] });
  for (let i = 0; i < counts.signals; i++) await handle.signal(eventSignal, { n: i });
}
