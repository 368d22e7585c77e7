/**
 * A state query refused for a passing reason is asked again: the server's "Workflow Task in failed state" (a
 * worker killed holding the task's workflow task, or a guard failing it on purpose) and the guards' own query
 * refusals. Other failures (no such workflow, a deadline, a failing query handler) reach the caller at once; the
 * client gives up after STATE_QUERY_RETRIES more attempts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { QueryNotRegisteredError, ServiceError, WorkflowNotFoundError } from '@temporalio/client';
import { STATE_QUERY_RETRIES, untilAnswered, workflowTaskFailed } from '../../client/retries';
import { STALE_TIME_FAILURE, UNSENT_COMMANDS_FAILURE } from '../../workflows/messages';

/** gRPC status codes (numbers of the gRPC protocol; the project does not depend on @grpc/grpc-js). */
const FAILED_PRECONDITION = 9;
const DEADLINE_EXCEEDED = 4;

/** A gRPC failure shaped as @grpc/grpc-js builds it, wrapped the way WorkflowClient.query rethrows it. */
function grpcFailure(code: number, details: string): ServiceError {
  const cause = Object.assign(new Error(`${code}: ${details}`), { code, details, metadata: {} });
  return new ServiceError('Failed to query Workflow', { cause });
}

const failedTask = () =>
  grpcFailure(FAILED_PRECONDITION, 'Unable to query workflow due to Workflow Task in failed state.');
const deadline = () => grpcFailure(DEADLINE_EXCEEDED, 'context deadline exceeded');
const otherPrecondition = () => grpcFailure(FAILED_PRECONDITION, 'Workflow execution already completed.');
const guardRefusal = (prefix: string) => () => new QueryNotRegisteredError(`${prefix}: the run was dropped`, 3);

/** An `ask` that throws the scripted failures in turn, then answers; counts its calls. */
function scripted(failures: (() => Error)[], answer = 'state') {
  const calls = { n: 0 };
  const ask = () => {
    calls.n += 1;
    const next = failures.shift();
    return next ? Promise.reject(next()) : Promise.resolve(answer);
  };
  return { ask, calls };
}

describe('client: state queries refused for a passing reason', () => {
  test('"Workflow Task in failed state" is told from other failures', () => {
    assert.equal(workflowTaskFailed(failedTask()), true);
    assert.equal(workflowTaskFailed(otherPrecondition()), false);
    assert.equal(workflowTaskFailed(deadline()), false);
    assert.equal(workflowTaskFailed(new Error('Unable to query workflow due to Workflow Task in failed state')), false);
  });

  test('are asked again until answered, guards and failed workflow tasks alike', async () => {
    const { ask, calls } = scripted([
      failedTask,
      guardRefusal(STALE_TIME_FAILURE),
      failedTask,
      guardRefusal(UNSENT_COMMANDS_FAILURE),
    ]);
    assert.equal(await untilAnswered(ask), 'state');
    assert.equal(calls.n, 5);
  });

  for (const [name, failure] of [
    ['no such workflow', () => new WorkflowNotFoundError('not found', 'witkey-task-x', undefined)],
    ['a deadline (no worker answered in time)', deadline],
    ['another precondition', otherPrecondition],
    ['a failing query handler', () => new QueryNotRegisteredError('TypeError: boom', 3)],
  ] as const) {
    test(`${name} reaches the caller at once`, async () => {
      const { ask, calls } = scripted([failure]);
      await assert.rejects(untilAnswered(ask), (err: Error) => err.constructor === failure().constructor);
      assert.equal(calls.n, 1);
    });
  }

  test('the client gives up after STATE_QUERY_RETRIES more attempts, with the last failure', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { ask, calls } = scripted(Array.from({ length: 20 }, () => failedTask));
    const answer = untilAnswered(ask);
    for (let i = 0; i < STATE_QUERY_RETRIES; i++) {
      await new Promise<void>((res) => setImmediate(res));
      t.mock.timers.tick(60_000);
    }
    await assert.rejects(answer, (err: unknown) => workflowTaskFailed(err));
    assert.equal(calls.n, 1 + STATE_QUERY_RETRIES);
  });
});
