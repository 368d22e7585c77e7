/**
 * The chaos suite's "hostile input" scenario in its short form (about 300 inputs per surface): every count is 0
 * and no problem is reported. The full form (10,000 per surface): WITKEY_HOSTILE_RUNS=10000. CI uses one fixed seed
 * (WITKEY_HOSTILE_SEED overrides it) so that a run is repeatable; `npm run chaos` draws a new seed every run.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostileInput } from '../../chaos/hostile';

test(
  'hostile input: no 5xx, no crash, no forged notification accepted, no state change, clear errors',
  { timeout: 900_000 }, // a guard against a hang, not a speed test
  async () => {
    const perSurface = process.env.WITKEY_HOSTILE_RUNS ? Number(process.env.WITKEY_HOSTILE_RUNS) : undefined;
    const seed = Number(process.env.WITKEY_HOSTILE_SEED ?? 20261130);
    const row = await hostileInput.run({
      short: true,
      say: (line) => (process.env.WITKEY_TEST_VERBOSE || perSurface ? process.stderr.write(`${line}\n`) : undefined),
      ...(perSurface ? { perSurface } : {}),
      seed,
    });
    assert.deepEqual(row.problems, []);
    assert.ok(row.faultsInjected > 0);
    assert.equal(row.serverErrors, 0);
    assert.equal(row.crashes, 0);
    assert.equal(row.forgedAccepted, 0);
  },
);
