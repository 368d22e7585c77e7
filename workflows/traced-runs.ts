/**
 * The OpenTelemetry workflow interceptors (@temporalio/interceptors-opentelemetry), for the runs that are traced.
 *
 * They used to run in every run, tracing on or off: each signal, update, query and activity of a task made spans
 * (and the SDK records where each of their promises was created), which a worker without tracing then dropped. That
 * was about 40% of the worker's CPU to replay a lifecycle's history (95 events: 116–149 ms without this change, 84 ms
 * without the interceptors). Behind the patch TRACED_RUNS_ONLY, a run uses them only when it was started with a trace
 * context (the `_tracer-data` header a traced client adds): the decision is taken once, from the start event's
 * headers, and so is the same on every replay. Runs started before the patch keep them (their histories were made with
 * their extra promise ticks). A run started by an untraced client is not traced inside the workflow even when a later
 * signal comes from a traced webhook; start tasks from a traced client to trace them.
 */
import { TRACE_HEADER } from '@temporalio/interceptors-opentelemetry/lib/instrumentation';
import { interceptors as openTelemetry } from '@temporalio/interceptors-opentelemetry/lib/workflow-interceptors';
import { patched, type Headers, type WorkflowInterceptorsFactory } from '@temporalio/workflow';
import { TRACED_RUNS_ONLY } from './task/life/patches';

type Next = (input: unknown) => unknown;
type Method = (input: unknown, next: Next) => unknown;

/** Whether this run is traced: decided when it starts; until then (never in practice) as before the patch. */
export class RunTracing {
  #traced = true;

  get traced(): boolean {
    return this.#traced;
  }

  /** At the run's start (the `execute` interceptor, first activation): `applies` asks the patch. */
  started(headers: Headers, applies: () => boolean): void {
    this.#traced = !applies() || TRACE_HEADER in headers;
  }
}

/** An interceptor with the same methods as `interceptor`, each passing straight to `next` while the run is not traced. */
export function whenTraced<T extends object>(interceptor: T, run: RunTracing): T {
  const methods = Object.getOwnPropertyNames(Object.getPrototypeOf(interceptor)).filter(
    (name) => name !== 'constructor' && typeof (interceptor as Record<string, unknown>)[name] === 'function',
  );
  const wrapper: Record<string, Method> = {};
  for (const name of methods) {
    const method = (interceptor as Record<string, Method>)[name].bind(interceptor);
    wrapper[name] = (input, next) => (run.traced ? method(input, next) : next(input));
  }
  return wrapper as T;
}

export const interceptors: WorkflowInterceptorsFactory = () => {
  const run = new RunTracing();
  const traced = openTelemetry();
  return {
    inbound: [
      {
        execute(input, next) {
          run.started(input.headers, () => patched(TRACED_RUNS_ONLY));
          return next(input);
        },
      },
      ...(traced.inbound ?? []).map((i) => whenTraced(i, run)),
    ],
    outbound: (traced.outbound ?? []).map((o) => whenTraced(o, run)),
    internals: traced.internals, // dispose only: the context manager's, cheap
  };
};
