/**
 * What the client API tells about a task it cannot act on (issue #10, 3): no such task, a task that closed (with its
 * final phase, from the workflow's result or from its audit record after retention), and a task whose workflow was
 * terminated (with the last recorded search attributes and the last state, and the warning that money may still be
 * frozen). Every method of WitkeyTasks distinguishes them; none says "no task" for a task that existed.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { auditFile } from '../../activities/audit';
import { TaskClosedError, TaskNotFoundError, TaskTerminatedError, WitkeyTasks } from '../../client/tasks';
import { taskWorkflowId, type TaskView } from '../../workflows/messages';
import { startTestStack, type TestStack } from '../support/stack';

const DAY = 86_400_000;
const PUBLISHER = '2088100000000051';
const WINNER = { alipayUserId: '2088200000000051', nickname: 'Tom', amountFen: 1_000 };

/** Every client method that acts on one task, with arguments it would accept on an open task. */
function everyMethod(tasks: WitkeyTasks, id: string, nowMs: number): [string, () => Promise<unknown>][] {
  return [
    ['selectWinners', () => tasks.selectWinners(id, { winners: [WINNER] })],
    ['cancelWinners', () => tasks.cancelWinners(id, [`${id}T1`])],
    ['planLeftover', () => tasks.planLeftover(id, { refundFen: 100, platformFen: 0, winners: [] })],
    ['extend', () => tasks.extend(id, { addBountyFen: 100, newExpiresAtMs: nowMs + 60 * DAY })],
    ['operator', () => tasks.operator(id, { action: 'acknowledge', operator: 'alice', reason: 'check' })],
  ];
}

describe('client: unknown, closed and terminated tasks', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({ resendWindowMs: 60_000 });
  });
  after(async () => {
    await stack?.stop();
  });

  test('a terminated task: TaskTerminatedError with the last recorded phase and amount, and the last state', async () => {
    const id = 'cl-term';
    await stack.tasks.publish({
      outerTaskId: id,
      title: 'terminated',
      taskType: 'DESIGN',
      publisherId: 'pub-t',
      publisherAlipayUserId: PUBLISHER,
      bountyFen: 5_000,
      valueAddedFeeFen: 0,
      expiresAtMs: (await stack.now()) + 10 * DAY,
    });
    await stack.server.env.client.workflow
      .getHandle(taskWorkflowId(id))
      .terminate('an operator pressed the wrong button');
    const nowMs = await stack.now();
    for (const [name, call] of [
      ...everyMethod(stack.tasks, id, nowMs),
      ['status', () => stack.tasks.status(id)] as [string, () => Promise<unknown>],
    ]) {
      await assert.rejects(call(), (err: unknown) => {
        assert.ok(err instanceof TaskTerminatedError, `${name}: ${String(err)}`);
        assert.equal(err.outerTaskId, id);
        assert.equal(err.workflowStatus, 'TERMINATED');
        assert.deepEqual(err.lastRecorded, { phase: 'awaiting_payment', amountFen: 0, needsAttention: false }); // nothing frozen yet
        assert.equal(err.lastView?.phase, 'awaiting_payment', name);
        assert.equal(err.lastView?.spec.bountyFen, 5_000);
        assert.match(
          err.message,
          /^task cl-term was terminated .*last recorded phase awaiting_payment.*money may still be frozen/,
          name,
        );
        return true;
      });
    }
  });

  test('a closed task: TaskClosedError with its final phase from the result; status returns the final state', async () => {
    const id = 'cl-closed';
    const published = await stack.tasks.publish({
      outerTaskId: id,
      title: 'never paid',
      taskType: 'DESIGN',
      publisherId: 'pub-c',
      publisherAlipayUserId: PUBLISHER,
      bountyFen: 3_000,
      valueAddedFeeFen: 0,
      expiresAtMs: (await stack.now()) + 10 * DAY,
    });
    await stack.sandbox.openPage(published.cashierUrl);
    await stack.pass(2 * 3_600_000 + 5_000); // payment deadline: trade.query, trade.cancel
    await stack.pass(2 * 60_000); // the resend window after the cancellation: the task closes
    await stack.result(id);
    const nowMs = await stack.now();
    for (const [name, call] of everyMethod(stack.tasks, id, nowMs)) {
      await assert.rejects(call(), (err: unknown) => {
        assert.ok(err instanceof TaskClosedError, `${name}: ${String(err)}`);
        assert.equal(err.view?.phase, 'cancelled', name);
        assert.equal(err.source, 'result');
        assert.match(
          err.message,
          /^task cl-closed is closed \(final phase cancelled, since \d{4}-[^)]+\): cannot /,
          name,
        );
        return true;
      });
    }
    assert.equal((await stack.tasks.status(id)).phase, 'cancelled');
  });

  test('after retention: the audit record gives the final phase; without one the task is unknown', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'witkey-audit-'));
    try {
      const id = 'cl-gone';
      const view = { outerTaskId: id, phase: 'settled' } as TaskView;
      await writeFile(auditFile(dir, id), JSON.stringify({ outerTaskId: id, view, processedNotifyIds: [] }));
      const tasks = new WitkeyTasks(stack.server.env.client, {
        taskQueue: stack.taskQueue,
        feeRates: stack.sandbox.config.feeRates,
        auditDir: dir,
      });
      const nowMs = await stack.now();
      for (const [name, call] of everyMethod(tasks, id, nowMs)) {
        await assert.rejects(call(), (err: unknown) => {
          assert.ok(err instanceof TaskClosedError, `${name}: ${String(err)}`);
          assert.equal(err.view?.phase, 'settled');
          assert.equal(err.source, 'audit');
          return true;
        });
      }
      assert.equal((await tasks.status(id)).phase, 'settled');
      for (const [name, call] of [
        ...everyMethod(tasks, 'cl-never', nowMs),
        ['status', () => tasks.status('cl-never')] as [string, () => Promise<unknown>],
      ]) {
        await assert.rejects(call(), (err: unknown) => {
          assert.ok(err instanceof TaskNotFoundError, `${name}: ${String(err)}`);
          assert.equal(err.outerTaskId, 'cl-never');
          assert.equal(err.message, 'no task "cl-never" in this namespace');
          return true;
        });
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
