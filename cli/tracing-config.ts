/**
 * Tracing of a witkey process from the standard OpenTelemetry variables, off unless asked for:
 *   OTEL_TRACES_EXPORTER  none (default) | otlp | console; otlp is also chosen when an OTLP endpoint is set;
 *   OTEL_EXPORTER_OTLP_TRACES_ENDPOINT / OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_HEADERS  read by the
 *     OTLP/HTTP exporter itself (default http://localhost:4318/v1/traces);
 *   OTEL_SERVICE_NAME  default witkey-worker, witkey-webhook, witkey (one process running everything) or witkey-cli.
 */
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ConsoleSpanExporter, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { startTracing, TRACING_OFF, type Tracing } from '../tracing';
import { ConfigError } from './input-errors';

const EXPORTERS = ['none', 'otlp', 'console'] as const;
export type TracesExporterName = (typeof EXPORTERS)[number];

export interface TracingSettings {
  exporter: TracesExporterName;
  /** OTEL_SERVICE_NAME, when set. */
  serviceName?: string;
}

export function loadTracingSettings(env: NodeJS.ProcessEnv = process.env): TracingSettings {
  const raw = env.OTEL_TRACES_EXPORTER?.trim().toLowerCase();
  const endpointSet = Boolean(
    env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim(),
  );
  const exporter = raw || (endpointSet ? 'otlp' : 'none');
  if (!(EXPORTERS as readonly string[]).includes(exporter))
    throw new ConfigError(
      `OTEL_TRACES_EXPORTER=${JSON.stringify(env.OTEL_TRACES_EXPORTER)} is not supported (${EXPORTERS.join(', ')}).`,
    );
  const serviceName = env.OTEL_SERVICE_NAME?.trim() || undefined;
  return { exporter: exporter as TracesExporterName, ...(serviceName ? { serviceName } : {}) };
}

let started: Tracing | undefined;

/**
 * This process's tracing as configured (TRACING_OFF for none), started on the first call; shut it down on exit to
 * export what is buffered.
 */
export function startProcessTracing(settings: TracingSettings, defaultServiceName: string): Tracing {
  if (settings.exporter === 'none') return TRACING_OFF;
  const exporter: SpanExporter = settings.exporter === 'otlp' ? new OTLPTraceExporter() : new ConsoleSpanExporter();
  started ??= startTracing({ serviceName: settings.serviceName ?? defaultServiceName, exporter });
  return started;
}

/** One line for the start-up story. */
export function describeTracing(settings: TracingSettings): string {
  if (settings.exporter === 'none') return 'tracing off (OTEL_TRACES_EXPORTER=otlp to export traces)';
  return settings.exporter === 'otlp' ? 'traces exported over OTLP/HTTP' : 'traces printed on stdout (console)';
}
