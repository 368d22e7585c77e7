/**
 * A worker dies while its payout is at the gateway (the gateway finishes it; nobody hears the answer). On a real
 * dev server (real time: the attempt's 60 s start-to-close timeout passes), a new worker retries the payout with the
 * same business numbers: the gateway answers "already paid", the winners are paid once, both ledgers agree.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sandboxLedger } from '../../cli/demo/sandbox-ledger';
import { startTestStack, type TestStack } from '../support/stack';

const PUBLISHER = '2088100000000041';
const W = ['2088200000000041', '2088200000000042'];

describe('a worker crash during a payout (dev server + sandbox)', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({ timeSkipping: false, resendWindowMs: 2_000 });
  });
  after(async () => {
    await stack?.stop();
  });

  test('the payout is retried by a new worker and paid once', async () => {
    const id = `crash-${process.pid}`;
    const published = await stack.tasks.publish({
      outerTaskId: id,
      title: id,
      taskType: 'DESIGN',
      publisherId: 'pub',
      publisherAlipayUserId: PUBLISHER,
      bountyFen: 10_000,
      valueAddedFeeFen: 0,
      expiresAtMs: Date.now() + 3_600_000,
    });
    await stack.sandbox.pay(published.cashierUrl, { payerUserId: PUBLISHER });
    await stack.flush();
    const announceEndMs = Math.ceil((Date.now() + 3_000) / 1000) * 1000;
    const r = await stack.tasks.selectWinners(id, {
      winners: [
        { alipayUserId: W[0], nickname: 'a', amountFen: 3_000 },
        { alipayUserId: W[1], nickname: 'b', amountFen: 2_000 },
      ],
      announceEndMs,
    });
    await stack.sandbox.confirm(r.confirmUrl);
    await stack.flush();
    // the payout will wait 4 s at the gateway: the worker dies meanwhile, the gateway still pays
    stack.sandbox.injectFault({
      target: 'request',
      kind: 'delay',
      delayMs: 4_000,
      service: 'alipay.witkey.task.confirm.by.platform',
      match: { outer_task_id: id },
    });
    const paidAtGateway = (): number => stack.sandbox.journal(id).filter((p) => p.reason === 'winner_payment').length;
    const until = async (what: string, pred: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> => {
      const deadline = Date.now() + timeoutMs;
      while (!(await pred())) {
        if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
        await new Promise((res) => setTimeout(res, 250));
      }
    };
    await until('the payout to be at the gateway', () => Date.now() > announceEndMs + 1_500, 15_000);
    assert.equal(paidAtGateway(), 0, 'still waiting at the gateway');
    await stack.crashWorker();
    await until('the gateway to pay', () => paidAtGateway() === 2, 10_000);
    await stack.startWorker();
    await until(
      'the retry and the notifications',
      async () => {
        await stack.flush();
        const v = await stack.status(id);
        return v.transfers.every((t) => t.status === 'paid' && t.commissionSettled);
      },
      120_000,
    );
    const view = await stack.status(id);
    assert.equal(paidAtGateway(), 2, 'each winner paid once at the gateway');
    assert.deepEqual(await sandboxLedger(stack.sandbox, id), view.ledger);
    assert.equal(view.needsAttention, false, JSON.stringify(view.attention));
  });
});
