/**
 * Chaos tasks A022, A139 and A166 on a dev server: a paid task sleeps until its expiry; its worker stops; a status
 * query waits in matching as a query task; the expiry passes; (A022) the publisher's planLeftover update waits with
 * the scheduled workflow task; a fresh worker starts. When it takes the query task first (the server decides, about
 * one start in two), SDK core 1.24.0 applies the fired expiry in an activation of its own and keeps its commands; the
 * workflow task that follows runs the update in a second activation and sends both, the expiry's first, while a
 * replay runs the update first (TMPRL1100 "Update machine does not handle this event"); without an update (A139,
 * A166) the kept commands go out without any activation, computed on the query task's clock. The guard
 * (workflows/unsent-commands-guard.ts) refuses that query (the first live activation after the run was rebuilt is
 * followed at once by a legacy query): the worker drops the run and its kept commands. The worker here bundles only
 * this guard, not the stale-clock guard that would refuse the query task's activation earlier whenever it also ran on
 * the previous task's time (as here, not in the chaos tasks). Every history must replay; each scenario repeats until
 * the guard has been seen at work.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { plainTask, startTestStack, type TestStack } from '../support/stack';
import { witkeyWorkflowOptions } from '../../worker';
import { WORKFLOW_TRACING_INTERCEPTORS } from '../../tracing/temporal';
import { stateQuery, taskWorkflowId, UNSENT_COMMANDS_FAILURE } from '../../workflows/messages';

const PUBLISHER = '2088100000000061';
const TRIES = 8;
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

describe('a query task after the expiry, then the leftover plan, on a fresh worker (dev server)', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({
      timeSkipping: false,
      resendWindowMs: 20_000,
      workflowInterceptorModules: [
        WORKFLOW_TRACING_INTERCEPTORS,
        require.resolve('../../workflows/unsent-commands-guard'),
      ],
    });
  });
  after(async () => {
    await stack?.stop();
  });

  /**
   * The publisher's plan, asked again (same request id) when the server answers that no worker processed it: the
   * workflow task that carried it may be the one the guard fails, and the server may then give the update up.
   */
  async function planWhenProcessed(id: string, refundFen: number) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await stack.tasks.planLeftover(id, { refundFen, platformFen: 0, winners: [] }, `${id}:leftover`);
      } catch (err) {
        if (attempt >= 5 || (err as { code?: string }).code !== 'UnprocessedUpdate') throw err;
      }
    }
  }

  /**
   * One start of the scenario, with or without the publisher's plan after the expiry: whether the guard refused the
   * query task or failed a workflow task; throws when the history does not replay.
   */
  async function scenario(id: string, plan: boolean): Promise<boolean> {
    const expiresAtMs = Math.ceil((Date.now() + 5_000) / 1000) * 1000;
    const published = await stack.tasks.publish(plainTask(id, PUBLISHER, expiresAtMs));
    await stack.sandbox.pay(published.cashierUrl, { payerUserId: PUBLISHER });
    await stack.flush();
    await sleep(1_000);
    const paid = await stack.status(id);
    assert.equal(paid.phase, 'open');
    await stack.crashWorker();
    // no workflow task is pending: the query goes to matching as a query task and waits there for a worker
    // asked directly (the client would ask again after a refusal): answered, or refused by the guard
    const queried = stack.client.workflow
      .getHandle(taskWorkflowId(id))
      .query(stateQuery)
      .then(
        () => false,
        (err: Error) => {
          if (err.message.startsWith(UNSENT_COMMANDS_FAILURE)) return true;
          throw err;
        },
      );
    while (Date.now() < expiresAtMs + 1_500) await sleep(250);
    const planned = plan ? planWhenProcessed(id, paid.availableFen) : undefined;
    await sleep(500);
    await stack.startWorker();
    const queryRefused = await queried;
    if (planned) assert.equal((await planned).round, 1);
    const view = await stack.status(id);
    assert.equal(view.phase, plan ? 'leftover' : 'expired');
    const history = await stack.client.workflow.getHandle(taskWorkflowId(id)).fetchHistory();
    // replays as every later worker will: fails without the guard when the query task came first
    await Worker.runReplayHistory(await witkeyWorkflowOptions(), history, taskWorkflowId(id));
    return (
      queryRefused ||
      (history.events ?? []).some(
        (e) =>
          e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED &&
          (e.workflowTaskFailedEventAttributes?.failure?.message ?? '').includes(UNSENT_COMMANDS_FAILURE),
      )
    );
  }

  /** Repeats the scenario until the guard was at work (the server decides which task the fresh worker takes first). */
  async function untilGuarded(name: string, plan: boolean): Promise<number> {
    const seen: boolean[] = [];
    for (let i = 1; i <= TRIES && !seen.includes(true); i++)
      seen.push(await scenario(`${name}-${process.pid}-${i}`, plan));
    assert.ok(
      seen.includes(true),
      `the fresh worker took the workflow task before the query task in all ${TRIES} starts: the guard was not reached`,
    );
    return seen.length;
  }

  test('the kept commands are never sent: the task is retried from its history, which replays', async () => {
    const starts = await untilGuarded('keep', true);
    await stack.saveHistory(`keep-${process.pid}-${starts}`, 'leftover-after-query-task');
  });

  test('A139/A166: the workflow task after the query task brings nothing new: the query is refused, the history replays', async () => {
    await untilGuarded('quiet', false);
  });
});
