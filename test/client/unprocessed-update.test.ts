/**
 * A request the server gave up before any worker processed it (`UnprocessedUpdate`, nothing applied: the workflow
 * task that carried it failed) is sent again with the same update id; other failures are not; the client gives up
 * after UNPROCESSED_UPDATE_RETRIES more attempts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { UNPROCESSED_UPDATE_RETRIES, untilProcessed } from '../../client/retries';
import { TaskRequestError, WitkeyTasks } from '../../client/tasks';

const unprocessed = () =>
  new WorkflowUpdateFailedError(
    'Workflow Update failed',
    ApplicationFailure.create({ type: 'UnprocessedUpdate', message: 'not processed by a worker', nonRetryable: true }),
  );
const refusedByTask = () =>
  new WorkflowUpdateFailedError(
    'Workflow Update failed',
    ApplicationFailure.create({ type: 'NOT_SELECTED', message: 'transferNos: T9 is not a winner', nonRetryable: true }),
  );

const throwing = (error: () => Error) => (): never => {
  throw error();
};

/** A client whose task handle answers executeUpdate from a script, recording the update ids it was given. */
function scriptedClient(answers: (() => unknown)[], ids: string[]): Client {
  const handle = {
    executeUpdate: (_update: unknown, options: { updateId?: string }) => {
      ids.push(options.updateId ?? '(none)');
      const next = answers.shift()!;
      return Promise.resolve().then(next);
    },
  };
  return { workflow: { getHandle: () => handle } } as unknown as Client;
}

const tasksAnswering = (answers: (() => unknown)[], ids: string[]) =>
  new WitkeyTasks(scriptedClient(answers, ids), { taskQueue: 'q', feeRates: { commissionBp: 0, alipayFeeBp: 0 } });

describe('client: requests the server gave up unprocessed', () => {
  test('are sent again with the same update id until processed', async () => {
    const ids: string[] = [];
    const tasks = tasksAnswering([throwing(unprocessed), throwing(unprocessed), () => ({ round: 1 })], ids);
    const plan = await tasks.planLeftover('t1', { refundFen: 100, platformFen: 0, winners: [] }, 'req-7');
    assert.deepEqual(plan, { round: 1 });
    assert.deepEqual(ids, ['req-7', 'req-7', 'req-7']);
  });

  test('a request without a request id gets one id for all its attempts', async () => {
    const ids: string[] = [];
    const tasks = tasksAnswering([throwing(unprocessed), () => ({ cancelled: ['T1'] })], ids);
    await tasks.cancelWinners('t1', ['T1']);
    assert.equal(ids.length, 2);
    assert.equal(ids[0], ids[1]);
    assert.match(ids[0], /^[0-9a-f-]{36}$/);
  });

  test('a refusal by the task is not sent again', async () => {
    const ids: string[] = [];
    const tasks = tasksAnswering([throwing(refusedByTask)], ids);
    await assert.rejects(
      tasks.cancelWinners('t1', ['T9']),
      (e: unknown) => e instanceof TaskRequestError && e.code === 'NOT_SELECTED',
    );
    assert.equal(ids.length, 1);
  });

  test('gives up after the retries, with the server’s error', async () => {
    let sent = 0;
    await assert.rejects(
      untilProcessed(() => {
        sent++;
        return Promise.reject(unprocessed());
      }, 'req-1'),
      (e: unknown) => e instanceof WorkflowUpdateFailedError,
    );
    assert.equal(sent, 1 + UNPROCESSED_UPDATE_RETRIES);
  });
});
