/** The Temporal Web UI server (the version the CLI embeds) pointed at the cluster, on a loopback port. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitForPort } from '../ports';
import { ManagedProcess } from './managed-process';

export interface WebUi {
  url: string;
  process: ManagedProcess;
}

/** The origins of the Web UI on a loopback port (its URL is the first). */
export function webUiOrigins(port: number): string[] {
  return [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
}

export async function startWebUi(opts: {
  binary: string;
  workDir: string;
  temporalAddress: string;
  namespace: string;
  port: number;
  /** The codec server the browser decodes payloads through (the config's codec.endpoint). */
  codecEndpoint?: string;
}): Promise<WebUi> {
  const root = join(opts.workDir, 'ui');
  await mkdir(join(root, 'config'), { recursive: true });
  const origins = webUiOrigins(opts.port);
  const config = {
    temporalGrpcAddress: opts.temporalAddress,
    host: '127.0.0.1',
    port: opts.port,
    enableUi: true,
    defaultNamespace: opts.namespace,
    notifyOnNewVersion: false,
    cors: { allowOrigins: origins, cookieInsecure: true },
    ...(opts.codecEndpoint ? { codec: { endpoint: opts.codecEndpoint } } : {}),
  };
  await writeFile(join(root, 'config', 'cluster.yaml'), JSON.stringify(config, null, 2));
  const process = new ManagedProcess({
    name: 'web-ui',
    command: opts.binary,
    args: ['--root', root, '--config', 'config', '--env', 'cluster', 'start'],
    logFile: join(root, 'ui.log'),
  });
  process.start();
  const up = await Promise.race([waitForPort(opts.port, 60_000), process.whenExited().then(() => false)]);
  if (!up) throw new Error(`the Web UI server did not start; its log: ${process.spec.logFile}`);
  return { url: origins[0], process };
}
