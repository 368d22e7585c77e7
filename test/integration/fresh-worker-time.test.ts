/**
 * A worker dies while a paid task sleeps until its expiry; a status query is sent meanwhile (it waits in matching as
 * a query task); expiry passes with no worker; a fresh worker starts. It gets the query task first, whose history
 * ends with the fired expiry timer and the scheduled workflow task but no started one: the SDK (1.24.0) runs the
 * fired timer with the previous workflow task's time and keeps the commands for the next workflow task. Before the
 * patch `fired-deadline-is-past` the task did not expire there (no upsert, the same timer again) and its history did
 * not replay (TMPRL1100: UpsertWorkflowSearchAttributesMachine does not handle TimerStarted; chaos B008, A001).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { plainTask, startTestStack, type TestStack } from '../support/stack';

const PUBLISHER = '2088100000000051';

describe('a query while no worker runs, then a fresh worker after the expiry (dev server)', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({ timeSkipping: false, resendWindowMs: 20_000 });
  });
  after(async () => {
    await stack?.stop();
  });

  test('the task expires on the fresh worker and its history replays', async () => {
    const id = `fresh-${process.pid}`;
    const expiresAtMs = Math.ceil((Date.now() + 6_000) / 1000) * 1000;
    const published = await stack.tasks.publish(plainTask(id, PUBLISHER, expiresAtMs));
    await stack.sandbox.pay(published.cashierUrl, { payerUserId: PUBLISHER });
    await stack.flush();
    await new Promise((res) => setTimeout(res, 1_000));
    assert.equal((await stack.status(id)).phase, 'open');
    await stack.crashWorker();
    // no workflow task is pending: the query goes to matching as a query task and waits there for a worker
    const queried = stack.status(id);
    while (Date.now() < expiresAtMs + 2_000) await new Promise((res) => setTimeout(res, 250));
    await stack.startWorker();
    await queried;
    const deadline = Date.now() + 30_000;
    for (;;) {
      const v = await stack.status(id);
      if (v.phase !== 'open') break;
      if (Date.now() > deadline) assert.fail(`the task did not expire on the fresh worker: ${v.phase}`);
      await new Promise((res) => setTimeout(res, 250));
    }
    // replayed at once with the real time of each workflow task: fails if the fresh worker acted on a stale time
    await stack.saveHistory(id, 'expiry-after-query-without-worker');
  });
});
