/**
 * A worker's memory: how many bounty tasks it keeps between their workflow tasks, and the heap limit it runs with.
 *
 * The cache (the SDK's `maxCachedWorkflows`): the SDK's default grows with the machine's memory (2,310 here); a cached
 * task costs about 1.6 MiB (bench open-tasks: 330 → 807 MiB from 100 to 400 open tasks), so the default would grow a
 * worker with thousands of open tasks past several GiB. A task that is not cached replays its history on its next
 * workflow task (a lifecycle is about a hundred events), so a bounded cache costs little CPU.
 *
 * The heap limit: without one, Node lets the heap grow towards a quarter of the machine's memory before collecting, so
 * a worker with 2,000 open tasks showed 1.5 GiB of RSS, mostly garbage; with `--max-old-space-size=512` it stayed at
 * 688–756 MiB (768 gave 946 MiB). A heap limit can only be given when Node starts, so every launcher of
 * `witkey worker` in this project passes WORKER_NODE_FLAGS (the local cluster, docker-compose.yml) and the worker
 * says at start which limit it runs with, warning when it is Node's default.
 */
import { getHeapStatistics } from 'node:v8';
import { parseCount } from './parse';

export const DEFAULT_MAX_CACHED_WORKFLOWS = 300;

/** The heap limit a worker is started with (MiB). */
export const WORKER_HEAP_LIMIT_MIB = 512;

/** Node's flags for a `witkey worker` process: `node ${WORKER_NODE_FLAGS} bin/witkey.js worker`. */
export const WORKER_NODE_FLAGS: readonly string[] = [`--max-old-space-size=${WORKER_HEAP_LIMIT_MIB}`];

/** Above this heap limit a worker with many open tasks grows past 1 GiB of RSS (garbage not yet collected). */
const UNBOUNDED_HEAP_MIB = 1024;

/** WITKEY_MAX_CACHED_WORKFLOWS (1–100000), default DEFAULT_MAX_CACHED_WORKFLOWS. */
export function maxCachedWorkflowsOf(env: NodeJS.ProcessEnv = process.env): number {
  return (
    parseCount('WITKEY_MAX_CACHED_WORKFLOWS', env.WITKEY_MAX_CACHED_WORKFLOWS, 1, 100_000) ??
    DEFAULT_MAX_CACHED_WORKFLOWS
  );
}

/** The heap limit of this process, in MiB. */
export function heapLimitMiB(): number {
  return Math.round(getHeapStatistics().heap_size_limit / 1024 ** 2);
}

/** What a starting worker says about its memory; a warning when the heap is not bounded. */
export function describeWorkerMemory(cacheSize: number, limitMiB: number): { line: string; warning?: string } {
  const line = `up to ${cacheSize} tasks cached, heap limit ${limitMiB} MiB`;
  if (limitMiB <= UNBOUNDED_HEAP_MIB) return { line };
  return {
    line,
    warning:
      `the heap limit is Node's default (${limitMiB} MiB): with many open tasks this worker's memory grows past ` +
      `1 GiB before Node collects it; start it as "node ${WORKER_NODE_FLAGS.join(' ')} bin/witkey.js worker" or ` +
      `with NODE_OPTIONS=${WORKER_NODE_FLAGS.join(' ')} (docs/OPERATIONS.md, "Worker memory")`,
  };
}
