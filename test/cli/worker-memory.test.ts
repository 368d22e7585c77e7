/**
 * A worker's memory: the cache of tasks is bounded by default (WITKEY_MAX_CACHED_WORKFLOWS, a bad value refused), and
 * the heap limit its launchers give it is the one Node applies.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import {
  DEFAULT_MAX_CACHED_WORKFLOWS,
  describeWorkerMemory,
  maxCachedWorkflowsOf,
  WORKER_HEAP_LIMIT_MIB,
  WORKER_NODE_FLAGS,
} from '../../cli/worker-memory';

test('the worker keeps 300 tasks in memory unless told otherwise', () => {
  assert.equal(DEFAULT_MAX_CACHED_WORKFLOWS, 300);
  assert.equal(maxCachedWorkflowsOf({}), 300);
  assert.equal(maxCachedWorkflowsOf({ WITKEY_MAX_CACHED_WORKFLOWS: '1200' }), 1200);
});

test('a cache size that is not a whole number from 1 to 100000 is refused, naming the variable', () => {
  for (const bad of ['0', '-5', '1.5', 'lots', '100001'])
    assert.throws(() => maxCachedWorkflowsOf({ WITKEY_MAX_CACHED_WORKFLOWS: bad }), /WITKEY_MAX_CACHED_WORKFLOWS/);
});

test('a worker names its cache and heap limit, and warns only when the heap is left at a large default', () => {
  assert.deepEqual(WORKER_NODE_FLAGS, [`--max-old-space-size=${WORKER_HEAP_LIMIT_MIB}`]);
  assert.deepEqual(describeWorkerMemory(300, 512), { line: 'up to 300 tasks cached, heap limit 512 MiB' });
  const big = describeWorkerMemory(300, 4144);
  assert.match(big.warning ?? '', /Node's default \(4144 MiB\).*--max-old-space-size=512.*Worker memory/);
});

test('a worker started with the flags runs with that heap limit (the flag a launcher passes is the one Node reads)', () => {
  const out = execFileSync(process.execPath, [
    ...WORKER_NODE_FLAGS,
    '-e',
    'process.stdout.write(String(require("node:v8").getHeapStatistics().heap_size_limit))',
  ]);
  const limit = Number(out.toString()) / 1024 ** 2;
  assert.ok(limit >= WORKER_HEAP_LIMIT_MIB && limit < WORKER_HEAP_LIMIT_MIB + 128, `heap limit ${limit} MiB`);
});
