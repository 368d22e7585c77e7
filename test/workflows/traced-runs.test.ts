/**
 * Tracing inside the workflow only for runs started with a trace context (workflows/traced-runs.ts): the decision
 * at the run's start, and the interceptors that pass straight through while a run is not traced.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Headers } from '@temporalio/workflow';
import { RunTracing, whenTraced } from '../../workflows/traced-runs';

const TRACE = { '_tracer-data': { data: new Uint8Array([1]) } } as Headers;

class Recording {
  calls: string[] = [];
  handleSignal(input: string, next: (input: string) => string): string {
    this.calls.push(`signal ${input}`);
    return `${next(input)} (traced)`;
  }
  scheduleActivity(input: string, next: (input: string) => string): string {
    this.calls.push(`activity ${input}`);
    return next(input);
  }
}

describe('traced runs only', () => {
  test('a run is traced when the patch does not apply (an older run) or it started with a trace context', () => {
    const cases: [boolean, Headers, boolean][] = [
      [false, {}, true],
      [false, TRACE, true],
      [true, TRACE, true],
      [true, {}, false],
    ];
    for (const [applies, headers, traced] of cases) {
      const run = new RunTracing();
      run.started(headers, () => applies);
      assert.equal(run.traced, traced, `patch ${applies}, headers ${Object.keys(headers).join(',')}`);
    }
  });

  test('before its start (never seen in practice) a run counts as traced, as before the patch', () => {
    assert.equal(new RunTracing().traced, true);
  });

  test('the wrapped interceptor has every method, and runs them only in a traced run', () => {
    const inner = new Recording();
    const run = new RunTracing();
    const wrapped = whenTraced(inner, run);
    const next = (s: string) => `next ${s}`;
    run.started({}, () => true);
    assert.equal(wrapped.handleSignal('a', next), 'next a');
    assert.equal(wrapped.scheduleActivity('b', next), 'next b');
    assert.deepEqual(inner.calls, []);
    run.started(TRACE, () => true);
    assert.equal(wrapped.handleSignal('c', next), 'next c (traced)');
    assert.deepEqual(inner.calls, ['signal c']);
    assert.deepEqual(Object.keys(wrapped).sort(), ['handleSignal', 'scheduleActivity']);
  });
});
