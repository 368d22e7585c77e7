/**
 * Money never moves twice: a payout whose reply is lost (the gateway processed it, then the connection dropped) is
 * retried with the same business numbers; the gateway pays once, and both ledgers agree to the fen. A worker that
 * dies while its payout is at the gateway is the same case for the gateway (the attempt times out and is retried);
 * that variant runs on a real dev server in worker-crash.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sandboxLedger } from '../../cli/demo/sandbox-ledger';
import { startTestStack, type TestStack } from '../support/stack';

const DAY = 86_400_000;
const PUBLISHER = '2088100000000031';
const W = ['2088200000000031', '2088200000000032'];

describe('crashes and lost replies (time-skipping + sandbox)', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack();
  });
  after(async () => {
    await stack?.stop();
  });

  async function taskWithWaitingWinners(id: string): Promise<string[]> {
    const published = await stack.tasks.publish({
      outerTaskId: id,
      title: id,
      taskType: 'DESIGN',
      publisherId: 'pub',
      publisherAlipayUserId: PUBLISHER,
      bountyFen: 10_000,
      valueAddedFeeFen: 0,
      expiresAtMs: (await stack.now()) + 10 * DAY,
    });
    await stack.sandbox.pay(published.cashierUrl, { payerUserId: PUBLISHER });
    await stack.flush();
    const r = await stack.tasks.selectWinners(id, {
      winners: [
        { alipayUserId: W[0], nickname: 'a', amountFen: 3_000 },
        { alipayUserId: W[1], nickname: 'b', amountFen: 2_000 },
      ],
      announceEndMs: (await stack.now()) + DAY,
    });
    await stack.sandbox.confirm(r.confirmUrl);
    await stack.flush();
    return r.transferNos;
  }

  function payoutPostings(id: string, transferNo: string): number {
    return stack.sandbox.journal(id).filter((p) => p.ref === transferNo && p.reason === 'winner_payment').length;
  }

  test('a payout processed by the gateway whose reply was lost is retried and paid once', async () => {
    const id = 'crash-drop';
    const nos = await taskWithWaitingWinners(id);
    stack.sandbox.injectFault({
      target: 'request',
      kind: 'drop',
      service: 'alipay.witkey.task.confirm.by.platform',
      match: { outer_task_id: id },
    });
    await stack.pass(DAY + 1_000);
    await stack.pass(60_000); // the activity's retry
    const view = await stack.status(id);
    assert.deepEqual(
      view.transfers.map((t) => t.status),
      ['paid', 'paid'],
    );
    assert.deepEqual(
      nos.map((no) => payoutPostings(id, no)),
      [1, 1],
      'one payment per winner at the gateway',
    );
    assert.deepEqual(await sandboxLedger(stack.sandbox, id), view.ledger);
    assert.equal(view.needsAttention, false, JSON.stringify(view.attention));
  });
});
