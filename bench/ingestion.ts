/**
 * `npm run bench -- ingestion`: Alipay notifications ingested through the webhook process (A: POST /alipay/notify,
 * signature verified, notify_verify asked of the sandbox, then the signal to the task) against the bench client
 * signalling the same notifications straight to the tasks (B: `handle.signal()`), 16 in flight on each side, on
 * the process-level stack. Each run gets 16 freshly paid tasks; the notifications are their genuine task_freeze
 * ones (issued by the sandbox, so notify_verify confirms them) signed anew: duplicates for the tasks, which both
 * sides deliver alike. Ratio = A's throughput / B's; CPU per notification over every process (server, worker,
 * webhook, bench) is reported beside it.
 *   --pairs N (default 3)  --notifications N per run (default 400)  --in-flight N (default 16)
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildNotification } from '../alipay/notify';
import type { MapiSigner } from '../alipay/sign';
import type { NotificationRecord } from '../sandbox';
import { notificationSignal, taskWorkflowId, type TaskNotification } from '../workflows/messages';
import { publishAndPay } from './lifecycle-plays';
import { intFlag, type Flags } from './lib/args';
import { startBenchCluster, type BenchCluster } from './lib/cluster';
import { withInFlight } from './lib/in-flight';
import { interleave, medians, type Figures } from './lib/pairs';
import { cpuDelta, sampleCpu } from './lib/proc';
import { comparisonTable, finish, type BenchResult } from './lib/report';
import { atLeast, atMost, fmt, ratio, targetLine } from './lib/stats';

export const INGESTION_TARGET = atLeast(0.9);
export const INGESTION_CPU_TARGET = atMost(1.2);
const TASKS_PER_RUN = 16;

interface Prepared {
  bodies: string[];
  notifications: TaskNotification[];
}

/** Fresh paid tasks and, for each, its task_freeze notification: as the sandbox's record and signed anew. */
async function prepare(c: BenchCluster, prefix: string, count: number): Promise<Prepared> {
  const ids = Array.from({ length: TASKS_PER_RUN }, (_, i) => `${prefix}-${i}`);
  await Promise.all(ids.map((id) => publishAndPay(c, id, 3_600_000)));
  const records = await Promise.all(ids.map((id) => freezeRecord(c, id)));
  const signer = sandboxSigner(c, records[0].signType);
  const out: Prepared = { bodies: [], notifications: [] };
  for (let i = 0; i < count; i++) {
    const r = records[i % records.length];
    const notifyTime = Date.now();
    out.bodies.push(buildNotification({ notifyId: r.notifyId, notifyTime, event: r.event }, signer, r.charset).body);
    out.notifications.push({
      notifyId: r.notifyId,
      notifyTime: Math.floor(notifyTime / 1000) * 1000,
      via: 'notify',
      event: r.event,
    });
  }
  return out;
}

async function freezeRecord(c: BenchCluster, outerTaskId: string): Promise<NotificationRecord> {
  const res = await fetch(
    `${c.stack.sandbox.url}/sandbox/notifications?outerTaskId=${encodeURIComponent(outerTaskId)}`,
  );
  const { notifications } = (await res.json()) as { notifications: NotificationRecord[] };
  const freeze = notifications.find((n) => n.notifyType === 'task_freeze');
  if (!freeze) throw new Error(`the sandbox issued no task_freeze notification for ${outerTaskId}`);
  return freeze;
}

/** The sandbox's own key for the sign type (its data folder), so the webhook verifies what it would verify anyway. */
function sandboxSigner(c: BenchCluster, signType: string): MapiSigner {
  if (signType !== 'DSA' && signType !== 'RSA') throw new Error(`bench ingestion signs DSA or RSA, not ${signType}`);
  const file = join(c.stack.workDir, 'sandbox', 'keys', `alipay-${signType.toLowerCase()}-private.pem`);
  return { signType, privateKey: createPrivateKey(readFileSync(file)) };
}

async function timed(c: BenchCluster, count: number, run: () => Promise<void>): Promise<Figures> {
  const before = sampleCpu(c.pids());
  const t0 = performance.now();
  await run();
  const seconds = (performance.now() - t0) / 1000;
  const d = cpuDelta(before, sampleCpu(c.pids()));
  const per = (x: number) => (x / count) * 1000;
  return {
    perSecond: count / seconds,
    cpuMs: per(d.temporal + d.worker + d.webhook + d.bench),
    serverMs: per(d.temporal),
    workerMs: per(d.worker),
    webhookMs: per(d.webhook),
    benchMs: per(d.bench),
    sandboxMs: per(d.sandbox),
  };
}

/** The two ways in: POST to the webhook (answered `success` once Temporal has it), and the raw signal. */
function senders(c: BenchCluster) {
  const notifyUrl = `${c.webhookUrl}/alipay/notify`;
  const contentType = 'application/x-www-form-urlencoded; charset=utf-8';
  return {
    post: async (body: string): Promise<void> => {
      const res = await fetch(notifyUrl, { method: 'POST', headers: { 'content-type': contentType }, body });
      const text = await res.text();
      if (res.status !== 200 || text !== 'success') throw new Error(`webhook answered ${res.status} ${text}`);
    },
    signal: (n: TaskNotification): Promise<void> =>
      c.client.workflow.getHandle(taskWorkflowId(n.event.outerTaskId)).signal(notificationSignal, n),
  };
}

export async function runIngestion(flags: Flags, say: (line: string) => void): Promise<BenchResult> {
  const pairs = intFlag(flags, 'pairs', 3);
  const count = intFlag(flags, 'notifications', 400);
  const inFlight = intFlag(flags, 'in-flight', 16);
  const c = await startBenchCluster({ paymentTimeoutMs: 3_600_000 });
  try {
    say(`ingestion: ${pairs} pairs of ${count} notifications, ${inFlight} in flight; A = webhook, B = handle.signal()`);
    const stamp = Date.now().toString(36);
    const { post, signal } = senders(c);
    // warm-up, uncounted: connections, the first workflow tasks, the JIT of both paths
    const warm = await prepare(c, `ingest-${stamp}-warm`, 2 * inFlight);
    await withInFlight(warm.bodies.length, inFlight, (i) => post(warm.bodies[i]));
    await withInFlight(warm.notifications.length, inFlight, (i) => signal(warm.notifications[i]));
    const runs = await interleave(
      pairs,
      async (p) => {
        const prep = await prepare(c, `ingest-${stamp}-a${p}`, count);
        return timed(c, count, () => withInFlight(count, inFlight, (i) => post(prep.bodies[i])));
      },
      async (p) => {
        const prep = await prepare(c, `ingest-${stamp}-b${p}`, count);
        return timed(c, count, () => withInFlight(count, inFlight, (i) => signal(prep.notifications[i])));
      },
      (p, a, b) => say(`  pair ${p + 1}: ${fmt(a.perSecond)}/s through the webhook, ${fmt(b.perSecond)}/s raw`),
    );
    return report(medians(runs.a), medians(runs.b), say);
  } finally {
    await c.stop();
  }
}

function report(a: Figures, b: Figures, say: (line: string) => void): BenchResult {
  say(
    comparisonTable({ a: 'A: webhook', b: 'B: raw signal' }, [
      { figure: 'notifications per second', a: a.perSecond, b: b.perSecond },
      { figure: 'CPU ms per notification, all processes', a: a.cpuMs, b: b.cpuMs },
      { figure: 'Temporal server CPU ms', a: a.serverMs, b: b.serverMs },
      { figure: 'worker CPU ms', a: a.workerMs, b: b.workerMs },
      { figure: 'webhook CPU ms', a: a.webhookMs, b: b.webhookMs },
      { figure: 'bench (sender) CPU ms', a: a.benchMs, b: b.benchMs },
      { figure: 'sandbox CPU ms (notify_verify; not counted)', a: a.sandboxMs, b: b.sandboxMs },
    ]),
  );
  const cpu = ratio(a.cpuMs, b.cpuMs);
  say(targetLine('CPU per notification', cpu, INGESTION_CPU_TARGET));
  return finish('ingestion', ratio(a.perSecond, b.perSecond), INGESTION_TARGET, say);
}
