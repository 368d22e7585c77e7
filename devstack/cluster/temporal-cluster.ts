/**
 * A Temporal cluster of several server processes on one PostgreSQL: the schemas applied by Temporal's own schema
 * tool, each node running frontend, history, matching and worker services on its own loopback ports, the nodes
 * joined through membership in the database, and one loopback load balancer in front of their frontends.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Progress } from '../executable';
import { run } from '../process';
import { waitForPort } from '../ports';
import type { RunningPostgres } from '../postgres';
import type { TemporalServerPieces } from '../temporal-server';
import { ManagedProcess } from './managed-process';
import {
  allocateNodePorts,
  dynamicConfig,
  nodeConfig,
  TEMPORAL_DATABASES,
  type Database,
  type NodePorts,
} from './server-config';
import { startTcpBalancer, type TcpBalancer } from './tcp-balancer';

export interface TemporalNode {
  process: ManagedProcess;
  /** Its ports (a dev server: the frontend only; the others are its own business). */
  ports: Pick<NodePorts, 'frontend'> & Partial<NodePorts>;
}

export interface TemporalCluster {
  /** The load balancer in front of every node's frontend (a dev server: its own address): what clients dial. */
  address: string;
  /** How a node is taken down in a chaos run: SIGKILL (a cluster node) or a stop (the dev server, on its SQLite). */
  kind: 'cluster' | 'dev-server';
  nodes: TemporalNode[];
  /** Starts a node again after a kill and waits until its frontend listens. */
  restart(node: TemporalNode): Promise<void>;
  stop(): Promise<void>;
}

export interface TemporalClusterOptions {
  nodes: number;
  workDir: string;
  db: RunningPostgres;
  pieces: TemporalServerPieces;
  progress: Progress;
}

export async function startTemporalCluster(opts: TemporalClusterOptions): Promise<TemporalCluster> {
  await applySchemas(opts.pieces, opts.db, opts.progress);
  const allPorts = await Promise.all(Array.from({ length: opts.nodes }, () => allocateNodePorts()));
  const balancer = await startTcpBalancer(allPorts.map((p) => p.frontend));
  const dynamicConfigFile = join(opts.workDir, 'dynamicconfig.yaml');
  await writeFile(dynamicConfigFile, JSON.stringify(dynamicConfig(), null, 2));
  const nodes: TemporalNode[] = [];
  for (const [i, ports] of allPorts.entries()) {
    nodes.push(await prepareNode(i + 1, ports, opts, dynamicConfigFile, balancer));
  }
  const cluster = clusterHandle(nodes, balancer, opts.progress);
  try {
    for (const node of nodes) await cluster.restart(node);
    await waitForMembership(opts.db, opts.nodes, opts.progress);
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}

function clusterHandle(nodes: TemporalNode[], balancer: TcpBalancer, progress: Progress): TemporalCluster {
  return {
    address: balancer.address,
    kind: 'cluster',
    nodes,
    restart: async (node) => {
      node.process.start();
      const up = await Promise.race([
        waitForPort(node.ports.frontend, 120_000),
        node.process.whenExited().then(() => false),
      ]);
      if (!up) throw new Error(`${node.process.name} did not start; its log: ${node.process.spec.logFile}`);
      progress(`${node.process.name} up: frontend 127.0.0.1:${node.ports.frontend} (pid ${node.process.pid})`);
    },
    stop: async () => {
      await balancer.stop();
      await Promise.all(nodes.map((n) => n.process.stop()));
    },
  };
}

async function prepareNode(
  n: number,
  ports: NodePorts,
  opts: TemporalClusterOptions,
  dynamicConfigFile: string,
  balancer: TcpBalancer,
): Promise<TemporalNode> {
  const root = join(opts.workDir, `temporal-${n}`);
  await mkdir(join(root, 'config'), { recursive: true });
  const config = nodeConfig(ports, database(opts.db), dynamicConfigFile, join(root, 'server.log'), balancer.address);
  await writeFile(join(root, 'config', 'cluster.yaml'), JSON.stringify(config, null, 2));
  const process = new ManagedProcess({
    name: `temporal-${n}`,
    command: opts.pieces.server,
    args: ['--root', root, '--config', 'config', '--env', 'cluster', '--allow-no-auth', 'start'],
    logFile: join(root, 'stdout.log'),
  });
  return { process, ports };
}

function database(db: RunningPostgres): Database {
  return { host: db.host, port: db.port, user: db.user, password: db.password };
}

/** Both databases created and brought to the module's newest schema version with temporal-sql-tool. */
async function applySchemas(pieces: TemporalServerPieces, db: RunningPostgres, progress: Progress): Promise<void> {
  const schemaDirs = {
    [TEMPORAL_DATABASES.history]: join(pieces.postgresSchemaDir, 'temporal', 'versioned'),
    [TEMPORAL_DATABASES.visibility]: join(pieces.postgresSchemaDir, 'visibility', 'versioned'),
  };
  for (const [name, versioned] of Object.entries(schemaDirs)) {
    const base = ['--plugin', 'postgres12', '--ep', db.host, '-p', String(db.port), '-u', db.user];
    const tool = (...args: string[]): Promise<void> =>
      run(pieces.sqlTool, [...base, '--pw', db.password, '--db', name, ...args]);
    await tool('create-database');
    await tool('setup-schema', '-v', '0.0');
    await tool('update-schema', '-d', versioned);
    progress(`database ${name}: schema applied (${versioned})`);
  }
}

const ROLES = ['frontend', 'history', 'matching', 'worker'];

/** Every node's four services are live members of the ring (Temporal's cluster_membership table), or an error. */
async function waitForMembership(db: RunningPostgres, nodes: number, progress: Progress): Promise<void> {
  const sql = `select role, count(*) from cluster_membership where record_expiry > now() group by role order by role`;
  const deadline = Date.now() + 60_000;
  let counts: number[] = [];
  while (Date.now() < deadline) {
    const rows = await db.query(TEMPORAL_DATABASES.history, sql);
    counts = ROLES.map((_, i) => Number(rows.find((r) => r.startsWith(`${i + 1}|`))?.split('|')[1] ?? 0));
    if (counts.every((c) => c >= nodes)) {
      progress(`membership: ${counts.map((c, i) => `${c} ${ROLES[i]}`).join(', ')} hosts in one cluster`);
      return;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the ${nodes} nodes did not all join the cluster (members per service: ${counts.join(', ')})`);
}
