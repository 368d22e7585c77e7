/**
 * A Temporal dev server for a benchmark that needs only Temporal (worker-start): the CLI's `server start-dev`,
 * in memory, on free loopback ports, started through the project's devstack as the tests start theirs.
 */
import { startDevServer, type StartedServer } from '../../devstack/servers';

export function benchDevServer(): Promise<StartedServer> {
  return startDevServer({ progress: () => undefined });
}
