/**
 * The Grafana dashboard (deploy/grafana/witkey-dashboard.json) against a running stack: a dev server, `witkey
 * worker` with its Prometheus endpoint on (WITKEY_METRICS_ADDR) and `witkey webhook`, as deployed. One task is
 * paid (its notification delivered), one gets a mismatched amount (it needs attention), one is never paid (its
 * trade.query fails once at the gateway: an activity failure, then it is cancelled and closes), and a forged
 * notification is refused. Then every metric name used in the dashboard's PromQL is in what the worker's and the
 * webhook's /metrics serve, and the figures say what happened. The worker's and the webhook's JSON log lines about
 * those tasks carry their outerTaskId.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WitkeyTasks } from '../../client/tasks';
import { freePort } from '../../devstack/ports';
import { taskWorkflowId, type TaskView } from '../../workflows/messages';
import { startCliStack, type CliStack } from '../cli/helpers';
import { metricNames, sampleValue, scrape } from '../support/prometheus';
import { alipaySigner, forgerSigner, post, signedBody } from '../webhook/helpers';

const DASHBOARD = join(__dirname, '..', '..', '..', 'deploy', 'grafana', 'witkey-dashboard.json');
const PUBLISHER = '2088100000000071';
const HOUR = 3_600_000;

const PROMQL_WORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'offset',
  'bool',
  'inf',
  'nan',
]);

/** The metric names a PromQL expression reads: identifiers that are not functions, keywords, labels or durations. */
export function promqlMetricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // strings
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\[[^\]]*\]/g, '') // ranges and subqueries
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // label lists
    .replace(/\$\{?\w+\}?/g, ' '); // dashboard variables
  const names = new Set<string>();
  for (const m of bare.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const word = m[0];
    const before = bare[m.index - 1];
    if (before !== undefined && /[0-9.]/.test(before)) continue; // 5m, 1e3
    if (/^\s*\(/.test(bare.slice(m.index + word.length))) continue; // a function
    if (PROMQL_WORDS.has(word.toLowerCase())) continue;
    names.add(word);
  }
  return [...names];
}

interface Panel {
  title?: string;
  type?: string;
  datasource?: { type?: string; uid?: string };
  panels?: Panel[];
  targets?: { expr?: string; datasource?: { uid?: string } }[];
}

function dashboardExpressions(): { panel: string; expr: string }[] {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[] };
  const out: { panel: string; expr: string }[] = [];
  const visit = (panels: Panel[]): void => {
    for (const p of panels) {
      for (const t of p.targets ?? []) if (t.expr) out.push({ panel: p.title ?? '(untitled)', expr: t.expr });
      visit(p.panels ?? []);
    }
  };
  visit(dashboard.panels);
  return out;
}

/** Polls until `done` holds for what `read` returns (or the time is up, then returns the last). */
async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (done(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 300));
  }
}

test('PromQL metric names: functions, keywords, labels, ranges and strings are not metrics', () => {
  assert.deepEqual(
    promqlMetricNames(
      'histogram_quantile(0.95, sum by (le, worker_type) (rate(temporal_workflow_task_execution_latency_bucket{namespace=~"$namespace"}[$__rate_interval])))',
    ),
    ['temporal_workflow_task_execution_latency_bucket'],
  );
  assert.deepEqual(promqlMetricNames('max(witkey_tasks) or vector(0) offset 5m'), ['witkey_tasks']);
  assert.deepEqual(promqlMetricNames('a_total / ignoring (reason) b_total > bool 1e3'), ['a_total', 'b_total']);
});

test('the dashboard imports anywhere: its Prometheus is the $datasource variable of every panel and query', () => {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
    uid?: string;
    title?: string;
    panels: Panel[];
    templating: { list: { name: string; type: string; query?: unknown }[] };
  };
  assert.ok(dashboard.uid && dashboard.title);
  assert.deepEqual(
    dashboard.templating.list.find((v) => v.name === 'datasource'),
    dashboard.templating.list.find((v) => v.type === 'datasource' && v.query === 'prometheus'),
  );
  const panels = dashboard.panels.filter((p) => p.type !== 'row');
  assert.ok(panels.length >= 10);
  for (const p of panels) {
    assert.ok(p.title, JSON.stringify(p));
    assert.deepEqual(p.datasource, { type: 'prometheus', uid: '${datasource}' }, p.title);
    for (const t of p.targets ?? []) assert.equal(t.datasource?.uid, '${datasource}', p.title);
  }
});

describe('the Grafana dashboard against a running stack', () => {
  let stack: CliStack;
  let workerMetrics: string;
  const suffix = `${process.pid}${Date.now() % 100000}`;
  const PAID = `dbPaid${suffix}`;
  const ODD = `dbOdd${suffix}`;
  const UNPAID = `dbUnpaid${suffix}`;

  before(async () => {
    const port = await freePort();
    workerMetrics = `http://127.0.0.1:${port}/metrics`;
    // notify_verify off: the test also posts notifications of its own, which the sandbox did not issue
    stack = await startCliStack({ WITKEY_METRICS_ADDR: `127.0.0.1:${port}`, ALIPAY_NOTIFY_VERIFY: 'false' });
  });
  after(async () => {
    await stack?.stop();
  });

  test('every metric of the dashboard is served by the worker or the webhook; the figures say what happened', async () => {
    const options = { taskQueue: stack.env.WITKEY_TASK_QUEUE!, feeRates: stack.sandbox.config.feeRates };
    const tasks = new WitkeyTasks(stack.server.env.client, options);
    // the never-paid task asks Alipay after 1 s, and closes 2 s after it is cancelled
    const hurried = new WitkeyTasks(stack.server.env.client, {
      ...options,
      settings: { paymentTimeoutMs: 1_000, resendWindowMs: 2_000 },
    });
    const publish = async (id: string, bountyFen: number, through = tasks) =>
      through.publish({
        outerTaskId: id,
        title: `dashboard ${id}`,
        taskType: 'DESIGN',
        publisherId: `pub-${id}`,
        publisherAlipayUserId: PUBLISHER,
        bountyFen,
        valueAddedFeeFen: 0,
        expiresAtMs: Date.now() + 30 * 24 * HOUR,
      });
    const status = (id: string, done: (v: TaskView) => boolean) => until(() => tasks.status(id), done, 60_000);
    const notify = `${stack.webhookUrl}/alipay/notify`;

    // the never-paid task: its trade.query answers 503 once (an activity failure), then it is cancelled
    stack.sandbox.injectFault({ target: 'request', kind: 'http5xx', service: 'alipay.trade.query' });
    await publish(UNPAID, 3_000, hurried);

    // the paid task: the sandbox's notification reaches the webhook and is delivered
    const paid = await publish(PAID, 10_000);
    await stack.sandbox.pay(paid.cashierUrl, { payerUserId: PUBLISHER });
    assert.equal((await status(PAID, (v) => v.phase === 'open')).phase, 'open', stack.logs().slice(-3000));

    // a mismatched amount: delivered, and the task needs attention
    await publish(ODD, 5_000);
    const odd = await tasks.status(ODD);
    const event = {
      type: 'task_freeze' as const,
      partner: stack.sandbox.config.partnerId,
      outerTaskId: ODD,
      outerTaskFreezeNo: odd.freezeNo,
      taskAmountFen: 5_001,
      paidTime: Math.floor(Date.now() / 1000) * 1000,
      alipayUserId: PUBLISHER,
    };
    assert.deepEqual(await post(notify, signedBody(`nd-odd-${suffix}`, event, alipaySigner(stack.sandbox)).body), {
      status: 200,
      text: 'success',
    });
    assert.equal((await status(ODD, (v) => v.needsAttention)).needsAttention, true);
    // a forged one: refused
    assert.deepEqual(await post(notify, signedBody(`nd-forged-${suffix}`, event, forgerSigner()).body), {
      status: 400,
      text: 'fail',
    });
    const cancelled = await status(UNPAID, (v) => v.phase === 'cancelled');
    assert.equal(cancelled.phase, 'cancelled', stack.logs().slice(-3000));
    // 2 s after its cancellation (the resend window), it closes
    await stack.server.env.client.workflow.getHandle(taskWorkflowId(UNPAID)).result();

    const worker = await until(
      () => scrape(workerMetrics),
      (t) => metricNames(t).has('temporal_activity_execution_failed'),
      30_000,
    );
    // visibility trails a moment; the webhook's counts are cached 10 s
    const webhook = await until(
      () => scrape(`${stack.webhookUrl}/metrics`),
      (t) =>
        sampleValue(t, 'witkey_tasks', { phase: 'cancelled' }) === 1 &&
        sampleValue(t, 'witkey_tasks_needing_attention') === 1,
      30_000,
    );
    const served = new Set([...metricNames(worker), ...metricNames(webhook)]);
    const expressions = dashboardExpressions();
    assert.ok(expressions.length >= 15, `${expressions.length} expressions`);
    const used = new Set(expressions.flatMap((e) => promqlMetricNames(e.expr)));
    for (const name of ['witkey_notifications_received_total', 'witkey_tasks', 'temporal_activity_execution_failed'])
      assert.ok(used.has(name), `the dashboard uses ${name}`);
    const missing = expressions.flatMap((e) =>
      promqlMetricNames(e.expr)
        .filter((n) => !served.has(n))
        .map((n) => `${n} (panel "${e.panel}")`),
    );
    assert.deepEqual(missing, [], `served:\n${[...served].sort().join('\n')}`);

    // what the figures say
    const w = (name: string, labels: Record<string, string> = {}) => sampleValue(webhook, name, labels);
    assert.ok(w('witkey_notifications_delivered_total')! >= 2, 'the paid one (notify) and the odd one');
    assert.equal(w('witkey_notifications_refused_total', { reason: 'bad_signature' }), 1);
    assert.equal(w('witkey_visibility_up'), 1);
    assert.equal(w('witkey_tasks', { phase: 'open' }), 1);
    assert.equal(w('witkey_tasks', { phase: 'awaiting_payment' }), 1, 'the odd one');
    assert.equal(w('witkey_tasks', { phase: 'cancelled' }), 1);
    assert.equal(w('witkey_tasks_needing_attention'), 1);
    assert.ok(
      (sampleValue(worker, 'temporal_activity_execution_failed', { activity_type: 'queryFreezeTrade' }) ?? 0) >= 1,
      'the failed trade.query',
    );
  });

  test("the worker's and the webhook's JSON log lines about a task carry its outerTaskId", async () => {
    const parsed = (): Record<string, unknown>[] =>
      stack
        .logs()
        .split('\n')
        .flatMap((l) => {
          try {
            return l.startsWith('{') ? [JSON.parse(l) as Record<string, unknown>] : [];
          } catch {
            return []; // a line cut by the other stream's output in the shared sink
          }
        });
    const settled = (ls: Record<string, unknown>[]) =>
      ls.some((l) => l.outerTaskId === UNPAID && l.msg === 'task settled' && l.sdkComponent === 'workflow');
    // the SDK holds its log lines ~100 ms to order them; the task closed a moment ago
    const lines = await until(async () => parsed(), settled, 10_000);
    const about = (id: string, component: string) =>
      lines.filter((l) => l.component === component && l.outerTaskId === id);
    assert.ok(
      about(UNPAID, 'worker').some((l) => l.msg === 'Activity failed' && l.activityType === 'queryFreezeTrade'),
      'the activity failure',
    );
    assert.ok(settled(about(UNPAID, 'worker')), `the workflow's own log:\n${stack.logs().slice(-3000)}`);
    assert.ok(
      about(PAID, 'webhook').some((l) => l.msg === 'notification recorded' && l.statusCode === 200),
      'the delivered notification, one line with its answer',
    );
    const progress = stack
      .logs()
      .split('\n')
      .filter((l) => l.startsWith('[witkey]'));
    assert.ok(progress.some((l) => /worker metrics \(Prometheus\) on http:\/\/127\.0\.0\.1:\d+\/metrics/.test(l)));
  });
});
