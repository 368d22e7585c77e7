/**
 * Logs and metrics of a witkey process, in one place: the one logger (pino, JSON lines on stdout or WITKEY_LOG_FILE,
 * `component` worker / webhook / sandbox, `outerTaskId` on every line about a task) and the Temporal Runtime of a
 * process that runs a worker, installed once, with the SDK's logs going to that logger and its Prometheus metrics
 * served on WITKEY_METRICS_ADDR. Progress lines for people stay on stderr (cli/output.ts).
 */
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { Runtime } from '@temporalio/worker';
import pino, { type Logger } from 'pino';
import { JsonSdkLogger } from '../worker/logger';
import { ConfigError } from './input-errors';
import { parseHostPort } from './parse';

export type { Logger } from 'pino';

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

export interface TelemetrySettings {
  /** WITKEY_METRICS_ADDR: host:port of the worker's Prometheus endpoint (http://ADDR/metrics); unset: none. */
  metricsAddr?: string;
  /** WITKEY_LOG_FILE: JSON logs appended to this file instead of stdout. */
  logFile?: string;
  /** WITKEY_LOG_LEVEL (default info; debug with WITKEY_DEBUG). */
  logLevel: LogLevelName;
}

export function loadTelemetrySettings(env: NodeJS.ProcessEnv = process.env): TelemetrySettings {
  const metricsAddr = parseMetricsAddr(env.WITKEY_METRICS_ADDR);
  const level = env.WITKEY_LOG_LEVEL?.trim().toLowerCase() || (env.WITKEY_DEBUG ? 'debug' : 'info');
  if (!(LOG_LEVELS as readonly string[]).includes(level))
    throw new ConfigError(
      `WITKEY_LOG_LEVEL=${JSON.stringify(env.WITKEY_LOG_LEVEL)} is not a log level (${LOG_LEVELS.join(', ')}).`,
    );
  const logFile = env.WITKEY_LOG_FILE?.trim() ? resolve(env.WITKEY_LOG_FILE.trim()) : undefined;
  return { metricsAddr, logFile, logLevel: level as LogLevelName };
}

/** An IP address and a port (the SDK binds a socket address, not a host name); localhost is 127.0.0.1. */
function parseMetricsAddr(raw: string | undefined): string | undefined {
  const text = parseHostPort('WITKEY_METRICS_ADDR', raw);
  if (text === undefined) return undefined;
  const [, host, port] = /^(.*):(\d+)$/.exec(text)!;
  const ip = host === 'localhost' ? '127.0.0.1' : host;
  const bare = ip.replace(/^\[(.*)\]$/, '$1');
  if (isIP(bare) === 0 || (isIP(bare) === 6 && ip === bare))
    throw new ConfigError(
      `WITKEY_METRICS_ADDR=${JSON.stringify(raw)} must be an IP address and a port, e.g. 127.0.0.1:9464, 0.0.0.0:9464 or [::1]:9464.`,
    );
  if (Number(port) < 1 || Number(port) > 65535)
    throw new ConfigError(`WITKEY_METRICS_ADDR=${JSON.stringify(raw)}: the port must be 1-65535.`);
  return `${ip}:${Number(port)}`;
}

/**
 * The process's one logger: JSON lines (pino) on stdout, or appended to `file` (WITKEY_LOG_FILE, else the given
 * default), written synchronously so that nothing is lost when the process exits.
 */
export function createLogger(settings: TelemetrySettings, defaultFile?: string): Logger {
  const file = settings.logFile ?? defaultFile;
  return pino(
    {
      level: settings.logLevel,
      base: { pid: process.pid },
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    },
    pino.destination({ dest: file ?? 1, sync: true, mkdir: file !== undefined }),
  );
}

let installed: { metricsAddr?: string } | undefined;

/**
 * Installs the Temporal Runtime of this process (once: the SDK allows one): the SDK's logs, the workflows' and the
 * activities' to `logger` as JSON lines (the native core's forwarded too, from WARN), and, with `metricsAddr`, the
 * SDK's metrics (temporal_* names) for Prometheus at http://<metricsAddr>/metrics.
 */
export function installWorkerRuntime(logger: Logger, metricsAddr?: string): void {
  if (installed) {
    if (installed.metricsAddr !== metricsAddr)
      throw new Error('the Temporal Runtime of this process is installed already, with other metrics settings');
    return;
  }
  try {
    Runtime.install({
      logger: new JsonSdkLogger(logger),
      telemetryOptions: {
        logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
        ...(metricsAddr ? { metrics: { prometheus: { bindAddress: metricsAddr } } } : {}),
      },
    });
  } catch (err) {
    const message = (err as Error).message;
    if (metricsAddr && /prometheus|address/i.test(message))
      throw new ConfigError(`the worker's metrics cannot be served on WITKEY_METRICS_ADDR=${metricsAddr}: ${message}.`);
    throw err;
  }
  installed = { metricsAddr };
}
