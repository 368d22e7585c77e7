/**
 * How many bounty tasks a worker keeps in memory between their workflow tasks (the SDK's `maxCachedWorkflows`). The
 * SDK's default grows with the machine's memory (2,310 here); a cached task costs about 1.6 MiB of the worker's
 * memory (bench open-tasks: 330 → 807 MiB from 100 to 400 open tasks), so the default would grow a worker with
 * thousands of open tasks past several GiB. A task that is not cached replays its history on its next workflow task
 * (a lifecycle is about a hundred events: milliseconds), so a bounded cache costs little CPU.
 */
import { parseCount } from './parse';

export const DEFAULT_MAX_CACHED_WORKFLOWS = 300;

/** WITKEY_MAX_CACHED_WORKFLOWS (1–100000), default DEFAULT_MAX_CACHED_WORKFLOWS. */
export function maxCachedWorkflowsOf(env: NodeJS.ProcessEnv = process.env): number {
  return (
    parseCount('WITKEY_MAX_CACHED_WORKFLOWS', env.WITKEY_MAX_CACHED_WORKFLOWS, 1, 100_000) ??
    DEFAULT_MAX_CACHED_WORKFLOWS
  );
}
