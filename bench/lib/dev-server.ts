/**
 * A Temporal dev server for a benchmark (the CLI's `server start-dev`, in-memory, on free loopback ports), started
 * through the project's devstack as the tests start theirs. Its process is a child of the bench process, found by
 * `serverPid` so that its CPU can be read from /proc.
 */
import { startDevServer, type StartedServer } from '../../devstack/servers';
import { descendants } from './proc';

export async function benchDevServer(): Promise<StartedServer & { pid: number | undefined }> {
  const before = new Set(descendants(process.pid));
  const server = await startDevServer({ progress: () => undefined });
  const pid = descendants(process.pid).find((p) => !before.has(p));
  return { ...server, pid };
}
