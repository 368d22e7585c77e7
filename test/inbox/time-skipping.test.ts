/**
 * The inbox on the time-skipping test server (what the webhook and model suites run on): it has no list queries
 * (ListWorkflowExecutions is unimplemented) nor counting, so `inbox()` lists open `inboxItem` executions by type
 * instead (this server ignores the page size), with the same records; `remaining` is absent.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { deliverNotification } from '../../client/webhook/deliver';
import { eventually, listAll, orphanFreeze, startInboxHarness, type InboxHarness } from './helpers';

describe('inbox on the time-skipping test server', () => {
  let h: InboxHarness;
  before(async () => {
    h = await startInboxHarness({}, { timeSkipping: true });
  });
  after(async () => {
    await h?.stop();
  });

  test('recorded once, listed, resolved', async () => {
    const sent = Array.from({ length: 5 }, (_, i) => orphanFreeze(`ts-${i}`, `tsT-${i}`, 700 + i));
    for (const n of sent)
      assert.equal(await deliverNotification(h.server.env.client, h.taskQueue, n), 'recorded_for_operator');
    assert.equal(
      await deliverNotification(h.server.env.client, h.taskQueue, sent[0]),
      'recorded_for_operator',
      'a resend',
    );
    const listed = await eventually(
      () => listAll(h.tasks, 2),
      ({ items }) => items.length === 5,
    );
    assert.deepEqual(
      listed.items.map((i) => i.notification.notifyId).sort(),
      sent.map((n) => n.notifyId).sort(),
      'each once',
    );
    // (this server ignores the page size: one page)
    assert.equal(listed.items.find((i) => i.notification.notifyId === 'ts-3')?.money?.amountFen, 703);
    const r = await h.tasks.resolveInboxItem('ts-3', 'olga', 'checked');
    assert.equal(r.item.resolution?.operator, 'olga');
    assert.equal(r.remaining, undefined, 'no counting on this server');
    const after = await eventually(
      () => listAll(h.tasks, 100),
      ({ items }) => items.length === 4,
    );
    assert.equal(
      after.items.some((i) => i.notification.notifyId === 'ts-3'),
      false,
    );
  });
});
