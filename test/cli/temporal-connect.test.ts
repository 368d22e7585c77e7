/**
 * The worker and the webhook wait for Temporal at start-up (connectPatiently): a Temporal that answers on the third
 * try is used, the wait is told once; any other error, and a Temporal that never answers within the wait, end the
 * start with the one-line error.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectPatiently, TemporalUnreachableError } from '../../cli/temporal';

test('a Temporal that answers late is waited for; the wait is said once', async () => {
  let calls = 0;
  const told: string[] = [];
  const got = await connectPatiently(
    async () => {
      calls += 1;
      if (calls < 3) throw new TemporalUnreachableError('127.0.0.1:1', new Error('Connection refused'));
      return 'connected';
    },
    (err) => told.push(err.message),
    10_000,
  );
  assert.equal(got, 'connected');
  assert.equal(calls, 3);
  assert.deepEqual(told, ['cannot reach Temporal at 127.0.0.1:1: Connection refused']);
});

test('another error is not waited on; an unreachable Temporal ends the wait with its error', async () => {
  let calls = 0;
  await assert.rejects(
    connectPatiently(
      async () => {
        calls += 1;
        throw new Error('bad TLS settings');
      },
      () => undefined,
      10_000,
    ),
    /bad TLS settings/,
  );
  assert.equal(calls, 1);
  await assert.rejects(
    connectPatiently(
      async () => {
        throw new TemporalUnreachableError('127.0.0.1:1', new Error('Connection refused'));
      },
      () => undefined,
      1_500,
    ),
    TemporalUnreachableError,
  );
});
