/**
 * `witkey cluster`: the production shape on one machine. PostgreSQL; N Temporal server nodes forming one cluster
 * behind a loopback load balancer; the Web UI server; the sandbox gateway; N workers; N webhooks behind one public
 * URL (a second loopback balancer, where Alipay's notifications arrive); the codec server the Web UI decodes the
 * encrypted payloads through (one key for the whole cluster, handed to every witkey process). Every piece is a process of its own, so a
 * batch can kill any of them (cli/cluster/batch.ts). `stop()` tears everything down, the database included.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import type { ManagedProcess } from '../../devstack/cluster/managed-process';
import { startDevServerNode } from '../../devstack/cluster/dev-server-node';
import { startTcpBalancer, type TcpBalancer } from '../../devstack/cluster/tcp-balancer';
import { startTemporalCluster, type TemporalCluster } from '../../devstack/cluster/temporal-cluster';
import { startWebUi, webUiOrigins, type WebUi } from '../../devstack/cluster/web-ui';
import { writeNewKeyFile } from '../../codec';
import type { Progress } from '../../devstack/executable';
import { ensureNamespace, ensureSearchAttributes } from '../../devstack/namespace';
import { freePort, waitForPort } from '../../devstack/ports';
import { startPostgres, type RunningPostgres } from '../../devstack/postgres';
import { resolveTemporalServer, resolveUiServer } from '../../devstack/temporal-server';
import { WORKER_NODE_FLAGS } from '../worker-memory';
import { witkeyProcess } from './witkey-processes';

export interface ClusterOptions {
  temporalNodes: number;
  workers: number;
  webhooks: number;
  namespace: string;
  taskQueue: string;
  /** The sandbox's resend schedule divided by this (compressed time for batches). */
  sandboxTimeFactor: number;
  /** Keep the work folder (logs) after stop. */
  keepLogs: boolean;
  /** Temporal as N server nodes on PostgreSQL (default), or one dev server on SQLite (the embedded shape). */
  temporal?: 'cluster' | 'dev-server';
  /** Start the Web UI server (default true). */
  webUi?: boolean;
  progress: Progress;
}

export interface ClusterStack {
  workDir: string;
  temporal: TemporalCluster;
  /** Unless started without it (`webUi: false`). */
  ui?: WebUi;
  sandbox: { url: string; process: ManagedProcess };
  /** The codec keys of every witkey process (one key, made for this cluster) and the codec server of the Web UI. */
  codec: { keysDir: string; url: string; process: ManagedProcess };
  workers: ManagedProcess[];
  webhooks: ManagedProcess[];
  /** Where Alipay's notifications and the browsers' returns arrive: the balancer in front of the webhooks. */
  publicUrl: string;
  /** Each worker's Prometheus endpoint (the Temporal SDK's metrics). */
  workerMetrics: string[];
  /** Waits until a restarted sandbox or webhook listens again. */
  waitListening(p: ManagedProcess): Promise<void>;
  stop(): Promise<void>;
}

export async function startClusterStack(opts: ClusterOptions): Promise<ClusterStack> {
  const workDir = await mkdtemp(join(tmpdir(), 'witkey-cluster-'));
  const stops: (() => Promise<void>)[] = [];
  const stop = async (): Promise<void> => {
    for (const s of stops.reverse()) await s().catch((err: Error) => opts.progress(`while stopping: ${err.message}`));
    stops.length = 0;
    if (!opts.keepLogs) await rm(workDir, { recursive: true, force: true });
  };
  try {
    const temporal = await startTemporal(opts, workDir, stops);
    const uiPort = await freePort();
    const codec = await startCodecServerProcess(workDir, webUiOrigins(uiPort), opts);
    stops.push(() => codec.process.stop());
    let ui: WebUi | undefined;
    if (opts.webUi !== false) {
      const started = await startWebUi({
        binary: await resolveUiServer(opts.progress),
        workDir,
        temporalAddress: temporal.address,
        namespace: opts.namespace,
        port: uiPort,
        codecEndpoint: codec.url,
      });
      stops.push(() => started.process.stop());
      opts.progress(`Web UI on ${started.url} (decoding payloads through ${codec.url})`);
      ui = started;
    }
    const apps = await startWitkeyProcesses(opts, workDir, temporal.address, codec.keysDir, stops);
    return { workDir, temporal, ui, codec, ...apps, stop };
  } catch (err) {
    opts.progress(`cluster start failed; logs in ${workDir}`);
    opts.keepLogs = true;
    await stop();
    throw err;
  }
}

async function startTemporal(
  opts: ClusterOptions,
  workDir: string,
  stops: (() => Promise<void>)[],
): Promise<TemporalCluster> {
  if (opts.temporal === 'dev-server') {
    const dev = await startDevServerNode({ workDir, progress: opts.progress });
    stops.push(() => dev.stop());
    await registerNamespace(dev.address, opts);
    return dev;
  }
  const db: RunningPostgres = await startPostgres(opts.progress); // first: a missing PostgreSQL fails fast
  stops.push(() => db.stop());
  const pieces = await resolveTemporalServer(opts.progress);
  const temporal = await startTemporalCluster({
    nodes: opts.temporalNodes,
    workDir,
    db,
    pieces,
    progress: opts.progress,
  });
  stops.push(() => temporal.stop());
  await registerNamespace(temporal.address, opts);
  return temporal;
}

/** The namespace with its retention and the witkey search attributes, through the operator API once it answers. */
async function registerNamespace(address: string, opts: ClusterOptions): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    await retryWhileStarting(() => ensureNamespace(connection, opts.namespace));
    const added = await retryWhileStarting(() => ensureSearchAttributes(connection, opts.namespace));
    opts.progress(`namespace ${opts.namespace} registered; search attributes ${added.join(', ') || 'present'}`);
  } finally {
    await connection.close();
  }
}

async function retryWhileStarting<T>(fn: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

async function startWitkeyProcesses(
  opts: ClusterOptions,
  workDir: string,
  temporalAddress: string,
  codecKeysDir: string,
  stops: (() => Promise<void>)[],
): Promise<Pick<ClusterStack, 'sandbox' | 'workers' | 'webhooks' | 'publicUrl' | 'workerMetrics' | 'waitListening'>> {
  const sandbox = await startSandboxProcess(opts, workDir);
  stops.push(() => sandbox.process.stop());
  const webhookPorts = await Promise.all(Array.from({ length: opts.webhooks }, () => freePort()));
  const front: TcpBalancer = await startTcpBalancer(webhookPorts);
  stops.push(() => front.stop());
  const publicUrl = `http://${front.address}`;
  const common = {
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_NAMESPACE: opts.namespace,
    WITKEY_TASK_QUEUE: opts.taskQueue,
    WITKEY_PUBLIC_URL: publicUrl,
    WITKEY_SANDBOX_URL: sandbox.url,
    WITKEY_DATA_DIR: workDir,
    WITKEY_CODEC_KEYS_DIR: codecKeysDir,
  };
  const metricsPorts = await Promise.all(Array.from({ length: opts.workers }, () => freePort()));
  const workers = metricsPorts.map((port, i) =>
    witkeyProcess(
      `worker-${i + 1}`,
      ['worker'],
      { ...common, WITKEY_METRICS_ADDR: `127.0.0.1:${port}` },
      workDir,
      WORKER_NODE_FLAGS,
    ),
  );
  const webhooks = webhookPorts.map((port, i) =>
    witkeyProcess(`webhook-${i + 1}`, ['webhook'], { ...common, WITKEY_HTTP_PORT: String(port) }, workDir),
  );
  stops.push(() => Promise.all([...workers, ...webhooks].map((p) => p.stop())).then(() => undefined));
  for (const p of [...workers, ...webhooks]) p.start();
  for (const [i, port] of webhookPorts.entries()) await waitUp(webhooks[i], port);
  opts.progress(`${workers.length} workers and ${webhooks.length} webhooks started; public URL ${publicUrl}`);
  const workerMetrics = metricsPorts.map((port) => `http://127.0.0.1:${port}/metrics`);
  const listening = new Map<ManagedProcess, number>([
    [sandbox.process, Number(new URL(sandbox.url).port)],
    ...webhooks.map((w, i): [ManagedProcess, number] => [w, webhookPorts[i]]),
  ]);
  const waitListening = async (p: ManagedProcess): Promise<void> => {
    const port = listening.get(p);
    if (port === undefined) throw new Error(`${p.name} listens on no known port`);
    await waitUp(p, port);
  };
  return { sandbox, workers, webhooks, publicUrl, workerMetrics, waitListening };
}

async function startSandboxProcess(
  opts: ClusterOptions,
  workDir: string,
): Promise<{ url: string; process: ManagedProcess }> {
  const port = await freePort();
  const args = ['sandbox', '--data-dir', join(workDir, 'sandbox'), '--port', String(port)];
  const process = witkeyProcess('sandbox', [...args, '--time-factor', String(opts.sandboxTimeFactor)], {}, workDir);
  process.start();
  await waitUp(process, port);
  const url = `http://127.0.0.1:${port}`;
  opts.progress(`Alipay sandbox on ${url}`);
  return { url, process };
}

/**
 * The cluster's payload encryption: one new key in the work folder (removed with it), and `witkey codec-server` as a
 * process of its own on a free loopback port, answering the Web UI's origins.
 */
async function startCodecServerProcess(
  workDir: string,
  uiOrigins: string[],
  opts: ClusterOptions,
): Promise<ClusterStack['codec']> {
  const keysDir = join(workDir, 'codec-keys');
  writeNewKeyFile(keysDir, 'cluster');
  const port = await freePort();
  const env = { WITKEY_CODEC_KEYS_DIR: keysDir, WITKEY_CODEC_ORIGINS: uiOrigins.join(',') };
  const process = witkeyProcess('codec-server', ['codec-server', '--port', String(port)], env, workDir);
  process.start();
  await waitUp(process, port);
  const url = `http://127.0.0.1:${port}`;
  opts.progress(`codec server on ${url} (payloads encrypted, key "cluster" in ${keysDir})`);
  return { keysDir, url, process };
}

async function waitUp(process: ManagedProcess, port: number): Promise<void> {
  const up = await Promise.race([waitForPort(port, 60_000), process.whenExited().then(() => false)]);
  if (!up) throw new Error(`${process.name} did not start; its log: ${process.spec.logFile}`);
}
