/**
 * The webhook's Prometheus metrics, served on its own `/metrics`: what happened to Alipay's notifications
 * (received, verified, refused by reason, delivered, duplicate, recorded for an operator, delivery latency), the
 * tasks per phase and those needing attention as Temporal's visibility counts them, and the process's own figures.
 *
 * One registry per webhook (never prom-client's global one), so several webhooks in one process do not collide.
 * The task counts are taken when /metrics is scraped, at most once per `cacheMs`; a count that fails never fails
 * /metrics: `witkey_visibility_up` is 0 and the task gauges are left out until a count succeeds again.
 */
import type { Client } from '@temporalio/client';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { OPEN_INBOX_ITEMS_QUERY } from '../../workflows/inbox-item';
import { TASK_WORKFLOW_TYPE, type Phase } from '../../workflows/messages';
import type { Delivery } from './deliver';

/**
 * Why a notification was answered `fail` (a closed set: the label values of witkey_notifications_refused_total).
 * Before verification: malformed, oversize, unknown_sign_type, bad_signature, wrong_partner, notify_verify_refused,
 * notify_verify_unavailable; after it: temporal_unavailable; internal_error for anything else.
 */
export const REFUSAL_REASONS = [
  'malformed',
  'oversize',
  'unknown_sign_type',
  'bad_signature',
  'wrong_partner',
  'notify_verify_refused',
  'notify_verify_unavailable',
  'temporal_unavailable',
  'internal_error',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** Every phase of a task (the label values of witkey_tasks); the record makes the compiler check it is complete. */
const PHASE_SET: Record<Phase, true> = {
  awaiting_payment: true,
  open: true,
  announcement: true,
  payout: true,
  expired: true,
  leftover: true,
  closing: true,
  settled: true,
  cancelled: true,
};
export const TASK_PHASES = Object.keys(PHASE_SET) as Phase[];

/** Buckets of the delivery latency, seconds: from a few ms to the 10 s delivery deadline. */
const DELIVERY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface MetricsOptions {
  /** Count tasks per phase through visibility (needs a server that counts: not the time-skipping test server). */
  visibility?: boolean;
  /** How long a count is reused, ms (default 10 s). */
  cacheMs?: number;
  /** Deadline of one round of counts, ms (default 5 s). */
  countTimeoutMs?: number;
  /** The process's own metrics (CPU, memory, event loop; prom-client's defaults). Default true. */
  processMetrics?: boolean;
}

interface Counts {
  byPhase: Record<string, number>;
  needingAttention: number;
  inboxItems: number;
}

export interface WebhookMetrics {
  readonly registry: Registry;
  received(): void;
  verified(): void;
  refused(reason: RefusalReason): void;
  /** A delivery attempt took `seconds`; `outcome` undefined when Temporal did not take it. */
  delivery(seconds: number, outcome: Delivery | undefined): void;
}

export function createWebhookMetrics(client: Client, opts: MetricsOptions = {}): WebhookMetrics {
  const registry = new Registry();
  const registers = [registry];
  if (opts.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const received = new Counter({
    name: 'witkey_notifications_received_total',
    help: 'Notifications POSTed to /alipay/notify',
    registers,
  });
  const verified = new Counter({
    name: 'witkey_notifications_verified_total',
    help: 'Notifications whose form, signature, partner and notify_verify passed',
    registers,
  });
  const refused = new Counter({
    name: 'witkey_notifications_refused_total',
    help: 'Notifications answered fail, by reason (Alipay resends them)',
    labelNames: ['reason'],
    registers,
  });
  for (const reason of REFUSAL_REASONS) refused.inc({ reason }, 0);
  const delivered = new Counter({
    name: 'witkey_notifications_delivered_total',
    help: 'Verified notifications signalled to their open task (in its history before success was answered)',
    registers,
  });
  const duplicate = new Counter({
    name: 'witkey_notifications_duplicate_total',
    help: 'Verified notifications a closed task had already processed (answered success, nothing done)',
    registers,
  });
  const toOperator = new Counter({
    name: 'witkey_notifications_recorded_for_operator_total',
    help: "Verified notifications no open task took, recorded in the operators' inbox",
    registers,
  });
  const latency = new Histogram({
    name: 'witkey_notification_delivery_seconds',
    help: 'Time from a verified notification to Temporal accepting it (or giving up), seconds',
    labelNames: ['outcome'],
    buckets: DELIVERY_BUCKETS,
    registers,
  });
  registerVisibilityGauges(client, registry, opts);
  return {
    registry,
    received: () => received.inc(),
    verified: () => verified.inc(),
    refused: (reason) => refused.inc({ reason }),
    delivery(seconds, outcome) {
      latency.observe({ outcome: outcome ?? 'failed' }, seconds);
      if (outcome === 'delivered') delivered.inc();
      else if (outcome === 'duplicate_of_closed_task') duplicate.inc();
      else if (outcome === 'recorded_for_operator') toOperator.inc();
    },
  };
}

function registerVisibilityGauges(client: Client, registry: Registry, opts: MetricsOptions): void {
  const counts =
    opts.visibility === false
      ? () => Promise.resolve(undefined)
      : cachedCounts(client, opts.cacheMs ?? 10_000, opts.countTimeoutMs ?? 5_000);
  new Gauge({
    name: 'witkey_visibility_up',
    help: "1 when the last count of tasks through Temporal's visibility succeeded, 0 when it failed (or is off)",
    registers: [registry],
    async collect() {
      this.set((await counts()) ? 1 : 0);
    },
  });
  new CountGauge(registry, counts, {
    name: 'witkey_tasks',
    help: 'Bounty tasks per phase (WitkeyPhase), open and closed within the retention period, counted by visibility',
    labelNames: ['phase'],
    read: (c) => TASK_PHASES.map((phase) => [{ phase }, c.byPhase[phase] ?? 0]),
  });
  new CountGauge(registry, counts, {
    name: 'witkey_tasks_needing_attention',
    help: 'Running bounty tasks with WitkeyNeedsAttention = true',
    read: (c) => [[{}, c.needingAttention]],
  });
  new CountGauge(registry, counts, {
    name: 'witkey_inbox_items',
    help: "Open items of the operators' inbox (verified notifications no open task took)",
    read: (c) => [[{}, c.inboxItems]],
  });
}

/** A gauge read from the visibility counts when scraped; no sample at all (not a false 0) while they fail. */
class CountGauge extends Gauge {
  readonly #counts: () => Promise<Counts | undefined>;
  readonly #read: (c: Counts) => [Record<string, string>, number][];

  constructor(
    registry: Registry,
    counts: () => Promise<Counts | undefined>,
    o: {
      name: string;
      help: string;
      labelNames?: string[];
      read: (c: Counts) => [Record<string, string>, number][];
    },
  ) {
    super({ name: o.name, help: o.help, labelNames: o.labelNames ?? [], registers: [registry] });
    this.#counts = counts;
    this.#read = o.read;
  }

  override async get(): ReturnType<Gauge['get']> {
    const c = await this.#counts();
    this.reset();
    if (c) for (const [labels, value] of this.#read(c)) this.set(labels, value);
    const metric = await super.get();
    return c ? metric : { ...metric, values: [] };
  }
}

/** The counts, taken at most once per `cacheMs` (one round shared by concurrent scrapes); undefined when they fail. */
function cachedCounts(client: Client, cacheMs: number, timeoutMs: number): () => Promise<Counts | undefined> {
  let cached: { atMs: number; counts: Promise<Counts | undefined> } | undefined;
  const count = async (query: string): Promise<number> => Number((await client.workflow.count(query)).count);
  const round = (): Promise<Counts> =>
    client.withDeadline(Date.now() + timeoutMs, async () => {
      const task = `WorkflowType = '${TASK_WORKFLOW_TYPE}'`;
      // every call settled before the round ends: none is left in flight when the scrape is answered
      const settled = await Promise.allSettled([
        count(`${task} AND WitkeyNeedsAttention = true AND ExecutionStatus = 'Running'`),
        count(OPEN_INBOX_ITEMS_QUERY),
        ...TASK_PHASES.map((phase) => count(`${task} AND WitkeyPhase = '${phase}'`)),
      ]);
      const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      const [needingAttention, inboxItems, ...perPhase] = settled.map(
        (r) => (r as PromiseFulfilledResult<number>).value,
      );
      const byPhase = Object.fromEntries(TASK_PHASES.map((phase, i) => [phase, perPhase[i]]));
      return { byPhase, needingAttention, inboxItems };
    });
  return () => {
    const now = Date.now();
    if (!cached || now - cached.atMs >= cacheMs) cached = { atMs: now, counts: round().catch(() => undefined) };
    return cached.counts;
  };
}
