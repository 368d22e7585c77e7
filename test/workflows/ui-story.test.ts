/**
 * What an operator sees of a task in the Web UI: a summary and details given at start (title, bounty in yuan,
 * expiry in China time), current details kept up to date (phase, ledger in yuan, transfers, the next step), a
 * summary on every timer and activity, and WitkeyAmountFen meaning the money frozen now. On the dev server, which
 * keeps user metadata as a production server does.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { StartedServer } from '../../devstack/servers';
import { taskWorkflowId } from '../../workflows/messages';
import { chinaTime } from '../../workflows/task/life/details';
import { eventually } from '../support/eventually';
import { devServer } from '../support/servers';
import { startWorkflowHarness, WINNERS, type WorkflowHarness } from '../support/workflow-harness';

const DAY = 86_400_000;
type Payload = temporal.api.common.v1.IPayload;
const text = (p: Payload | null | undefined): string | undefined =>
  p ? defaultPayloadConverter.fromPayload<string>(p) : undefined;

describe('the task in the Web UI (user metadata, search attributes)', () => {
  let server: StartedServer;
  let h: WorkflowHarness;
  before(async () => {
    server = await devServer();
    h = await startWorkflowHarness(server, { resendWindowMs: DAY });
  });
  after(async () => {
    await h?.stop();
    await server?.env.teardown();
  });

  test('summary, details, named timers and activities, frozen amount', async () => {
    const id = 'ui-story-1';
    const handle = server.env.client.workflow.getHandle(taskWorkflowId(id));
    const expiresAtMs = (await h.now()) + 20 * DAY;
    await h.publishAndPay(id, 12_345, 0, 20 * DAY);
    const r = await h.tasks.selectWinners(id, {
      winners: [{ alipayUserId: WINNERS[0], nickname: 'n', amountFen: 10_000 }],
      announceEndMs: (await h.now()) + 3_000,
    });
    await h.notify(id, {
      type: 'task_confirm',
      transfers: [{ outerTransferNo: r.transferNos[0], amountFen: 10_000, alipayUserId: WINNERS[0], status: 'W' }],
    });
    await eventually(
      () => h.tasks.status(id),
      (v) => v.transfers[0]?.status === 'paying',
    );
    await h.payTransfer(id, r.transferNos[0], 10_000, 'ANNOUNCE');
    const view = await eventually(
      () => h.tasks.status(id),
      (v) => v.transfers[0]?.status === 'paid',
    );

    const desc = await handle.describe();
    assert.equal(await desc.staticSummary(), `task ${id} · ¥123.45`);
    const details = (await desc.staticDetails()) ?? '';
    assert.match(details, /publisher pub-1; bounty ¥123\.45/);
    assert.ok(details.includes(`expires ${chinaTime(Math.floor(expiresAtMs / 1000) * 1000)}`), details);
    assert.equal(
      desc.searchAttributes.WitkeyAmountFen?.[0],
      view.ledger.stillFrozenFen,
      'WitkeyAmountFen = frozen now',
    );
    assert.equal(view.ledger.stillFrozenFen, 2_345);

    const { currentDetails } = await handle.query<{ currentDetails: string }>('__temporal_workflow_metadata');
    assert.match(currentDetails, /\*\*phase open\*\*/);
    assert.match(currentDetails, /\| still frozen \| 23\.45 \|/);
    assert.match(currentDetails, new RegExp(`\\| ${r.transferNos[0]} \\| 1 \\| 100\\.00 \\| paid \\|`));
    assert.match(currentDetails, /\*\*next\*\*: task expires at \d{4}-\d\d-\d\d \d\d:\d\d \(China time\)/);
    assert.doesNotMatch(currentDetails, new RegExp(WINNERS[0]), 'no Alipay id in the details');

    const events = (await handle.fetchHistory()).events ?? [];
    const timers = events.filter((e) => e.timerStartedEventAttributes).map((e) => text(e.userMetadata?.summary));
    assert.ok(timers.includes('payment deadline'), `timers: ${timers.join(', ')}`);
    assert.ok(timers.includes('announcement period ends: payout'), `timers: ${timers.join(', ')}`);
    assert.ok(timers.includes('task expires'), `timers: ${timers.join(', ')}`);
    const activities = events
      .filter((e) => e.activityTaskScheduledEventAttributes)
      .map((e) => text(e.userMetadata?.summary));
    assert.deepEqual(activities, [
      'cashier page of the bounty',
      'task.confirm page for the publisher',
      'pay out 1 transfer(s)',
    ]);
  });

  test('an unpaid task holds nothing: WitkeyAmountFen 0', async () => {
    const id = 'ui-story-2';
    await h.tasks.publish({
      outerTaskId: id,
      title: 'never paid',
      taskType: 'DESIGN',
      publisherId: 'pub-2',
      bountyFen: 50_000,
      valueAddedFeeFen: 0,
      expiresAtMs: (await h.now()) + 5 * DAY,
    });
    const desc = await server.env.client.workflow.getHandle(taskWorkflowId(id)).describe();
    assert.equal(desc.searchAttributes.WitkeyAmountFen?.[0], 0);
    const matches = await server.env.client.workflow.count(`WitkeyAmountFen >= 50000 AND WitkeyPublisherId = 'pub-2'`);
    assert.equal(matches.count, 0, 'an unpaid task does not match an amount query');
  });
});
