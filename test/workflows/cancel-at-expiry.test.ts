/**
 * A change while the task's pass waits. The last winner's announcement ends after the task's expiry while a
 * cancellation of that winner is still at the gateway: the pass at the end waits for the cancellation, which then
 * frees the whole bounty. The pass had decided what to watch before it waited (a winner still waiting: no leftover
 * to watch), so it found nothing scheduled and asked an operator (NOTHING_SCHEDULED, chaos crashes, A184) instead of
 * watching the leftover. Now it looks again: the leftover is watched and flagged one resend window after expiry.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { StartedServer } from '../../devstack/servers';
import { taskWorkflowId } from '../../workflows/messages';
import { eventually } from '../support/eventually';
import { timeSkippingServer } from '../support/servers';
import { startWorkflowHarness, WINNERS, type WorkflowHarness } from '../support/workflow-harness';

const DAY = 86_400_000;
const HOUR = 3_600_000;

describe('a change while the pass waits (time-skipping)', { timeout: 300_000 }, () => {
  let server: StartedServer;
  let h: WorkflowHarness;
  before(async () => {
    server = await timeSkippingServer();
    h = await startWorkflowHarness(server, { resendWindowMs: DAY });
  });
  after(async () => {
    await h?.stop();
    await server?.env.teardown();
  });

  test('a cancellation that frees the bounty after expiry: the leftover is watched, nothing is flagged as unscheduled', async () => {
    const id = 'cancel-at-expiry';
    await h.publishAndPay(id, 100_000, 0, 2 * DAY);
    const expiresAtMs = (await h.tasks.status(id)).spec.expiresAtMs;
    const announceEndMs = Math.ceil((expiresAtMs + HOUR) / 1000) * 1000;
    const r = await h.tasks.selectWinners(id, {
      winners: [{ alipayUserId: WINNERS[0], nickname: 'a', amountFen: 30_000 }],
      announceEndMs,
    });
    await h.notify(id, {
      type: 'task_confirm',
      transfers: [{ outerTransferNo: r.transferNos[0], amountFen: 30_000, alipayUserId: WINNERS[0], status: 'W' }],
    });
    await server.env.sleep(announceEndMs - (await h.now()) - 10_000); // past expiry, ten seconds before the end
    assert.equal((await h.tasks.status(id)).transfers[0].status, 'waiting');

    let release!: () => void;
    h.gateway.cancelGate = new Promise((resolve) => (release = resolve));
    const calls = h.gateway.cancelCalls;
    const cancelled = h.tasks.cancelWinners(id, [r.transferNos[0]]);
    await eventually(
      async () => h.gateway.cancelCalls,
      (n) => n > calls,
    );
    assert.ok(h.gateway.cancelCalls > calls, 'the cancellation is at the gateway');

    const handle = server.env.client.workflow.getHandle(taskWorkflowId(id));
    const readEvents = async () => (await handle.fetchHistory()).events ?? [];
    const firedBefore = (await readEvents()).filter((e) => e.timerFiredEventAttributes).length;
    // the announcement ends (within the cancellation's 30 s at the gateway): the pass waits for the cancellation
    await server.env.sleep(15_000);
    const passBegan = (events: Awaited<ReturnType<typeof readEvents>>): boolean => {
      const fired = events.flatMap((e, k) => (e.timerFiredEventAttributes ? [k] : []));
      const last = fired.at(-1) ?? events.length;
      return fired.length > firedBefore && events.slice(last).some((e) => e.workflowTaskCompletedEventAttributes);
    };
    const history = await eventually(readEvents, passBegan, 30_000);
    assert.ok(passBegan(history), 'the pass at the announcement end began');
    release();
    assert.deepEqual((await cancelled).cancelled, [r.transferNos[0]]);

    let view = await h.tasks.status(id);
    assert.equal(view.transfers[0].status, 'cancelled');
    assert.equal(view.availableFen, 100_000, 'the whole bounty is free again');
    assert.deepEqual(
      view.attention.map((a) => a.code),
      [],
      `nothing for an operator yet: ${JSON.stringify(view.attention)}`,
    );

    await server.env.sleep(expiresAtMs + DAY - (await h.now()) + 60_000); // one resend window after expiry
    view = await h.tasks.status(id);
    assert.deepEqual(
      view.attention.filter((a) => !a.resolved).map((a) => a.code),
      ['LEFTOVER_NOT_PLANNED'],
      'the leftover nobody planned is flagged, with its true reason',
    );
    assert.equal(view.ledger.stillFrozenFen, 100_000);
    await h.saveHistory(id, 'cancel-at-expiry');
  });
});
