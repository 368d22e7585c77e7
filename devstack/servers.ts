/**
 * Starting the two servers through the Temporal SDK, from the executables that temporal-cli.ts and
 * test-server.ts resolve, with the witkey search attributes and retention in place.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { WITKEY_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { type Progress, stderrProgress } from './executable';
import { ensureRetention, ensureSearchAttributes } from './namespace';
import { resolveTemporalCli } from './temporal-cli';
import { resolveTestServer } from './test-server';

export interface DevServerOptions {
  /** gRPC port; a free one when omitted. */
  port?: number;
  /** Web UI port; no UI when omitted. */
  uiPort?: number;
  ip?: string;
  namespace?: string;
  /** SQLite file; in-memory (nothing persisted) when omitted. */
  dbFilename?: string;
  /** Dynamic config values, e.g. { 'limit.historyCount.suggestContinueAsNew': 50 }. */
  dynamicConfig?: Record<string, string | number | boolean>;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** The codec server the Web UI decodes payloads through (`--ui-codec-endpoint`): called by the browser. */
  uiCodecEndpoint?: string;
  progress?: Progress;
}

export interface StartedServer {
  env: TestWorkflowEnvironment;
  address: string;
  namespace: string;
  /** Milliseconds from the start request until the server answered. */
  startMs: number;
}

export async function startDevServer(opts: DevServerOptions = {}): Promise<StartedServer> {
  const progress = opts.progress ?? stderrProgress;
  const executable = await resolveTemporalCli(progress);
  const namespace = opts.namespace ?? 'default';
  const extraArgs: string[] = [];
  for (const [key, value] of Object.entries(opts.dynamicConfig ?? {})) {
    extraArgs.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  }
  if (opts.uiCodecEndpoint) extraArgs.push('--ui-codec-endpoint', opts.uiCodecEndpoint);
  const t0 = Date.now();
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable,
      ip: opts.ip ?? '127.0.0.1',
      port: opts.port,
      ui: opts.uiPort !== undefined,
      uiPort: opts.uiPort,
      namespace,
      dbFilename: opts.dbFilename,
      searchAttributes: [...WITKEY_SEARCH_ATTRIBUTES],
      log: { format: 'pretty', level: opts.logLevel ?? 'warn' },
      extraArgs,
    },
  });
  const startMs = Date.now() - t0;
  try {
    await ensureSearchAttributes(env.connection, namespace);
    await ensureRetention(env.connection, namespace);
  } catch (err) {
    await env.teardown();
    throw err;
  }
  return { env, address: env.address, namespace, startMs };
}

export async function startTimeSkippingServer(opts: { progress?: Progress } = {}): Promise<StartedServer> {
  const executable = await resolveTestServer(opts.progress ?? stderrProgress);
  const t0 = Date.now();
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable } });
  const startMs = Date.now() - t0;
  try {
    await ensureSearchAttributes(env.connection, 'default');
  } catch (err) {
    await env.teardown();
    throw err;
  }
  return { env, address: env.address, namespace: 'default', startMs };
}
