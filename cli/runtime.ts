/**
 * Start-up pieces shared by the commands that connect (client commands, worker, webhook, demo): configuration
 * read once, the Temporal connection with its TLS / API-key settings, the Alipay settings (a real gateway from
 * ALIPAY_* or a running sandbox given by --sandbox-url / WITKEY_SANDBOX_URL).
 */
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { WitkeyTasks } from '../client/tasks';
import type { PublicConfig } from '../sandbox';
import { dataConverterOf, loadCodecKeys, type CodecKeys } from './codec-config';
import { loadStackConfig, STACK_DEFAULTS, type StackConfig } from './config';
import { ConfigError } from './input-errors';
import { siteSettingsForSandbox, type SiteAlipaySettings } from './sandbox-gateway';
import { loadSiteConfig, type SiteConfig } from './site-config';
import { connectClient, DEFAULT_TEMPORAL_ADDRESS, waitPatiently } from './temporal';
import { loadTracingSettings, startProcessTracing } from './tracing-config';
import { clientTracing } from '../tracing';

export interface Settings {
  stack: StackConfig;
  site: SiteConfig;
  /** TEMPORAL_ADDRESS, else the profile's; else the embedded dev server, localhost:$WITKEY_TEMPORAL_PORT (default 7233). */
  address: string;
  /** Payload encryption: the keys of WITKEY_CODEC_KEYS_DIR (or of the data folder's codec-keys), or none. */
  codec: CodecKeys;
}

export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const stack = loadStackConfig(env);
  const site = loadSiteConfig(env);
  return { stack, site, address: temporalAddressOf(stack), codec: loadCodecKeys(env, stack.dataDir) };
}

/** Where the client commands, the worker, the webhook and the demo connect: the given address, else the embedded server. */
export function temporalAddressOf(stack: StackConfig): string {
  return (
    stack.temporalAddress ??
    (stack.temporalPort === STACK_DEFAULTS.temporalPort ? DEFAULT_TEMPORAL_ADDRESS : `localhost:${stack.temporalPort}`)
  );
}

/** Where the audit records of closed tasks are: WITKEY_AUDIT_DIR, else <WITKEY_DATA_DIR>/audit. */
export function auditDirOf(settings: Settings): string {
  return settings.site.auditDir ?? join(settings.stack.dataDir, 'audit');
}

export interface Session {
  settings: Settings;
  client: Client;
  tasks: WitkeyTasks;
  close(): Promise<void>;
}

/** A client session for the task commands (a closed task's audit record is read after Temporal's retention). */
export async function openSession(settings: Settings = loadSettings()): Promise<Session> {
  const connection = await connectClient(settings.address, settings.stack.security);
  const tracing = startProcessTracing(loadTracingSettings(), 'witkey-cli');
  const client = new Client({
    connection,
    namespace: settings.stack.namespace,
    dataConverter: dataConverterOf(settings.codec),
    interceptors: clientTracing(tracing),
  });
  const tasks = new WitkeyTasks(client, {
    taskQueue: settings.stack.taskQueue,
    feeRates: settings.site.feeRates,
    auditDir: auditDirOf(settings),
    settings: { paymentTimeoutMs: settings.site.paymentTimeoutMs },
  });
  const close = async (): Promise<void> => {
    await tracing.shutdown().catch(() => undefined);
    await connection.close();
  };
  return { settings, client, tasks, close };
}

export async function withSession<T>(fn: (s: Session) => Promise<T>): Promise<T> {
  const session = await openSession();
  try {
    return await fn(session);
  } finally {
    await session.close().catch(() => undefined);
  }
}

/** How a long-running process waits for a sandbox that does not answer yet (restarted with it, or after it). */
export interface SandboxWait {
  waitMs: number;
  onWaiting: (message: string) => void;
}

/** No sandbox answered (ConfigError: the one-line message the CLI prints). */
class SandboxUnreachableError extends ConfigError {}

/**
 * The sandbox's public configuration (URLs, partner id, key files) from its control API; with `wait`, asked again
 * every second until it answers or the wait is over (waitPatiently: a worker restarted while the sandbox restarts).
 */
export async function fetchSandboxConfig(url: string, wait?: SandboxWait): Promise<PublicConfig> {
  const base = url.replace(/\/+$/, '');
  const ask = async (): Promise<PublicConfig> => {
    try {
      const res = await fetch(`${base}/sandbox/config`, { signal: AbortSignal.timeout(5_000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return sandboxConfigReachedAt((await res.json()) as PublicConfig, base);
    } catch (err) {
      throw new SandboxUnreachableError(
        `no Alipay sandbox answers at ${base} (${(err as Error).message}); start one with "witkey sandbox" or fix --sandbox-url / WITKEY_SANDBOX_URL.`,
      );
    }
  };
  if (!wait) return ask();
  return waitPatiently(
    ask,
    (err) => err instanceof SandboxUnreachableError,
    (err) => wait.onWaiting(`${err.message} Trying again for up to ${Math.round(wait.waitMs / 1000)} s`),
    wait.waitMs,
  );
}

/**
 * A sandbox listening on every interface (`witkey sandbox --host 0.0.0.0`, as in a container) names itself by that
 * address, which is no address to connect to: its URLs are then taken on the base it was reached at
 * (e.g. http://sandbox:8290 in docker-compose.yml).
 */
export function sandboxConfigReachedAt(config: PublicConfig, base: string): PublicConfig {
  const own = config.url.replace(/\/+$/, '');
  const host = new URL(own).hostname;
  if (host !== '0.0.0.0' && host !== '[::]') return config;
  const moved = (u: string): string => (u.startsWith(own) ? `${base}${u.slice(own.length)}` : u);
  return { ...config, url: base, gatewayUrl: moved(config.gatewayUrl), openApiUrl: moved(config.openApiUrl) };
}

export function sandboxUrlOf(flag: unknown, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const raw = typeof flag === 'string' && flag !== '' ? flag : env.WITKEY_SANDBOX_URL || undefined;
  if (raw === undefined) return undefined;
  try {
    const u = new URL(raw);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
  } catch {
    throw new ConfigError(`--sandbox-url / WITKEY_SANDBOX_URL=${JSON.stringify(raw)} is not an http(s) URL.`);
  }
  return raw.replace(/\/+$/, '');
}

/**
 * The Alipay side of a worker or webhook: the real gateway when ALIPAY_GATEWAY_URL is set; otherwise a running
 * sandbox (--sandbox-url / WITKEY_SANDBOX_URL) with the partner keys it generated; otherwise a ConfigError: a
 * deployed worker never falls back to an emulator silently.
 */
export async function alipaySettings(
  site: SiteConfig,
  sandboxUrl: string | undefined,
  wait?: SandboxWait,
): Promise<SiteAlipaySettings & { notifyVerify: boolean; source: string }> {
  if (site.alipay) {
    if (sandboxUrl)
      throw new ConfigError(
        'both ALIPAY_GATEWAY_URL and --sandbox-url / WITKEY_SANDBOX_URL are set; choose the real gateway or the sandbox.',
      );
    return { ...site.alipay, source: `Alipay gateway ${site.alipay.gateway.gatewayUrl}` };
  }
  if (!sandboxUrl) {
    throw new ConfigError(
      'no Alipay gateway configured: set ALIPAY_GATEWAY_URL, ALIPAY_PARTNER and the key files for a real deployment, or pass --sandbox-url URL (env WITKEY_SANDBOX_URL) of a running "witkey sandbox".',
    );
  }
  const sandbox = await fetchSandboxConfig(sandboxUrl, wait);
  try {
    return {
      ...siteSettingsForSandbox(sandbox, site.publicUrl, site.protocol),
      notifyVerify: site.protocol.notifyVerify,
      source: `Alipay sandbox ${sandbox.url} (partner ${sandbox.partnerId}, ${site.protocol.signType}, ${site.protocol.charset})`,
    };
  } catch (err) {
    throw new ConfigError(
      `the sandbox at ${sandboxUrl} names key files this machine cannot read (${(err as Error).message}); run the sandbox on this machine or configure ALIPAY_*.`,
    );
  }
}

/** Whether a worker polls the task queue (for /healthz of a webhook running without an in-process worker). */
export async function workerPolls(client: Client, namespace: string, taskQueue: string): Promise<boolean> {
  const res = await client.workflowService.describeTaskQueue({
    namespace,
    taskQueue: { name: taskQueue, kind: 1 /* TASK_QUEUE_KIND_NORMAL */ },
    taskQueueType: 1 /* TASK_QUEUE_TYPE_WORKFLOW */,
  });
  return (res.pollers?.length ?? 0) > 0;
}
