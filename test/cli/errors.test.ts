/**
 * What a person reads when a command fails: plain words, never the class names of the code (TaskRuleError,
 * ApplicationFailure, WorkflowNotFoundError...). Codes a person can look up (ILLEGAL_ARGUMENT) stay.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, RetryState, WorkflowNotFoundError } from '@temporalio/common';
import { TaskRequestError } from '../../client/tasks';
import { explain } from '../../cli/errors';

const CLASS_NAME = /\b[A-Z][a-z]+(?:[A-Z][a-z]+)*(?:Error|Failure|Exception)\b/;

function plain(err: unknown, command = 'resume', taskId?: string): { message: string; hint?: string } {
  const e = explain(err, command, taskId);
  assert.doesNotMatch(e.message, CLASS_NAME, e.message);
  assert.doesNotMatch(e.hint ?? '', CLASS_NAME, e.hint);
  return e;
}

describe('errors a person reads name no class', () => {
  test('a request the workflow refused (its validator threw TaskRuleError / Error): refused, and why', () => {
    assert.equal(
      plain(new TaskRequestError('retry: no step is waiting for a retry', 'TaskRuleError')).message,
      'refused: retry: no step is waiting for a retry',
    );
    assert.equal(
      plain(new TaskRequestError('settle_manually: the task is already settled', 'Error')).message,
      'refused: settle_manually: the task is already settled',
    );
    assert.equal(plain(new TaskRequestError('boom', 'ApplicationFailure')).message, 'refused: boom');
    assert.equal(plain(new TaskRequestError('could not build', 'PublishFailed')).message, 'refused: could not build');
  });

  test("Alipay's and the task's codes stay: they can be looked up", () => {
    assert.equal(
      plain(new TaskRequestError('outerTaskId: must be 1-50 characters', 'ILLEGAL_ARGUMENT', 'outerTaskId'), 'publish')
        .message,
      'refused (ILLEGAL_ARGUMENT): outerTaskId: must be 1-50 characters',
    );
  });

  test('a message that starts with a class name loses it', () => {
    assert.equal(plain(new Error('ApplicationFailure: the gateway said no')).message, 'the gateway said no');
    assert.equal(
      plain(new TaskRequestError('TaskRuleError: nothing to do', 'TaskRuleError')).message,
      'refused: nothing to do',
    );
  });

  test('a failure Temporal wrapped is explained by its cause', () => {
    const cause = ApplicationFailure.create({ message: 'the cashier page could not be built', type: 'PublishFailed' });
    assert.equal(
      plain(new WorkflowUpdateFailedError('Workflow Update failed', cause)).message,
      'the cashier page could not be built',
    );
    assert.equal(
      plain(new WorkflowFailedError('Workflow execution failed', cause, RetryState.NON_RETRYABLE_FAILURE)).message,
      'the cashier page could not be built',
    );
  });

  test('an unknown workflow is "no task"', () => {
    assert.equal(
      plain(new WorkflowNotFoundError('not found', 'witkey-task-T9', undefined)).message,
      'no task "T9" in this namespace',
    );
    assert.equal(
      plain(new WorkflowNotFoundError('not found', '', undefined)).message,
      'no such task in this namespace',
    );
  });
});
