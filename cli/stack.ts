/**
 * The embedded stack: the Temporal dev server (SQLite under the data folder, Web UI) or an existing server
 * from TEMPORAL_ADDRESS, the witkey search attributes, and the worker. Later parts add the sandbox and webhook.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { ensureSearchAttributes } from '../devstack/namespace';
import { portOpen } from '../devstack/ports';
import { startDevServer, type StartedServer } from '../devstack/servers';
import type { Progress } from '../devstack/executable';
import { createWitkeyWorker } from '../worker';
import { ConfigError, type StackConfig } from './config';

export interface RunningStack {
  connection: Connection;
  address: string;
  namespace: string;
  taskQueue: string;
  /** The Web UI, when this process started the dev server. */
  uiUrl?: string;
  worker: Worker;
  /** Stops what this process started (worker, then server), in order. Idempotent. */
  stop(): Promise<void>;
}

export async function startStack(config: StackConfig, progress: Progress): Promise<RunningStack> {
  let server: StartedServer | undefined;
  let connection: Connection;
  let nativeConnection: NativeConnection;
  let address: string;
  if (config.temporalAddress) {
    address = config.temporalAddress;
    progress(`using the Temporal server at ${address} (TEMPORAL_ADDRESS); starting none`);
    connection = await Connection.connect({ address });
    nativeConnection = await NativeConnection.connect({ address });
    const added = await ensureSearchAttributes(connection, config.namespace).catch((err: Error) => {
      progress(`warning: could not register search attributes on ${address}: ${err.message}`);
      return [];
    });
    if (added.length) progress(`registered search attributes: ${added.join(', ')}`);
  } else {
    for (const [what, port] of [['gRPC', config.temporalPort], ['Web UI', config.uiPort]] as const) {
      if (await portOpen(port, config.ip)) {
        throw new ConfigError(`The ${what} port ${port} is already in use (another Temporal server?). Choose another with --${what === 'gRPC' ? 'port' : 'ui-port'}, or point TEMPORAL_ADDRESS at the running server.`);
      }
    }
    const dbDir = join(config.dataDir, 'temporal');
    await mkdir(dbDir, { recursive: true });
    const dbFilename = join(dbDir, 'temporal.sqlite');
    progress(`starting the Temporal dev server on ${config.ip}:${config.temporalPort} (state in ${dbFilename})`);
    server = await startDevServer({ port: config.temporalPort, uiPort: config.uiPort, ip: config.ip, namespace: config.namespace, dbFilename, progress });
    progress(`dev server up in ${server.startMs} ms`);
    connection = server.env.connection;
    nativeConnection = server.env.nativeConnection;
    address = server.address;
  }

  const worker = await createWitkeyWorker(nativeConnection, { namespace: config.namespace, taskQueue: config.taskQueue });
  const running = worker.run();
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch((err: Error) => progress(`worker stopped with an error: ${err.message}`));
      if (server) await server.env.teardown();
      else {
        await connection.close();
        await nativeConnection.close();
      }
    })());
  return {
    connection,
    address,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    uiUrl: server ? `http://localhost:${config.uiPort}` : undefined,
    worker,
    stop,
  };
}
