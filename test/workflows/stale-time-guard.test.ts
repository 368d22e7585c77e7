/**
 * The stale-clock detector (workflows/stale-time-guard.ts) over activation sequences as SDK core 1.24.0 hands them
 * to a worker: the one it must refuse (a fresh worker's legacy query task applying new events on the previous task's
 * time, as test/integration/fresh-worker-time.test.ts provokes) and the ones it must let through.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { coresdk } from '@temporalio/proto';
import { StaleClockDetector } from '../../workflows/stale-time-guard';
import { STALE_TIME_FAILURE } from '../../workflows/messages';

type Activation = coresdk.workflow_activation.IWorkflowActivation;
type JobName = 'initializeWorkflow' | 'doUpdate' | 'resolveActivity' | 'signalWorkflow' | 'fireTimer' | 'queryWorkflow';

const T0 = Date.parse('2026-11-30T13:17:57.841Z');

function activation(atMs: number, historyLength: number, jobs: JobName[], isReplaying = false): Activation {
  return {
    timestamp: { seconds: Math.floor(atMs / 1000), nanos: (atMs % 1000) * 1e6 },
    historyLength,
    isReplaying,
    jobs: jobs.map((j) => ({ [j]: {} })),
  } as unknown as Activation;
}

function verdicts(sequence: Activation[]): Array<string | undefined> {
  const detector = new StaleClockDetector();
  return sequence.map((a) => detector.check(a));
}

describe('stale workflow clock', () => {
  test('a fresh worker replays, then meets new events on the time of the last task: refused', () => {
    const v = verdicts([
      activation(T0, 3, ['initializeWorkflow', 'doUpdate'], true),
      activation(T0 + 317, 19, ['resolveActivity'], true),
      activation(T0 + 428, 24, ['signalWorkflow'], true),
      activation(T0 + 428, 24, ['queryWorkflow'], true),
      activation(T0 + 428, 32, ['fireTimer']), // the expiry fired while no worker ran: stale
    ]);
    assert.deepEqual(v.slice(0, 4), [undefined, undefined, undefined, undefined]);
    assert.match(v[4] ?? '', new RegExp(`^${STALE_TIME_FAILURE}: new events \\(history 24 → 32\\)`));
  });

  test('an activity result on the last task time is refused like a timer', () => {
    const v = verdicts([
      activation(T0, 3, ['initializeWorkflow', 'doUpdate'], true),
      activation(T0 + 900, 12, ['signalWorkflow'], true),
      activation(T0 + 900, 17, ['resolveActivity']),
    ]);
    assert.equal(v[2]?.startsWith(STALE_TIME_FAILURE), true);
  });

  test('the real task after it (its own, later time) goes through', () => {
    const detector = new StaleClockDetector();
    detector.check(activation(T0, 3, ['initializeWorkflow'], true));
    assert.ok(detector.check(activation(T0, 9, ['fireTimer'])));
    // the worker dropped the run; the real task replays from the start on a new run with its own time
    const fresh = new StaleClockDetector();
    assert.equal(fresh.check(activation(T0, 3, ['initializeWorkflow'], true)), undefined);
    assert.equal(fresh.check(activation(T0 + 10_000, 10, ['fireTimer'])), undefined);
  });

  test('live tasks, replays, queries and batches of one activation go through', () => {
    const v = verdicts([
      activation(T0, 3, ['initializeWorkflow', 'doUpdate']),
      activation(T0 + 5, 8, ['resolveActivity']),
      activation(T0 + 5, 8, ['queryWorkflow']), // a query on the same task: no new events
      activation(T0 + 9, 12, ['signalWorkflow']), // signals first, ...
      activation(T0 + 9, 12, ['resolveActivity']), // ... then the rest of the same activation (same length)
      activation(T0 + 9, 12, ['queryWorkflow'], true),
      activation(T0 + 20, 20, ['fireTimer']),
    ]);
    assert.deepEqual(
      v,
      v.map(() => undefined),
    );
  });

  test('a replay never refuses, whatever its times (a recorded history must replay)', () => {
    const v = verdicts([
      activation(T0, 3, ['initializeWorkflow'], true),
      activation(T0, 9, ['fireTimer'], true),
      activation(T0, 15, ['resolveActivity'], true),
    ]);
    assert.deepEqual(v, [undefined, undefined, undefined]);
  });
});
