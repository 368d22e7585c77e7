/**
 * The short model run that `npm test` includes: a few seeded random sequences of publisher, admin and operator
 * actions, Alipay faults, time jumps and worker restarts against the whole stack (time-skipping Temporal, sandbox,
 * webhook, worker), each with its own task, checked after every step and at the end (test/model/sequence.ts). The
 * seed is random on every run and printed; a failure prints the one-line command that replays exactly it and the
 * shrunk command list. The long run is `WITKEY_MODEL_RUNS=1000 npm run test:model` (README, "Model test").
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatFailure, formatSummary, optionsFromEnv, runModel } from './run';

test('model: random task lifecycles keep every invariant (short run)', { timeout: 300_000 }, async (t) => {
  const lines: string[] = [];
  const options = optionsFromEnv(process.env, {
    runs: 6,
    maxCommands: 20,
    shrinkRuns: 15,
    stackSequences: 1_000,
    timeLimitMs: 90_000,
    command: 'npm run test:model',
    log: (line) => lines.push(line),
  });
  const summary = await runModel(options);
  t.diagnostic(formatSummary(summary));
  for (const line of lines) t.diagnostic(line);
  assert.ok(summary.sequences > 0, 'at least one sequence ran');
  assert.equal(summary.failures.length, 0, summary.failures.map(formatFailure).join('\n\n'));
});
