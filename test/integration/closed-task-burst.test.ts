/**
 * Alipay resends a notification for a closed task many times at once. The webhook reads the closed task's result to
 * tell a duplicate from a late event. On the time-skipping stack that read went through the SDK's time-skipping
 * client, whose `result()` unlocks and relocks the server's clock around the wait: concurrent calls unbalanced the
 * test server's lock ("Unbalanced lock and unlock calls"), the webhook's calls hung and the server's clock raced
 * ahead (the notification storm hung in CI). The stack's webhook and tasks API now use a plain client, as a
 * deployment does; only `stack.result()` waits with time skipping.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { plainTask, startTestStack, type TestStack } from '../support/stack';
import { deliverNotification } from '../../client/webhook/deliver';
import { taskWorkflowId } from '../../workflows/messages';
import { alipaySigner, post, signedBody } from '../webhook/helpers';

const PUBLISHER = '2088100000000051';
const HOUR = 3_600_000;

describe('a burst of resends for a closed task (time-skipping stack)', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack();
  });
  after(async () => {
    await stack?.stop();
  });

  test('every resend is answered, the clock moves only when the test passes time', async () => {
    const t0 = await stack.now();
    const spec = (id: string) => plainTask(id, PUBLISHER, t0 + 20 * 24 * HOUR);
    const paid = `burst-paid-${process.pid}`;
    const unpaid = `burst-unpaid-${process.pid}`;
    const published = await stack.tasks.publish(spec(paid));
    await stack.tasks.publish(spec(unpaid));
    await stack.sandbox.pay(published.cashierUrl, { payerUserId: PUBLISHER });
    await stack.flush();
    await stack.pass(2 * HOUR + 60_000); // the unpaid task's payment deadline: cancelled
    assert.equal((await stack.status(unpaid)).phase, 'cancelled');
    await stack.pass(25 * HOUR); // its window for Alipay's resends passes: the workflow closes
    const closed = await stack.client.workflow.getHandle(taskWorkflowId(unpaid)).describe();
    assert.equal(closed.status.name, 'COMPLETED');

    // the paid task's freeze notification, as if it were the closed task's: a late event for a closed task
    const freeze = stack.sandbox
      .notifications({})
      .find((n) => n.outerTaskId === paid && n.notifyType === 'task_freeze');
    assert.ok(freeze, 'the sandbox sent the freeze notification');
    const event = { ...freeze.event, outerTaskId: unpaid };
    const body = (n: number) =>
      signedBody(`burst${process.pid}x${n}`.padEnd(32, '0'), event, alipaySigner(stack.sandbox)).body;
    const before = await stack.now();
    for (let round = 0; round < 5; round++) {
      const answers = await Promise.all(
        Array.from({ length: 30 }, (_, i) => post(`${stack.webhookUrl}/alipay/notify`, body(i % 10))),
      );
      assert.deepEqual(
        answers.map((a) => `${a.status} ${a.text}`),
        answers.map(() => '200 success'),
      );
    }
    // the same reads without HTTP between them: as many at once as a busy webhook makes
    const deliveries = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        deliverNotification(stack.client, stack.taskQueue, {
          notifyId: `burst${process.pid}x${i % 10}`.padEnd(32, '0'),
          via: 'notify',
          event,
        }),
      ),
    );
    assert.deepEqual(new Set(deliveries), new Set(['recorded_for_operator']));
    assert.ok((await stack.now()) - before < HOUR, 'the server clock did not race ahead while the webhook read');
    await stack.pass(HOUR); // the clock still moves (and its lock is balanced)
    assert.equal((await stack.status(paid)).phase, 'open');
  });
});
