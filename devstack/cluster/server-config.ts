/**
 * The configuration of one Temporal server node of the local cluster: PostgreSQL for history and for advanced
 * visibility (so the witkey search attributes work), every service of the node on its own loopback port, and
 * membership through the database (ringpop) so that the nodes form one cluster. Written as JSON, which YAML reads.
 */
import { freeLowPort } from '../ports';

export interface NodePorts {
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
}

export interface Database {
  host: string;
  port: number;
  user: string;
  password: string;
}

export const TEMPORAL_DATABASES = { history: 'temporal', visibility: 'temporal_visibility' } as const;
export const CLUSTER_NAME = 'witkey-local';
/** Few shards: enough to spread over two nodes, cheap on a small machine. */
export const HISTORY_SHARDS = 8;

export async function allocateNodePorts(): Promise<NodePorts> {
  const names: (keyof NodePorts)[] = [
    'frontend',
    'frontendHttp',
    'frontendMembership',
    'history',
    'historyMembership',
    'matching',
    'matchingMembership',
    'worker',
    'workerMembership',
  ];
  const ports = {} as NodePorts;
  for (const name of names) ports[name] = await freeLowPort();
  return ports;
}

function datastore(db: Database, databaseName: string, maxConns: number): object {
  return {
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${db.host}:${db.port}`,
      connectProtocol: 'tcp',
      user: db.user,
      password: db.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  };
}

function service(grpcPort: number, membershipPort: number, extra: object = {}): object {
  return { rpc: { grpcPort, membershipPort, bindOnLocalHost: true, ...extra } };
}

/** `frontendAddress`: the one address every node records as the cluster's frontend (the load balancer). */
export function nodeConfig(
  ports: NodePorts,
  db: Database,
  dynamicConfigFile: string,
  logFile: string,
  frontendAddress: string,
): object {
  return {
    log: { stdout: false, outputFile: logFile, level: 'warn', format: 'json' },
    persistence: {
      defaultStore: 'history-store',
      visibilityStore: 'visibility-store',
      numHistoryShards: HISTORY_SHARDS,
      datastores: {
        'history-store': datastore(db, TEMPORAL_DATABASES.history, 20),
        'visibility-store': datastore(db, TEMPORAL_DATABASES.visibility, 5),
      },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
    services: {
      frontend: service(ports.frontend, ports.frontendMembership, { httpPort: ports.frontendHttp }),
      history: service(ports.history, ports.historyMembership),
      matching: service(ports.matching, ports.matchingMembership),
      worker: service(ports.worker, ports.workerMembership),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: CLUSTER_NAME,
      currentClusterName: CLUSTER_NAME,
      clusterInformation: {
        [CLUSTER_NAME]: {
          enabled: true,
          initialFailoverVersion: 1,
          rpcName: 'frontend',
          rpcAddress: frontendAddress,
        },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: dynamicConfigFile, pollInterval: '10s' },
  };
}

/** Dynamic config shared by the nodes: search attributes usable as soon as they are registered. */
export function dynamicConfig(): object {
  const one = (value: unknown): object[] => [{ value, constraints: {} }];
  return {
    'system.forceSearchAttributesCacheRefreshOnRead': one(true),
    'limit.maxIDLength': one(255),
  };
}
