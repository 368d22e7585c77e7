/**
 * The webhook's /metrics and its log lines, against the real pieces (time-skipping server, worker, sandbox keys):
 * every refusal counted under its reason, every verified notification under its outcome with its delivery time;
 * one registry per webhook (several in one process do not mix); a count through visibility that fails never fails
 * /metrics (witkey_visibility_up 0); every log line about a task carries its outerTaskId.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Writable } from 'node:stream';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import type { TaskFreezeEvent } from '../../alipay';
import { createWebhookMetrics, REFUSAL_REASONS } from '../../client/webhook/metrics';
import { buildWebhook, type WebhookOptions } from '../../client/webhook/server';
import { siteSettingsForSandbox } from '../../cli/sandbox-gateway';
import { freePort } from '../../devstack/ports';
import { metricNames, sampleValue, scrape } from '../support/prometheus';
import { startTestStack, type TestStack } from '../support/stack';
import { alipaySigner, forgerSigner, post, rawBody, signedBody } from './helpers';

const PUBLISHER = '2088100000000091';
const HOUR = 3_600_000;

/** A pino logger writing into an array of parsed JSON lines. */
function memoryLogger(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

describe('webhook metrics and logs', () => {
  let stack: TestStack;
  const webhooks: { close(): Promise<unknown> }[] = [];
  const start = async (overrides: Partial<WebhookOptions> = {}): Promise<string> => {
    const settings = siteSettingsForSandbox(stack.sandbox.publicConfig(), stack.webhookUrl);
    const app = buildWebhook({
      client: stack.server.env.client,
      taskQueue: stack.taskQueue,
      inbound: settings.inbound,
      logger: false,
      ...overrides,
    });
    webhooks.push(app);
    return app.listen({ host: '127.0.0.1', port: 0 });
  };
  const freezeEvent = async (id: string, amountFen: number): Promise<TaskFreezeEvent> => ({
    type: 'task_freeze',
    partner: stack.sandbox.config.partnerId,
    outerTaskId: id,
    outerTaskFreezeNo: (await stack.status(id).catch(() => undefined))?.freezeNo ?? `${id}FZ`,
    taskAmountFen: amountFen,
    paidTime: Math.floor((await stack.now()) / 1000) * 1000,
    alipayUserId: PUBLISHER,
  });

  before(async () => {
    stack = await startTestStack({ resendWindowMs: 10 * 60_000 });
  });
  after(async () => {
    for (const w of webhooks) await w.close();
    await stack?.stop();
  });

  test('every refusal under its reason, every verified notification under its outcome; its own registry', async () => {
    const { logger, lines } = memoryLogger();
    const url = await start({ logger });
    const notify = `${url}/alipay/notify`;
    await stack.tasks.publish({
      outerTaskId: 'wm-paid',
      title: 'metrics',
      taskType: 'DESIGN',
      publisherId: 'pub-wm',
      publisherAlipayUserId: PUBLISHER,
      bountyFen: 9_000,
      valueAddedFeeFen: 0,
      expiresAtMs: (await stack.now()) + 30 * 24 * HOUR,
    });
    const event = await freezeEvent('wm-paid', 9_000);
    const genuine = signedBody('nm-paid', event, alipaySigner(stack.sandbox));
    const refusals: [string, number, string | Buffer, string?][] = [
      ['malformed', 400, 'this is %%% not a form'],
      ['malformed', 415, JSON.stringify(genuine.fields), 'application/json'],
      ['oversize', 413, `${genuine.body}&pad=${'x'.repeat(70 * 1024)}`],
      ['bad_signature', 400, signedBody('nm-forged', event, forgerSigner()).body],
      ['unknown_sign_type', 400, rawBody({ ...genuine.fields, sign_type: 'MD5' })],
      [
        'wrong_partner',
        400,
        signedBody('nm-partner', { ...event, partner: '2088999999999999' }, alipaySigner(stack.sandbox)).body,
      ],
    ];
    for (const [reason, status, body, type] of refusals)
      assert.deepEqual(await post(notify, body, type), { status, text: 'fail' }, reason);
    assert.deepEqual(await post(notify, genuine.body), { status: 200, text: 'success' });
    const orphan = signedBody('nm-orphan', await freezeEvent('wm-never-published', 100), alipaySigner(stack.sandbox));
    assert.deepEqual(await post(notify, orphan.body), { status: 200, text: 'success' });

    const text = await scrape(`${url}/metrics`);
    const value = (name: string, labels: Record<string, string> = {}) => sampleValue(text, name, labels);
    assert.equal(value('witkey_notifications_received_total'), refusals.length + 2);
    assert.equal(value('witkey_notifications_verified_total'), 2);
    for (const reason of REFUSAL_REASONS)
      assert.equal(
        value('witkey_notifications_refused_total', { reason }),
        refusals.filter(([r]) => r === reason).length,
        reason,
      );
    assert.equal(value('witkey_notifications_delivered_total'), 1);
    assert.equal(value('witkey_notifications_recorded_for_operator_total'), 1);
    assert.equal(value('witkey_notifications_duplicate_total'), 0);
    assert.equal(value('witkey_notification_delivery_seconds_count', { outcome: 'delivered' }), 1);
    assert.equal(value('witkey_notification_delivery_seconds_count', { outcome: 'recorded_for_operator' }), 1);
    assert.ok(value('witkey_notification_delivery_seconds_sum', { outcome: 'delivered' })! > 0);
    assert.ok(metricNames(text).has('process_cpu_user_seconds_total'), 'the process metrics too');
    // the time-skipping server does not count workflows: /metrics still answers, and says so
    assert.equal(value('witkey_visibility_up'), 0);
    assert.equal(value('witkey_tasks', { phase: 'open' }), undefined);

    // another webhook of the same process has its own registry
    const other = await scrape(`${stack.webhookUrl}/metrics`);
    assert.equal(sampleValue(other, 'witkey_notifications_received_total'), 0);

    // one line per request: the notification's, with its task, its outcome and the request's status
    const recorded = lines.filter((l) => l.msg === 'notification recorded' && l.notifyId === 'nm-paid');
    assert.equal(recorded.length, 1, JSON.stringify(lines.slice(-5)));
    assert.deepEqual(
      {
        outerTaskId: recorded[0].outerTaskId,
        notifyId: recorded[0].notifyId,
        outcome: recorded[0].outcome,
        method: recorded[0].method,
        path: recorded[0].path,
        statusCode: recorded[0].statusCode,
      },
      {
        outerTaskId: 'wm-paid',
        notifyId: 'nm-paid',
        outcome: 'delivered',
        method: 'POST',
        path: '/alipay/notify',
        statusCode: 200,
      },
    );
    assert.equal(
      lines.filter((l) => l.reqId === recorded[0].reqId).length,
      1,
      "no other line for the request (Fastify's request lines are off)",
    );
    const refused = lines.filter((l) => l.msg === 'notification refused').map((l) => l.reason);
    assert.deepEqual(refused, ['malformed', 'bad_signature', 'unknown_sign_type', 'wrong_partner']);
    assert.equal(
      lines.filter(
        (l) => l.path === '/metrics' || (typeof l.req === 'object' && /\/metrics/.test(JSON.stringify(l.req))),
      ).length,
      0,
      'scrapes are not logged',
    );
  });

  test('notify_verify refused or unreachable, Temporal unreachable: counted; /metrics still answers', async () => {
    const event = await freezeEvent('wm-nv', 1_000);
    const body = signedBody('nm-not-issued', event, alipaySigner(stack.sandbox)).body;
    const verifying = await start({
      notifyVerify: { gatewayUrl: stack.sandbox.gatewayUrl, partner: stack.sandbox.config.partnerId, timeoutMs: 5_000 },
    });
    assert.deepEqual(await post(`${verifying}/alipay/notify`, body), { status: 403, text: 'fail' });
    const deadPort = await freePort();
    const unreachable = await start({
      notifyVerify: {
        gatewayUrl: `http://127.0.0.1:${deadPort}/gateway.do`,
        partner: stack.sandbox.config.partnerId,
        timeoutMs: 2_000,
      },
    });
    assert.deepEqual(await post(`${unreachable}/alipay/notify`, body), { status: 503, text: 'fail' });
    assert.equal(
      sampleValue(await scrape(`${verifying}/metrics`), 'witkey_notifications_refused_total', {
        reason: 'notify_verify_refused',
      }),
      1,
    );
    assert.equal(
      sampleValue(await scrape(`${unreachable}/metrics`), 'witkey_notifications_refused_total', {
        reason: 'notify_verify_unavailable',
      }),
      1,
    );

    const connection = Connection.lazy({ address: `127.0.0.1:${deadPort}` });
    const settings = siteSettingsForSandbox(stack.sandbox.publicConfig(), stack.webhookUrl);
    const app = buildWebhook({
      client: new Client({ connection }),
      taskQueue: stack.taskQueue,
      inbound: settings.inbound,
      logger: false,
      deliveryDeadlineMs: 1_000,
      metrics: { countTimeoutMs: 1_000 },
    });
    const down = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      assert.deepEqual(await post(`${down}/alipay/notify`, body), { status: 503, text: 'fail' });
      const t0 = Date.now();
      const text = await scrape(`${down}/metrics`);
      assert.ok(Date.now() - t0 < 5_000, 'the count gives up within its deadline');
      assert.equal(sampleValue(text, 'witkey_notifications_verified_total'), 1);
      assert.equal(sampleValue(text, 'witkey_notifications_refused_total', { reason: 'temporal_unavailable' }), 1);
      assert.equal(sampleValue(text, 'witkey_notification_delivery_seconds_count', { outcome: 'failed' }), 1);
      assert.equal(sampleValue(text, 'witkey_notifications_delivered_total'), 0);
      assert.equal(sampleValue(text, 'witkey_visibility_up'), 0);
      assert.equal(sampleValue(text, 'witkey_tasks_needing_attention'), undefined);
    } finally {
      await app.close();
      await connection.close();
    }
  });

  test('a duplicate of a closed task is counted as such, with its delivery time', async () => {
    const m = createWebhookMetrics(stack.server.env.client, { visibility: false, processMetrics: false });
    m.received();
    m.verified();
    m.delivery(0.02, 'duplicate_of_closed_task');
    const text = await m.registry.metrics();
    assert.equal(sampleValue(text, 'witkey_notifications_duplicate_total'), 1);
    assert.equal(sampleValue(text, 'witkey_notifications_delivered_total'), 0);
    assert.equal(
      sampleValue(text, 'witkey_notification_delivery_seconds_bucket', {
        outcome: 'duplicate_of_closed_task',
        le: '0.025',
      }),
      1,
    );
    assert.equal(sampleValue(text, 'witkey_visibility_up'), 0);
  });
});
