/**
 * Tracing end to end, with an in-memory exporter: a task published by a traced client, paid at the sandbox's
 * cashier, and its task_freeze notification POSTed to the webhook. One trace follows the notification from the HTTP
 * request (the webhook's SERVER span) through the client's signal into the workflow's signal handler; the
 * workflow's run, its activities and the publication share another. No span carries an Alipay id or a nickname.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { startTracing, type Tracing } from '../../tracing';
import { eventually } from '../support/eventually';
import { startTestStack, type TestStack } from '../support/stack';

const PUBLISHER = '2088100000000131';
const DAY = 86_400_000;

describe('tracing', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  let stack: TestStack;

  before(async () => {
    tracing = startTracing({ serviceName: 'witkey-test', exporter, immediate: true });
    stack = await startTestStack({ timeSkipping: false, tracing });
  });
  after(async () => {
    await stack?.stop();
    await tracing?.shutdown();
  });

  const spans = (): ReadableSpan[] => exporter.getFinishedSpans();
  const named = (name: string, traceId?: string): ReadableSpan[] =>
    spans().filter((s) => s.name === name && (traceId === undefined || s.spanContext().traceId === traceId));
  const parentOf = (s: ReadableSpan): string | undefined => s.parentSpanId;

  test('one trace from the notification request into the workflow; the publication and its activity in another', async () => {
    const id = 'trace-1';
    const published = await stack.tasks.publish({
      outerTaskId: id,
      title: 'traced',
      taskType: 'DESIGN',
      publisherId: 'pub-trace',
      publisherAlipayUserId: PUBLISHER,
      bountyFen: 7_000,
      valueAddedFeeFen: 0,
      expiresAtMs: (await stack.now()) + 10 * DAY,
    });
    await stack.sandbox.pay(published.cashierUrl, { payerUserId: PUBLISHER });
    assert.ok((await stack.flush()) >= 1, 'the sandbox delivered the task_freeze notification');
    assert.equal(
      (
        await eventually(
          () => stack.status(id),
          (v) => v.phase === 'open',
        )
      ).phase,
      'open',
    );

    // the webhook's span, and the signal and the workflow's handling of it in the same trace, parent to child
    const notification = named('alipay notification').find((s) => s.attributes['witkey.outer_task_id'] === id);
    assert.ok(
      notification,
      `no webhook span: ${spans()
        .map((s) => s.name)
        .join(', ')}`,
    );
    assert.equal(notification.kind, SpanKind.SERVER);
    assert.equal(notification.attributes['alipay.notify_type'], 'task_freeze');
    assert.equal(notification.attributes['witkey.delivery'], 'delivered');
    assert.equal(notification.attributes['http.response.status_code'], 200);
    assert.equal(notification.resource.attributes['service.name'], 'witkey-test');
    const traceId = notification.spanContext().traceId;
    const [signal] = named('SignalWorkflow:notification', traceId);
    assert.ok(signal, 'the client span of the signal is in the notification trace');
    assert.equal(parentOf(signal), notification.spanContext().spanId);
    const [handled] = await eventually(
      async () => named('HandleSignal:notification', traceId),
      (found) => found.length > 0,
    );
    assert.ok(
      handled,
      `the workflow's span of the signal is not in the trace: ${named('HandleSignal:notification').length} elsewhere`,
    );
    assert.equal(parentOf(handled), signal.spanContext().spanId);
    assert.equal(handled.attributes.workflowId, `witkey-task-${id}`);

    // the publication (update-with-start): the client's call, the workflow's handling and its cashier-page activity
    const [publish] = named('UpdateWithStartWorkflow:publish');
    assert.ok(
      publish,
      `no publication span: ${spans()
        .map((s) => s.name)
        .join(', ')}`,
    );
    const runTrace = publish.spanContext().traceId;
    assert.notEqual(runTrace, traceId);
    const [handledPublish] = named('HandleUpdate:publish', runTrace);
    assert.ok(handledPublish, "the workflow's handling of the publication is in the client's trace");
    const [activity] = named('RunActivity:createTaskPage', runTrace);
    assert.ok(activity, 'the cashier-page activity is in the same trace');
    assert.notEqual(activity.status.code, SpanStatusCode.ERROR);
    const [scheduled] = named('StartActivity:createTaskPage', runTrace);
    assert.equal(parentOf(activity), scheduled?.spanContext().spanId, 'the activity continues the workflow span');

    // nothing private in any span (the SDK copies WorkflowInfo into the workflows' spans: memo, search attributes)
    const text = JSON.stringify(spans().map((s) => ({ name: s.name, attributes: s.attributes, events: s.events })));
    assert.doesNotMatch(text, new RegExp(PUBLISHER), 'no Alipay user id in any span');
    assert.doesNotMatch(text, /pub-trace/, 'no publisher id in any span');
  });
});
