/**
 * The timer towards the next deadline is kept across wakes (patch keep-deadline-timer): messages that change the task
 * but not its next deadline do not cancel the timer and start the same one again; a message that moves the deadline
 * does, and the deadline still wakes the task on time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { StartedServer } from '../../devstack/servers';
import { taskWorkflowId } from '../../workflows/messages';
import { eventually } from '../support/eventually';
import { timeSkippingServer } from '../support/servers';
import { startWorkflowHarness, WINNERS, type WorkflowHarness } from '../support/workflow-harness';

const DAY = 86_400_000;

describe('the deadline timer is kept across wakes (time-skipping)', { timeout: 300_000 }, () => {
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

  async function timers(id: string): Promise<{ started: string[]; cancelled: number; fired: number }> {
    const events = (await server.env.client.workflow.getHandle(taskWorkflowId(id)).fetchHistory()).events ?? [];
    const summary = (e: (typeof events)[number]): string =>
      Buffer.from(e.userMetadata?.summary?.data ?? new Uint8Array()).toString('utf8');
    return {
      started: events.filter((e) => e.timerStartedEventAttributes).map(summary),
      cancelled: events.filter((e) => e.timerCanceledEventAttributes).length,
      fired: events.filter((e) => e.timerFiredEventAttributes).length,
    };
  }

  test('a winner round paid at once wakes the task three times; its expiry timer runs on, and fires', async () => {
    const id = 'deadline-timer-kept';
    await h.publishAndPay(id, 50_000, 0, DAY / 2); // expires before any resend window (1 day) ends
    const before = await eventually(
      () => timers(id),
      (t) => t.started.some((s) => s.includes('task expires')),
    );
    assert.equal(before.started.filter((s) => s.includes('task expires')).length, 1, before.started.join(', '));
    const r = await h.tasks.selectWinners(id, {
      winners: [{ alipayUserId: WINNERS[0], nickname: 'a', amountFen: 20_000 }],
    });
    await h.notify(id, {
      type: 'task_confirm',
      transfers: [{ outerTransferNo: r.transferNos[0], amountFen: 20_000, alipayUserId: WINNERS[0], status: 'I' }],
    });
    await h.payTransfer(id, r.transferNos[0], 20_000, 'IMMEDIATE');
    const view = await h.tasks.status(id);
    assert.equal(view.transfers[0].status, 'paid');
    assert.equal(view.ledger.stillFrozenFen, 30_000);
    const during = await timers(id);
    assert.deepEqual(
      during.started.filter((s) => s.includes('task expires')),
      ['"task expires"'],
      `one expiry timer for the whole wait: ${during.started.join(', ')}`,
    );
    assert.equal(during.cancelled, before.cancelled, 'no timer cancelled by the messages');

    await server.env.sleep(DAY / 2 + 60_000);
    const expired = await h.tasks.status(id);
    assert.equal(expired.phase, 'expired', 'the kept timer woke the task at its expiry');
    assert.ok((await timers(id)).fired > during.fired);
    await h.saveHistory(id, 'deadline-timer-kept');
  });
});
