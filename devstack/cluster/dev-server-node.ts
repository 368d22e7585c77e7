/**
 * The embedded shape as processes: Temporal's dev server (the CLI's `server start-dev`) on a SQLite file in the work
 * folder, a process of its own that a chaos run stops and starts again on the same file, with the same handle as a
 * multi-node cluster (one node, no balancer: clients dial its port).
 */
import { join } from 'node:path';
import { resolveTemporalCli } from '../temporal-cli';
import { type Progress } from '../executable';
import { freePort, waitForPort } from '../ports';
import { ManagedProcess } from './managed-process';
import type { TemporalCluster, TemporalNode } from './temporal-cluster';

export async function startDevServerNode(opts: { workDir: string; progress: Progress }): Promise<TemporalCluster> {
  const cli = await resolveTemporalCli(opts.progress);
  if (cli.type !== 'existing-path') throw new Error('the Temporal CLI is not built (witkey provision builds it)');
  const [port, httpPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const process = new ManagedProcess({
    name: 'temporal-dev',
    command: cli.path,
    args: [
      'server',
      'start-dev',
      '--headless',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--http-port',
      String(httpPort),
      '--metrics-port',
      String(metricsPort),
      '--db-filename',
      join(opts.workDir, 'temporal.sqlite'),
      '--log-level',
      'warn',
      '--disable-config-file',
      '--disable-config-env',
    ],
    logFile: join(opts.workDir, 'temporal-dev.log'),
  });
  const node: TemporalNode = { process, ports: { frontend: port } };
  const restart = async (n: TemporalNode): Promise<void> => {
    n.process.start();
    const up = await Promise.race([waitForPort(port, 120_000), n.process.whenExited().then(() => false)]);
    if (!up) throw new Error(`the dev server did not start; its log: ${n.process.spec.logFile}`);
    opts.progress(`dev server up on 127.0.0.1:${port} (SQLite ${join(opts.workDir, 'temporal.sqlite')})`);
  };
  await restart(node);
  return {
    address: `127.0.0.1:${port}`,
    kind: 'dev-server',
    nodes: [node],
    restart,
    stop: () => process.stop(),
  };
}
