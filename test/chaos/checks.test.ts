/**
 * chaos/checks.ts on a real stack: a notification answered `success` counts as reflected when the task holds it,
 * open (signalled into its history) or closed (in its result); TaskView itself carries no notify_ids.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client } from '@temporalio/client';
import { checkTasks, reflectedNotifyIds } from '../../chaos/checks';
import { startTestStack, type TestStack } from '../support/stack';

let stack: TestStack;
before(async () => {
  stack = await startTestStack();
});
after(async () => {
  await stack?.stop();
});

test('an open task: the notifications signalled into it are reflected, none is counted lost', async () => {
  const id = 'checks-open';
  const published = await stack.tasks.publish({
    outerTaskId: id,
    title: id,
    taskType: 'DESIGN',
    publisherId: 'pub',
    publisherAlipayUserId: '2088100000000099',
    bountyFen: 5_000,
    valueAddedFeeFen: 0,
    expiresAtMs: (await stack.now()) + 86_400_000,
  });
  await stack.sandbox.pay(published.cashierUrl, { payerUserId: '2088100000000099' });
  await stack.flush();
  const [freeze] = stack.sandbox.notifications({ outerTaskId: id });
  assert.ok(
    freeze?.attempts.some((a) => a.success),
    'the freeze notification was answered success',
  );
  // a client without time skipping: the checks must not move the test server's clock
  const client = new Client({ connection: stack.server.env.connection, namespace: stack.server.namespace });
  assert.ok((await reflectedNotifyIds(client, id)).has(freeze.notifyId));
  const f = await checkTasks({ tasks: stack.tasks, client, books: stack.sandbox }, [{ id, expected: 'open' }]);
  assert.deepEqual(f.problems, []);
  assert.equal(f.notificationsLost, 0);
  assert.equal(f.completed, 1);
});
