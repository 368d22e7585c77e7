/**
 * Tracing through Temporal (@temporalio/interceptors-opentelemetry, the SDK's version): the client's calls (start,
 * signal, update, query) carry the span context in their headers; the workflows' interceptors (always in the bundle,
 * worker/prebuilt-bundle.ts; active in runs started with a trace context) continue it inside the workflow and hand their spans to the worker through the
 * `exporter` sink; the activities continue the workflow's span.
 */
import type { ClientInterceptors } from '@temporalio/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { WorkerOptions } from '@temporalio/worker';
import { TRACING_OFF, type Tracing } from './provider';
import { WorkflowSpanScrubber } from './scrubber';

/**
 * The workflow interceptors' module, bundled with the workflows whether tracing is on or not (one bundle): the SDK's
 * OpenTelemetry interceptors, active in the runs started with a trace context (workflows/traced-runs.ts).
 */
export const WORKFLOW_TRACING_INTERCEPTORS = require.resolve('../workflows/traced-runs');

/** A client's interceptors: none when tracing is off. */
export function clientTracing(tracing: Tracing = TRACING_OFF): ClientInterceptors | undefined {
  if (!tracing.enabled) return undefined;
  return { workflow: [new OpenTelemetryWorkflowClientInterceptor({ tracer: tracing.tracer })] };
}

/**
 * A worker's part: the sink that receives the workflows' spans (every worker of the bundle needs it, even with
 * tracing off: the spans are then dropped) and, when on, the activities' interceptors.
 */
export function workerTracing(tracing: Tracing = TRACING_OFF): Pick<WorkerOptions, 'sinks' | 'interceptors'> {
  return {
    sinks: { exporter: makeWorkflowExporter(new WorkflowSpanScrubber(tracing.processor), tracing.resource) },
    ...(tracing.enabled
      ? {
          interceptors: {
            activity: [
              (ctx) => ({
                inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer: tracing.tracer }),
                outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
              }),
            ],
          },
        }
      : {}),
  };
}
