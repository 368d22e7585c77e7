/**
 * The old single inbox (`witkey-inbox`, type notificationInbox) still running on existing databases: a run the
 * released code recorded (test/inbox/fixtures/inbox-v1.ts, on a worker of its own) replays under today's code,
 * keeps its items and its resolve update, and on `handOver` (sent by the first page of `inbox()`) hands every open
 * item over to a per-item workflow and completes. A run started by today's code hands over at once, in runs of
 * HANDOVER_PER_RUN items.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Worker } from '@temporalio/worker';
import { deliverNotification } from '../../client/webhook/deliver';
import { witkeyWorkflowOptions } from '../../worker';
import {
  HANDOVER_PER_RUN,
  INBOX_WORKFLOW_ID,
  INBOX_WORKFLOW_TYPE,
  inboxQuery,
  resolveInboxItemUpdate,
  unclaimedSignal,
  type InboxItem,
  type InboxState,
} from '../../workflows/inbox';
import { inboxItemWorkflowId } from '../../workflows/inbox-item';
import type { TaskNotification } from '../../workflows/messages';
import { eventually, listAll, orphanFreeze, startInboxHarness, type InboxHarness } from './helpers';

describe('the old single inbox hands its items over to one workflow each', () => {
  let h: InboxHarness;
  const suffix = `${process.pid}${Date.now() % 100000}`;
  const legacy = () => h.server.env.client.workflow.getHandle(INBOX_WORKFLOW_ID);
  /** What a webhook of the released code did with an orphan notification. */
  const oldDelivery = (n: TaskNotification, taskQueue: string) =>
    h.server.env.client.workflow.signalWithStart(INBOX_WORKFLOW_TYPE, {
      workflowId: INBOX_WORKFLOW_ID,
      taskQueue,
      args: [[]],
      signal: unclaimedSignal,
      signalArgs: [{ notification: n, reason: 'unknown_task' }],
    });
  const listedIds = async () => new Set((await listAll(h.tasks, 1000)).items.map((i) => i.notification.notifyId));

  before(async () => {
    h = await startInboxHarness();
  });
  after(async () => {
    await h?.stop();
  });

  test("a run recorded by the released code replays under today's code, resolves, and hands over on handOver", async () => {
    const queue = `${h.taskQueue}-legacy`;
    const oldWorker = await h.worker(queue, 'fixtures');
    const sent = Array.from({ length: 5 }, (_, i) => orphanFreeze(`lg${suffix}-${i}`, `lgT${suffix}-${i}`, 2_000 + i));
    for (const n of sent) await oldDelivery(n, queue);
    assert.deepEqual(
      await legacy().executeUpdate(resolveInboxItemUpdate, {
        args: [{ notifyId: sent[0].notifyId, operator: 'olga', reason: 'before the upgrade' }],
      }),
      { remaining: 4 },
    );
    const before = await legacy().query(inboxQuery);
    await oldWorker.stop();

    await h.worker(queue); // today's code takes over the running inbox
    const history = await legacy().fetchHistory();
    await Worker.runReplayHistory(await witkeyWorkflowOptions(), history, INBOX_WORKFLOW_ID); // deterministic
    assert.deepEqual(await legacy().query(inboxQuery), before, "the same items under today's code");
    // an item the old inbox still holds is resolved there through the client API
    const r = await h.tasks.resolveInboxItem(sent[1].notifyId, 'olga', 'resolved in the old inbox');
    assert.equal(r.item.resolution?.operator, 'olga');
    assert.equal(r.item.notification.notifyId, sent[1].notifyId);
    assert.equal((await legacy().query(inboxQuery)).length, 3);

    const page = await h.tasks.inbox();
    assert.equal(page.legacyInboxHandingOver, true, 'the first page asks the old inbox to hand over');
    assert.deepEqual(await legacy().result(), { handedOver: 3, resolvedCount: 2 });
    const want = sent.slice(2).map((n) => n.notifyId);
    const listed = await eventually(
      () => listAll(h.tasks, 100),
      ({ items }) => want.every((id) => items.some((i) => i.notification.notifyId === id)),
    );
    const moved = listed.items.filter((i) => want.includes(i.notification.notifyId));
    assert.equal(moved.length, 3);
    for (const item of moved) {
      const original = before.find((b: InboxItem) => b.notification.notifyId === item.notification.notifyId)!;
      assert.deepEqual(
        { notification: item.notification, reason: item.reason, receivedAtMs: item.receivedAtMs },
        original,
        'the record is kept',
      );
      assert.equal(item.money?.mayBeFrozenAtAlipay, true);
      assert.equal(
        item.money?.amountFen,
        original.notification.event.type === 'task_freeze' ? original.notification.event.taskAmountFen : -1,
      );
    }
    assert.equal(
      listed.items.some(
        (i) => i.notification.notifyId === sent[0].notifyId || i.notification.notifyId === sent[1].notifyId,
      ),
      false,
      'resolved items stay resolved',
    );
    assert.equal((await h.tasks.inbox()).legacyInboxHandingOver, undefined, 'finished: nothing more to ask');
    for (const id of want)
      assert.equal(
        (await h.tasks.resolveInboxItem(id, 'olga', 'after the hand-over')).item.resolution?.operator,
        'olga',
      );
  });

  test("a run started by today's code (a webhook not yet upgraded) hands over at once; an item already recorded on its own is kept once", async () => {
    const n = orphanFreeze(`ln${suffix}`, `lnT${suffix}`);
    const both = orphanFreeze(`lb${suffix}`, `lbT${suffix}`);
    assert.equal(await deliverNotification(h.server.env.client, h.taskQueue, both), 'recorded_for_operator');
    const own = await h.server.env.client.workflow.getHandle(inboxItemWorkflowId(both.notifyId)).describe();
    await oldDelivery(n, h.taskQueue);
    await oldDelivery(both, h.taskQueue);
    // both signals may land in the first run, or the second start a run of its own after the first completed
    await eventually(
      async () => (await legacy().describe()).status.name,
      (s) => s === 'COMPLETED',
    );
    const ids = await eventually(listedIds, (s) => s.has(n.notifyId) && s.has(both.notifyId));
    assert.ok(ids.has(n.notifyId) && ids.has(both.notifyId));
    assert.equal(
      (await h.server.env.client.workflow.getHandle(inboxItemWorkflowId(both.notifyId)).describe()).runId,
      own.runId,
      'not recorded twice',
    );
    for (const id of [n.notifyId, both.notifyId]) await h.tasks.resolveInboxItem(id, 'olga', 'checked');
  });

  test(`a large old inbox hands over in runs of ${HANDOVER_PER_RUN} (continue-as-new between them)`, async () => {
    const count = HANDOVER_PER_RUN + 20;
    const items: InboxItem[] = Array.from({ length: count }, (_, i) => ({
      notification: orphanFreeze(`lc${suffix}-${i}`, `lcT${suffix}-${i}`, 100 + i),
      reason: 'unknown_task',
      receivedAtMs: Date.now() - 3_600_000 + i,
    }));
    const state: InboxState = { items, resolvedCount: 7 };
    const first = await h.server.env.client.workflow.start(INBOX_WORKFLOW_TYPE, {
      workflowId: INBOX_WORKFLOW_ID,
      taskQueue: h.taskQueue,
      args: [state],
    });
    assert.deepEqual(await legacy().result(), { handedOver: 20, resolvedCount: 7 }, 'the last run hands over the rest');
    assert.notEqual((await legacy().describe()).runId, first.firstExecutionRunId, 'continued as new');
    const ids = await eventually(listedIds, (s) => items.every((i) => s.has(i.notification.notifyId)), 60_000);
    assert.equal(items.filter((i) => ids.has(i.notification.notifyId)).length, count);
  });
});
