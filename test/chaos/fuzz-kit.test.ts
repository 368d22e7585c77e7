/**
 * The hostile-input kit (chaos/hostile/kit.ts): every one of numRuns inputs is tried, however long it takes (a time
 * limit used to end the client API's run after ~1,600 of 10,000); a failure is counted once, its inputs re-run while
 * shrinking are not counted again, and the shrunk counter-example is the problem line.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { fuzz, Finding } from '../../chaos/hostile/kit';
import { emptyRow } from '../../chaos/row';

const quiet = { say: () => undefined };

test('every input is tried and counted', async () => {
  const row = emptyRow('kit');
  let seen = 0;
  await fuzz(
    row,
    'numbers',
    fc.integer(),
    async () => {
      seen++;
      await new Promise((r) => setImmediate(r));
    },
    { numRuns: 2_000, seed: 7, ...quiet },
  );
  assert.equal(seen, 2_000);
  assert.equal(row.faultsInjected, 2_000);
  assert.deepEqual(row.problems, []);
});

test('a failure: counted once by its kind, shrunk to the smallest input, shrinking not counted as inputs', async () => {
  const row = emptyRow('kit');
  await fuzz(
    row,
    'numbers',
    fc.integer({ min: 0, max: 1_000_000 }),
    async (n) => {
      if (n >= 1_000) throw new Finding('serverError', `HTTP 500 for ${n}`);
    },
    { numRuns: 5_000, seed: 7, ...quiet },
  );
  assert.equal(row.serverErrors, 1);
  assert.equal(row.problems.length, 1);
  assert.match(row.problems[0], /^numbers: HTTP 500 for 1000 — counter-example \(seed 7\): 1000$/);
  assert.ok(row.faultsInjected < 5_000, `stopped at the first failure: ${row.faultsInjected}`);
});
