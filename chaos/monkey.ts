/**
 * The chaos monkey of the crash scenarios: while the lifecycles run it SIGKILLs workers at random moments and starts
 * them again, kills a webhook while notifications flow through it, takes Temporal down (a cluster node SIGKILLed,
 * or the dev server stopped and started again on its SQLite file) and kills the sandbox, which starts again on its
 * persisted state. Every event is one line of the log; the count goes into the table.
 */
import type { ManagedProcess } from '../devstack/cluster/managed-process';
import type { TemporalCluster } from '../devstack/cluster/temporal-cluster';

export interface Victims {
  workers: ManagedProcess[];
  webhooks: ManagedProcess[];
  sandbox: ManagedProcess;
  temporal: TemporalCluster;
  /** Waits until a restarted process listens again (the sandbox's and webhooks' ports). */
  waitUp(p: ManagedProcess): Promise<void>;
}

export interface Monkey {
  /** Stops the random worker kills and waits for every victim to be running again. */
  stop(): Promise<void>;
  /** Kills and restarts so far. */
  readonly events: number;
}

/** A seeded generator (mulberry32): the same seed plays the same sequence of kills. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Starts the monkey: worker kills every 4-10 s (down 1-4 s) during `spanMs`; at `spanMs` x 0.3 a webhook, x 0.5
 * Temporal, x 0.7 the sandbox (each down a few seconds). The worker kills end with the span, not with the plays: kills
 * for as long as plays wait made every status query wait for a dead worker's sticky queue, so the plays advanced at
 * the pace of query timeouts and the run never ended (full run, 1.5 s stagger: 24 min and still going).
 */
export function startMonkey(
  v: Victims,
  opts: { spanMs: number; random: () => number; say: (line: string) => void },
): Monkey {
  let events = 0;
  let stopped = false;
  const between = (lo: number, hi: number) => lo + opts.random() * (hi - lo);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const outage = async (p: ManagedProcess, downMs: number, how: 'kill' | 'stop', restart: () => Promise<void>) => {
    const pid = p.pid;
    await (how === 'kill' ? p.kill() : p.stop());
    events += 1;
    opts.say(
      `chaos: ${how === 'kill' ? 'SIGKILL' : 'stop'} ${p.name} (pid ${pid}); down ${(downMs / 1000).toFixed(1)} s`,
    );
    await sleep(downMs);
    await restart();
    events += 1;
    opts.say(`chaos: ${p.name} started again (pid ${p.pid})`);
  };
  const killsEndAt = Date.now() + opts.spanMs;
  const workerKills = (async () => {
    while (!stopped && Date.now() < killsEndAt) {
      await sleep(between(4_000, 10_000));
      if (stopped || Date.now() >= killsEndAt) break;
      const alive = v.workers.filter((w) => w.running);
      if (alive.length === 0) continue;
      const w = alive[Math.floor(opts.random() * alive.length)];
      await outage(w, between(1_000, 4_000), 'kill', async () => w.start());
    }
  })();
  const at = (share: number, fn: () => Promise<void>) =>
    sleep(opts.spanMs * share).then(() => (stopped ? undefined : fn()));
  const webhook = v.webhooks[Math.floor(opts.random() * v.webhooks.length)];
  const node = v.temporal.nodes[v.temporal.nodes.length - 1];
  const oneOffs = Promise.all([
    at(0.3, () =>
      outage(webhook, 2_000, 'kill', async () => {
        webhook.start();
        await v.waitUp(webhook);
      }),
    ),
    at(0.5, () =>
      outage(
        node.process,
        v.temporal.kind === 'cluster' ? 5_000 : 3_000,
        v.temporal.kind === 'cluster' ? 'kill' : 'stop',
        () => v.temporal.restart(node),
      ),
    ),
    at(0.7, () =>
      outage(v.sandbox, 2_000, 'kill', async () => {
        v.sandbox.start();
        await v.waitUp(v.sandbox);
      }),
    ),
  ]);
  return {
    get events() {
      return events;
    },
    async stop() {
      stopped = true;
      await Promise.all([workerKills, oneOffs]);
      for (const w of v.workers) if (!w.running) w.start();
    },
  };
}
