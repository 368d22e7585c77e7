/**
 * The embedded stack, the composition of every room: the Temporal dev server (SQLite under the data folder, Web UI)
 * or an existing server from TEMPORAL_ADDRESS or the Temporal profile; the sandbox gateway unless ALIPAY_GATEWAY_URL points at a real one;
 * the worker with the activities; the webhook. `stop()` stops what was started, in reverse order.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Client, type Connection } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createActivities } from '../activities';
import { WitkeyTasks } from '../client/tasks';
import { buildWebhook } from '../client/webhook/server';
import { EncryptionCodec, startCodecServer } from '../codec';
import { ensureSearchAttributes } from '../devstack/namespace';
import { portOpen } from '../devstack/ports';
import { startDevServer, type StartedServer } from '../devstack/servers';
import type { Progress } from '../devstack/executable';
import { startSandbox, type Sandbox } from '../sandbox';
import { createWitkeyWorker } from '../worker';
import { maxCachedWorkflowsOf } from './worker-memory';
import { clientTracing, type Tracing } from '../tracing';
import type { TaskSettings } from '../workflows/bounty-task';
import { dataConverterOf, describeCodec, type CodecKeys, type CodecServerSettings } from './codec-config';
import { type StackConfig } from './config';
import { ConfigError } from './input-errors';
import { siteSettingsForSandbox } from './sandbox-gateway';
import type { SiteConfig } from './site-config';
import { connectClient, connectNative, describeSecurity } from './temporal';

export interface RunningStack {
  client: Client;
  address: string;
  namespace: string;
  taskQueue: string;
  /** The Web UI, when this process started the dev server. */
  uiUrl?: string;
  /** The codec server the Web UI decodes through, when payloads are encrypted and this process started the dev server. */
  codecUrl?: string;
  worker: Worker;
  /** The embedded gateway, unless a real one is configured. */
  sandbox?: Sandbox;
  webhook: FastifyInstance;
  webhookUrl: string;
  tasks: WitkeyTasks;
  /** Stops what this process started (webhook, worker, sandbox, server), in order. Idempotent. */
  stop(): Promise<void>;
}

export interface StackOptions {
  /** Divides the sandbox's notification resend schedule (demos). */
  sandboxTimeFactor?: number;
  /** Overrides of the task settings (demos compress the resend window). */
  taskSettings?: Partial<TaskSettings>;
  /**
   * Payload encryption (default none): the keys of every client and worker of the stack, and where the codec server
   * for the dev server's Web UI listens (started only with keys and a dev server of this process).
   */
  codec?: { keys: CodecKeys; server?: CodecServerSettings };
  /** The JSON logger of the webhook and the sandbox (`component` added); default: the webhook's own on stdout. */
  logger?: Logger;
  /** OpenTelemetry of the client, the worker and the webhook (default off). */
  tracing?: Tracing;
}

async function connectTemporal(
  config: StackConfig,
  progress: Progress,
  uiCodecEndpoint: string | undefined,
): Promise<{ connection: Connection; nativeConnection: NativeConnection; address: string; server?: StartedServer }> {
  if (config.temporalAddress) {
    const address = config.temporalAddress;
    progress(
      `using the Temporal server at ${address} (${config.temporalAddressFrom ?? 'TEMPORAL_ADDRESS'}, ${describeSecurity(config.security)}); starting none`,
    );
    const connection = await connectClient(address, config.security);
    const nativeConnection = await connectNative(address, config.security);
    const added = await ensureSearchAttributes(connection, config.namespace).catch((err: Error) => {
      progress(`warning: could not register search attributes on ${address}: ${err.message}`);
      return [];
    });
    if (added.length) progress(`registered search attributes: ${added.join(', ')}`);
    return { connection, nativeConnection, address };
  }
  for (const [what, port, flag] of [
    ['gRPC', config.temporalPort, '--port'],
    ['Web UI', config.uiPort, '--ui-port'],
  ] as const) {
    if (await portOpen(port, config.ip))
      throw new ConfigError(
        `The Temporal ${what} port ${port} is already in use (another Temporal server?). Choose another with ${flag}, or point TEMPORAL_ADDRESS at the running server.`,
      );
  }
  const dbDir = join(config.dataDir, 'temporal');
  await mkdir(dbDir, { recursive: true });
  const dbFilename = join(dbDir, 'temporal.sqlite');
  progress(`starting the Temporal dev server on ${config.ip}:${config.temporalPort} (state in ${dbFilename})`);
  const server = await startDevServer({
    port: config.temporalPort,
    uiPort: config.uiPort,
    ip: config.ip,
    namespace: config.namespace,
    dbFilename,
    progress,
    ...(uiCodecEndpoint ? { uiCodecEndpoint } : {}),
  });
  progress(`dev server up in ${server.startMs} ms`);
  return {
    connection: server.env.connection,
    nativeConnection: server.env.nativeConnection,
    address: server.address,
    server,
  };
}

export async function startStack(
  config: StackConfig,
  site: SiteConfig,
  progress: Progress,
  opts: StackOptions = {},
): Promise<RunningStack> {
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) await stop().catch((err: Error) => progress(`while stopping: ${err.message}`));
  };
  try {
    if (await portOpen(site.httpPort, '127.0.0.1'))
      throw new ConfigError(
        `The webhook port ${site.httpPort} is already in use. Choose another with WITKEY_HTTP_PORT.`,
      );
    const auditDir = site.auditDir ?? join(config.dataDir, 'audit');
    const keys = opts.codec?.keys ?? {};
    const dataConverter = dataConverterOf(keys);

    const codecServer = await startEmbeddedCodecServer(config, keys, opts.codec?.server, progress);
    if (codecServer) stops.push(() => codecServer.close());
    const temporal = await connectTemporal(config, progress, codecServer?.url);
    stops.push(async () => {
      if (temporal.server) await temporal.server.env.teardown();
      else {
        await temporal.connection.close();
        await temporal.nativeConnection.close();
      }
    });
    const client = new Client({
      connection: temporal.connection,
      namespace: config.namespace,
      dataConverter,
      interceptors: clientTracing(opts.tracing),
    });
    progress(describeCodec(keys));

    let sandbox: Sandbox | undefined;
    let settings = site.alipay;
    if (!settings) {
      if (await portOpen(site.sandboxPort, '127.0.0.1'))
        throw new ConfigError(
          `The sandbox port ${site.sandboxPort} is already in use. Choose another with WITKEY_SANDBOX_PORT.`,
        );
      sandbox = await startSandbox({
        dataDir: join(config.dataDir, 'sandbox'),
        port: site.sandboxPort,
        feeRates: site.feeRates,
        ...(opts.sandboxTimeFactor ? { timeFactor: opts.sandboxTimeFactor } : {}),
        ...(opts.logger ? { log: sandboxLog(opts.logger) } : {}),
      });
      stops.push(() => sandbox!.stop());
      progress(`Alipay sandbox (local gateway emulator) on ${sandbox.url}, keys in ${sandbox.config.dataDir}/keys`);
      // the site's protocol settings (ALIPAY_SIGN_TYPE, ALIPAY_INPUT_CHARSET, ALIPAY_NOTIFY_VERIFY) hold with the sandbox too
      settings = {
        ...siteSettingsForSandbox(sandbox.publicConfig(), site.publicUrl, site.protocol),
        notifyVerify: site.protocol.notifyVerify,
      };
    }

    const worker = await createWitkeyWorker(
      temporal.nativeConnection,
      {
        namespace: config.namespace,
        taskQueue: config.taskQueue,
        dataConverter,
        tracing: opts.tracing,
        maxCachedWorkflows: maxCachedWorkflowsOf(),
      },
      createActivities(settings.gateway, { auditDir }),
    );
    const running = worker.run();
    stops.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch((err: Error) => progress(`worker stopped with an error: ${err.message}`));
    });
    progress(`worker polling task queue "${config.taskQueue}"`);

    const webhook = buildWebhook({
      client,
      taskQueue: config.taskQueue,
      inbound: settings.inbound,
      notifyVerify: settings.notifyVerify
        ? { gatewayUrl: settings.gateway.gatewayUrl, partner: settings.gateway.partner, timeoutMs: 10_000 }
        : undefined,
      logger: opts.logger ? opts.logger.child({ component: 'webhook' }) : { level: 'info' },
      ...(opts.tracing ? { tracer: opts.tracing.tracer } : {}),
      workerPolling: async () => worker.getState() === 'RUNNING',
    });
    await webhook.listen({ host: site.httpHost, port: site.httpPort });
    const webhookUrl = `http://${site.httpHost.includes(':') ? `[${site.httpHost}]` : site.httpHost}:${site.httpPort}`;
    stops.push(() => webhook.close());
    progress(
      `webhook on ${webhookUrl} (Alipay calls ${site.publicUrl}/alipay/notify; notify_verify ${settings.notifyVerify ? 'on' : 'off'})`,
    );

    const tasks = new WitkeyTasks(client, {
      taskQueue: config.taskQueue,
      feeRates: site.feeRates,
      auditDir,
      settings: { paymentTimeoutMs: site.paymentTimeoutMs, ...opts.taskSettings },
    });
    let stopped: Promise<void> | undefined;
    return {
      client,
      address: temporal.address,
      namespace: config.namespace,
      taskQueue: config.taskQueue,
      uiUrl: temporal.server ? `http://localhost:${config.uiPort}` : undefined,
      codecUrl: temporal.server ? codecServer?.url : undefined,
      worker,
      sandbox,
      webhook,
      webhookUrl,
      tasks,
      stop: () => (stopped ??= stopAll()),
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/**
 * The codec server of the dev server's Web UI, on loopback, answering the UI's origins only: when payloads are
 * encrypted and this process starts the dev server (an existing server's UI is configured where it runs).
 */
async function startEmbeddedCodecServer(
  config: StackConfig,
  keys: CodecKeys,
  server: CodecServerSettings | undefined,
  progress: Progress,
): Promise<{ url: string; close(): Promise<void> } | undefined> {
  if (!keys.keyring || !server || config.temporalAddress) return undefined;
  if (server.port !== 0 && (await portOpen(server.port, server.host)))
    throw new ConfigError(
      `The codec server port ${server.port} is already in use. Choose another with WITKEY_CODEC_PORT.`,
    );
  const running = await startCodecServer({
    codec: new EncryptionCodec(keys.keyring),
    allowedOrigins: server.origins,
    host: server.host,
    port: server.port,
    ...(server.token ? { token: server.token } : {}),
  });
  progress(
    `codec server on ${running.url} (the Web UI decodes payloads through it; origins ${server.origins.join(', ')})`,
  );
  return running;
}

function sandboxLog(logger: Logger): (line: string, fields?: object) => void {
  const log = logger.child({ component: 'sandbox' });
  return (line, fields) => log.info(fields ?? {}, line);
}
