/**
 * Test harness: one Temporal server per test file, started through the SDK from the user cache on free
 * loopback ports, stopped afterwards. Two concurrent runs on one machine never share a server.
 */
import {
  startDevServer,
  startTimeSkippingServer,
  type DevServerOptions,
  type StartedServer,
} from '../../devstack/servers';

const quiet = (message: string): void => {
  if (process.env.WITKEY_TEST_VERBOSE) process.stderr.write(`[devstack] ${message}\n`);
};

export function devServer(opts: DevServerOptions = {}): Promise<StartedServer> {
  return startDevServer({ progress: quiet, ...opts });
}

export function timeSkippingServer(): Promise<StartedServer> {
  return startTimeSkippingServer({ progress: quiet });
}

import { DefaultLogger, Runtime } from '@temporalio/worker';

// Workers in tests log warnings and errors only (set WITKEY_TEST_VERBOSE=1 for everything).
Runtime.install({ logger: new DefaultLogger(process.env.WITKEY_TEST_VERBOSE ? 'INFO' : 'WARN') });
