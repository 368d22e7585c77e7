/**
 * Tracing's settings and its place in the workflow bundle: off unless OTEL_TRACES_EXPORTER or an OTLP endpoint asks
 * for it, a bad exporter name refused with its variable; the bundle's interceptor modules belong to packages the
 * workflow fingerprint counts (so that upgrading them asks for a new replay corpus); a worker's options always carry
 * the sink of the workflows' spans; the scrubber keeps only plain attributes.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Resource } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ConfigError } from '../../cli/input-errors';
import { loadTracingSettings } from '../../cli/tracing-config';
import { TRACING_OFF, workerTracing } from '../../tracing';
import { WorkflowSpanScrubber } from '../../tracing/scrubber';
import { BUNDLE_SOURCES } from '../../worker/prebuilt-bundle';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { BUNDLED_PACKAGES, ENTRIES } = require(
  join(__dirname, '..', '..', '..', 'scripts', 'workflow-fingerprint.js'),
) as {
  BUNDLED_PACKAGES: string[];
  ENTRIES: string[];
};

describe('tracing settings', () => {
  test('off by default; otlp when asked for or when an endpoint is set; console; anything else refused', () => {
    assert.deepEqual(loadTracingSettings({}), { exporter: 'none' });
    assert.deepEqual(loadTracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }), {
      exporter: 'otlp',
    });
    assert.deepEqual(loadTracingSettings({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' }), {
      exporter: 'otlp',
    });
    assert.deepEqual(
      loadTracingSettings({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }),
      { exporter: 'none' },
    );
    assert.deepEqual(loadTracingSettings({ OTEL_TRACES_EXPORTER: 'Console', OTEL_SERVICE_NAME: 'shop-worker' }), {
      exporter: 'console',
      serviceName: 'shop-worker',
    });
    assert.throws(
      () => loadTracingSettings({ OTEL_TRACES_EXPORTER: 'zipkin' }),
      (err: Error) => err instanceof ConfigError && /OTEL_TRACES_EXPORTER="zipkin" is not supported/.test(err.message),
    );
  });

  test("the bundle's interceptor modules are counted by the workflow fingerprint", () => {
    assert.ok(BUNDLE_SOURCES.workflowInterceptorModules.length > 0);
    for (const module of BUNDLE_SOURCES.workflowInterceptorModules)
      assert.ok(
        BUNDLED_PACKAGES.some((name) => module.includes(`${join('node_modules', name)}`)) ||
          ENTRIES.some((entry) => module.endsWith(join('dist', entry.replace(/\.ts$/, '.js')))),
        `${module} is not in scripts/workflow-fingerprint.js BUNDLED_PACKAGES or ENTRIES`,
      );
  });

  test("a worker's options carry the workflows' span sink even with tracing off, and no activity interceptor", () => {
    const off = workerTracing(TRACING_OFF);
    assert.equal(typeof off.sinks?.exporter?.export?.fn, 'function');
    assert.equal(off.interceptors, undefined);
  });

  test('the scrubber drops the WorkflowInfo objects the SDK copies into a workflow span (memo, search attributes)', () => {
    const exporter = new InMemorySpanExporter();
    const scrubber = new WorkflowSpanScrubber(new SimpleSpanProcessor(exporter));
    const span = {
      name: 'HandleSignal:notification',
      attributes: {
        workflowId: 'witkey-task-t1',
        attempt: 1,
        memo: { notification: { alipayUserId: '2088100000000001' } },
        searchAttributes: { WitkeyPhase: ['open'] },
        startTime: new Date(0),
      },
      resource: Resource.empty(),
      spanContext: () => ({ traceId: '0'.repeat(31) + '1', spanId: '0'.repeat(15) + '1', traceFlags: 1 }),
    } as unknown as ReadableSpan;
    scrubber.onEnd(span);
    assert.deepEqual(exporter.getFinishedSpans()[0]?.attributes, { workflowId: 'witkey-task-t1', attempt: 1 });
  });
});
