/**
 * `npm run bench -- lifecycle`: CPU per task lifecycle (publish, pay, an immediate winner, the leftover, close),
 * every process of the stack read from /proc (Temporal dev server, worker, webhook) plus the bench process's own,
 * against the baseline workflow with the same activity, update, signal, timer and query counts (bench/baseline/).
 * Reported too: the server's CPU alone, the worker's, and history events per lifecycle (from the server). The
 * sandbox plays Alipay: its CPU is shown, not counted. Each process's idle CPU (measured over 5 s of quiet after
 * the warm-up) is subtracted over each run's length: both sides wait for the same expiry.
 *   --pairs N (default 3)  --tasks N lifecycles per run, run at once (default 8)  --expiry-ms (default 8000)
 */
import { taskWorkflowId } from '../workflows/messages';
import { playBaseline, playTask, type LifecycleTimes } from './lifecycle-plays';
import { intFlag, type Flags } from './lib/args';
import { startBenchCluster, type BenchCluster } from './lib/cluster';
import { historyCounts, type HistoryCounts } from './lib/history';
import { interleave, medians, type Figures } from './lib/pairs';
import { cpuDelta, idleRates, sampleCpu, type CpuSample } from './lib/proc';
import { comparisonTable, finish, type BenchResult } from './lib/report';
import { atMost, fmt, median, ratio, targetLine } from './lib/stats';

export const LIFECYCLE_TARGET = atMost(1.5);
export const LIFECYCLE_SERVER_TARGET = atMost(1.25);

/**
 * CPU of a run per lifecycle, by process, less what each process uses idle over the run's length (`idle`, CPU s
 * per s); `all` = server + worker + webhook + bench (the sandbox is Alipay's). `gross` keeps the idle share.
 */
async function measured(c: BenchCluster, n: number, idle: CpuSample, run: () => Promise<void>): Promise<Figures> {
  const before = sampleCpu(c.pids());
  const t0 = performance.now();
  await run();
  const seconds = (performance.now() - t0) / 1000;
  const raw = cpuDelta(before, sampleCpu(c.pids()));
  const d = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, v - (idle[k] ?? 0) * seconds]));
  const worker = d.worker + d.baseline; // only one of the two works in a run
  const per = (x: number) => x / n;
  return {
    gross: per(raw.temporal + raw.worker + raw.baseline + raw.webhook + raw.bench),
    seconds,
    all: per(d.temporal + worker + d.webhook + d.bench),
    server: per(d.temporal),
    worker: per(worker),
    webhook: per(d.webhook),
    bench: per(d.bench),
    sandbox: per(d.sandbox),
  };
}

interface Ctx {
  c: BenchCluster;
  n: number;
  times: LifecycleTimes;
  stamp: string;
  idle: CpuSample;
  /** The counts the baseline copies: from the warm-up lifecycle, then from each A run. */
  counts: Counts;
  /** Queries each A lifecycle asked in the last A run (B asks the median of them). */
  queries: number[];
  histories: HistoryCounts[];
}

type Counts = ReturnType<typeof pick>;

export async function runLifecycle(flags: Flags, say: (line: string) => void): Promise<BenchResult> {
  const pairs = intFlag(flags, 'pairs', 3);
  const n = intFlag(flags, 'tasks', 8);
  const times: LifecycleTimes = { expiryMs: intFlag(flags, 'expiry-ms', 8_000), pollMs: 500 };
  const c = await startBenchCluster({ resendWindowMs: 2_000, paymentTimeoutMs: 120_000 });
  try {
    say(`lifecycle: ${pairs} pairs of ${n} lifecycles at once; A = witkey task, B = baseline workflow, same counts`);
    const ctx = await warmUp(c, n, times, say);
    const runs = await interleave(
      pairs,
      (p) => sideA(ctx, p),
      (p) => sideB(ctx, p),
      (p, a, b) => say(`  pair ${p + 1}: CPU per lifecycle ${fmt(a.all)} s vs ${fmt(b.all)} s`),
    );
    return report(ctx, medians(runs.a), medians(runs.b), say);
  } finally {
    await c.stop();
  }
}

/** One lifecycle each side, uncounted (the first workflow tasks load the bundle, the first calls connect); then
 * the idle rates. */
async function warmUp(c: BenchCluster, n: number, times: LifecycleTimes, say: (line: string) => void): Promise<Ctx> {
  const stamp = Date.now().toString(36);
  const counts = await lifecycleCounts(c, `${stamp}-warm`, times);
  await playBaseline(c, `bench-baseline-${stamp}-warm`, { ...counts, queries: 1 }, times);
  const idle = await idleRates(() => c.pids(), 5_000);
  const rates = Object.entries(idle).map(([k, v]) => `${k} ${fmt(v)}`);
  say(`  idle CPU, s per s: ${rates.join(', ')}`);
  return { c, n, times, stamp, idle, counts, queries: [1], histories: [] };
}

async function sideA(ctx: Ctx, p: number): Promise<Figures> {
  const { c, n, times } = ctx;
  const ids = Array.from({ length: n }, (_, i) => `bench-${ctx.stamp}-${p}-${i}`);
  const refusedBefore = c.refusals();
  const figures = await measured(c, n, ctx.idle, async () => {
    ctx.queries = (await Promise.all(ids.map((id) => playTask(c, id, times)))).map((r) => r.queries);
  });
  const refused = (c.refusals() - refusedBefore) / n;
  const h = await Promise.all(ids.map((id) => historyCounts(c.client, taskWorkflowId(id))));
  ctx.histories.push(...h);
  ctx.counts = pick(h[0]);
  return { ...figures, events: median(h.map((x) => x.events)), refused };
}

async function sideB(ctx: Ctx, p: number): Promise<Figures> {
  const { c, n, times } = ctx;
  const counts = { ...ctx.counts, queries: Math.round(median(ctx.queries)) };
  const ids = Array.from({ length: n }, (_, i) => `bench-baseline-${ctx.stamp}-${p}-${i}`);
  const figures = await measured(c, n, ctx.idle, async () => {
    await Promise.all(ids.map((id) => playBaseline(c, id, counts, times)));
  });
  const h = await Promise.all(ids.map((id) => historyCounts(c.client, id)));
  return { ...figures, events: median(h.map((x) => x.events)) };
}

function report(ctx: Ctx, a: Figures, b: Figures, say: (line: string) => void): BenchResult {
  const h = ctx.histories[0];
  say(
    `per lifecycle (A's history): ${h.events} events, ${h.activities} activities, ${h.updates} updates, ` +
      `${h.signals} signals, ${h.timers} timers, ~${Math.round(median(ctx.queries))} queries; ` +
      `${fmt(a.refused)} of them refused by the worker's guard (asked again; the run replayed)`,
  );
  say(
    comparisonTable({ a: 'A: witkey', b: 'B: baseline' }, [
      { figure: 'CPU s per lifecycle, all processes', a: a.all, b: b.all },
      { figure: '  the same with idle CPU kept', a: a.gross, b: b.gross },
      { figure: 'run length, s', a: a.seconds, b: b.seconds },
      { figure: 'Temporal server CPU s', a: a.server, b: b.server },
      { figure: 'worker CPU s', a: a.worker, b: b.worker },
      { figure: 'webhook CPU s', a: a.webhook, b: b.webhook },
      { figure: 'bench (client) CPU s', a: a.bench, b: b.bench },
      { figure: 'history events', a: a.events, b: b.events },
      { figure: 'sandbox CPU s (Alipay, not counted)', a: a.sandbox, b: b.sandbox },
    ]),
  );
  const server = ratio(a.server, b.server);
  say(targetLine('server CPU', server, LIFECYCLE_SERVER_TARGET));
  return finish('lifecycle', ratio(a.all, b.all), LIFECYCLE_TARGET, say);
}

async function lifecycleCounts(c: BenchCluster, stamp: string, times: LifecycleTimes) {
  const id = `bench-${stamp}`;
  await playTask(c, id, times);
  return pick(await historyCounts(c.client, taskWorkflowId(id)));
}

function pick(h: HistoryCounts): { activities: number; updates: number; signals: number; timers: number } {
  return { activities: h.activities, updates: h.updates, signals: h.signals, timers: h.timers };
}
