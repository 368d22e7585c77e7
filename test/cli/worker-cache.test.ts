/** WITKEY_MAX_CACHED_WORKFLOWS: the worker's cache of tasks is bounded by default, and a bad value is refused. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_MAX_CACHED_WORKFLOWS, maxCachedWorkflowsOf } from '../../cli/worker-cache';

test('the worker keeps 300 tasks in memory unless told otherwise', () => {
  assert.equal(DEFAULT_MAX_CACHED_WORKFLOWS, 300);
  assert.equal(maxCachedWorkflowsOf({}), 300);
  assert.equal(maxCachedWorkflowsOf({ WITKEY_MAX_CACHED_WORKFLOWS: '1200' }), 1200);
});

test('a cache size that is not a whole number from 1 to 100000 is refused, naming the variable', () => {
  for (const bad of ['0', '-5', '1.5', 'lots', '100001'])
    assert.throws(() => maxCachedWorkflowsOf({ WITKEY_MAX_CACHED_WORKFLOWS: bad }), /WITKEY_MAX_CACHED_WORKFLOWS/);
});
