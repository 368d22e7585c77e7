/**
 * Long life: on a dev server whose history limit suggests continue-as-new after a few dozen events, a task that
 * receives many notifications continues as new (several runs), carries its whole state, loses no message, and
 * still settles every fen.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { businessNumber } from '../../alipay/core/business-numbers';
import type { StartedServer } from '../../devstack/servers';
import { taskWorkflowId } from '../../workflows/messages';
import { devServer } from '../support/servers';
import { conserved, startWorkflowHarness, WINNERS, type WorkflowHarness } from '../support/workflow-harness';

describe('continue-as-new (dev server, small history limit)', () => {
  let server: StartedServer;
  let h: WorkflowHarness;
  before(async () => {
    server = await devServer({ dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 40 } });
    h = await startWorkflowHarness(server, { resendWindowMs: 1_500 });
  });
  after(async () => {
    await h?.stop();
    await server?.env.teardown();
  });

  test('a request repeated after continue-as-new (same request id) returns the first result and earmarks nothing twice', async () => {
    const id = `can-req-${process.pid}`;
    await h.publishAndPay(id, 9_000, 0, 60_000);
    const selection = {
      winners: [{ alipayUserId: WINNERS[0], nickname: 'a', amountFen: 4_000 }],
      announceEndMs: Math.ceil((Date.now() + 50_000) / 1000) * 1000,
    };
    const first = await h.tasks.selectWinners(id, selection, 'site-request-1');
    const extension = { addBountyFen: 1_000, newExpiresAtMs: Math.ceil((Date.now() + 120_000) / 1000) * 1000 };
    const firstAppend = await h.tasks.extend(id, extension, 'site-request-2');
    const handle = server.env.client.workflow.getHandle(taskWorkflowId(id));
    const firstRun = (await handle.describe()).runId;
    for (let i = 0; i < 120 && (await handle.describe()).runId === firstRun; i++) {
      await h.notify(
        id,
        {
          type: 'task_freeze',
          outerTaskFreezeNo: businessNumber(id, { kind: 'freeze' }),
          taskAmountFen: 9_000,
          paidTime: Date.now(),
        },
        `dup-${i}`,
      );
      if (i >= 40) await new Promise((r) => setTimeout(r, 100)); // the suggestion is acted on at the next workflow task
    }
    assert.notEqual((await handle.describe()).runId, firstRun, 'the task continued as new');
    const again = await h.tasks.selectWinners(id, selection, 'site-request-1');
    assert.deepEqual(again, first, 'the same round, not a second one');
    assert.deepEqual(await h.tasks.extend(id, extension, 'site-request-2'), firstAppend, 'the same amount.append');
    const view = await h.tasks.status(id);
    assert.equal(view.rounds.length, 1);
    assert.equal(view.availableFen, 5_000, 'earmarked once');
    assert.equal(view.spec.expiresAtMs < extension.newExpiresAtMs, true);
    const other = await h.tasks.selectWinners(id, selection, 'site-request-3');
    assert.equal(other.round, 2, 'a new request id is a new round');
    await h.tasks
      .operator(id, { action: 'settle_manually', operator: 'ops', reason: 'test cleanup' })
      .catch(() => undefined);
    await handle.terminate('test done');
  });

  test('many notifications: several runs, the state carried whole, every notification counted once', async () => {
    const id = `can-${process.pid}`;
    await h.publishAndPay(id, 9_000, 500, 8_000);
    const firstRun = (await server.env.client.workflow.getHandle(taskWorkflowId(id)).describe()).runId;
    // 60 notifications with distinct notify_ids that repeat the freeze (each applies nothing) and 60 resends of one
    for (let i = 0; i < 60; i++) {
      await h.notify(
        id,
        {
          type: 'task_freeze',
          outerTaskFreezeNo: businessNumber(id, { kind: 'freeze' }),
          taskAmountFen: 9_000,
          paidTime: Date.now(),
        },
        `dup-${i}`,
      );
      await h.notify(
        id,
        {
          type: 'task_freeze',
          outerTaskFreezeNo: businessNumber(id, { kind: 'freeze' }),
          taskAmountFen: 9_000,
          paidTime: Date.now(),
        },
        'resent-one',
      );
    }
    const view = await h.tasks.status(id);
    assert.equal(view.notificationsProcessed, 2 + 60 + 1, 'freeze + fee + 60 distinct + 1 resent id');
    assert.equal(view.ledger.bountyFrozenFen, 9_000, 'frozen once');
    assert.equal(view.ledger.valueAddedFeePaidFen, 500);

    let runs = 0;
    for await (const _ of server.env.client.workflow.list({ query: `WorkflowId = '${taskWorkflowId(id)}'` })) runs += 1;
    const currentRun = (await server.env.client.workflow.getHandle(taskWorkflowId(id)).describe()).runId;
    assert.notEqual(currentRun, firstRun, 'the task continued as new');
    assert.ok(runs >= 2, `${runs} runs`);

    // finish the task in the new run: expiry, refund of everything
    while ((await h.tasks.status(id)).phase !== 'expired') await new Promise((r) => setTimeout(r, 200));
    const plan = await h.tasks.planLeftover(id, { refundFen: 9_000, platformFen: 0, winners: [] });
    await h.notify(id, {
      type: 'left_amount_handle',
      refund: { serialNo: plan.refundSerialNo, amountFen: 9_000 },
      successBidders: [],
      failureBidders: [],
    });
    await h.notify(id, {
      type: 'refund_transfer',
      outerTransferNo: plan.refundSerialNo,
      amountFen: 9_000,
      status: 'S',
      transferTime: Date.now(),
    });
    const result = await h.result(id);
    conserved(result);
    assert.equal(result.view.phase, 'settled');
    assert.equal(result.view.ledger.refundedFen, 9_000);
    assert.equal(new Set(result.processedNotifyIds).size, 2 + 60 + 1 + 2);
  });
});
