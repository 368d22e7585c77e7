/**
 * A Temporal dev server for a benchmark that needs only Temporal (worker-start): the CLI's `server start-dev`,
 * in memory, on free loopback ports, started through the project's devstack as the tests start theirs.
 *
 * One partition per task queue: with the server's default of four, a workflow task written before any worker polls
 * sits in one partition's backlog until a poll reaches that partition, which added about 1.5 s to some launches (the
 * pre-built worker's launch → first task was 0.5 s or 2.07 s from pair to pair): the server's dispatch, not the
 * worker's start-up.
 */
import { startDevServer, type StartedServer } from '../../devstack/servers';

const ONE_PARTITION = {
  'matching.numTaskqueueReadPartitions': 1,
  'matching.numTaskqueueWritePartitions': 1,
};

export function benchDevServer(): Promise<StartedServer> {
  return startDevServer({ progress: () => undefined, dynamicConfig: ONE_PARTITION });
}
