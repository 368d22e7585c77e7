export { startTracing, TRACING_OFF, TRACER_NAME, type Tracing, type TracingOptions } from './provider';
export { clientTracing, workerTracing, WORKFLOW_TRACING_INTERCEPTORS } from './temporal';
