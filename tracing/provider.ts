/**
 * The process's OpenTelemetry tracer: one provider, registered once as the global one (the Temporal interceptors and
 * the webhook take the active span from the global context), with W3C trace-context propagation and async-hooks
 * context. Off (the default) means a no-op tracer, no provider and spans of the workflows dropped at the worker.
 */
import { trace, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { Resource } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  NoopSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';

export interface Tracing {
  readonly enabled: boolean;
  readonly tracer: Tracer;
  /** Where finished spans go; also the workflows' spans, which the worker receives through a sink. */
  readonly processor: SpanProcessor;
  readonly resource: Resource;
  /** Exports what is still buffered and stops. */
  shutdown(): Promise<void>;
}

export const TRACER_NAME = 'witkey';

/** Tracing off: spans are not recorded and the workflows' spans are dropped. */
export const TRACING_OFF: Tracing = {
  enabled: false,
  tracer: trace.getTracer(TRACER_NAME),
  processor: new NoopSpanProcessor(),
  resource: Resource.empty(),
  shutdown: async () => undefined,
};

export interface TracingOptions {
  /** service.name of every span of this process (e.g. witkey-worker). */
  serviceName: string;
  exporter: SpanExporter;
  /** Export each span when it ends (tests); default: in batches. */
  immediate?: boolean;
}

let registered: Tracing | undefined;

/** Starts this process's tracing; once per process (OpenTelemetry's global provider can be set once). */
export function startTracing(opts: TracingOptions): Tracing {
  if (registered) throw new Error('tracing is started already in this process');
  const resource = new Resource({ 'service.name': opts.serviceName });
  const processor = opts.immediate ? new SimpleSpanProcessor(opts.exporter) : new BatchSpanProcessor(opts.exporter);
  const provider = new BasicTracerProvider({ resource, spanProcessors: [processor] });
  provider.register({
    contextManager: new AsyncLocalStorageContextManager(),
    propagator: new W3CTraceContextPropagator(),
  });
  registered = {
    enabled: true,
    tracer: provider.getTracer(TRACER_NAME),
    processor,
    resource,
    shutdown: () => provider.shutdown(),
  };
  return registered;
}
