/**
 * Every answer of the webhook, against the real pieces: a time-skipping Temporal server with the worker, the
 * sandbox (its keys sign the notifications, as Alipay's would), and the webhook on a free port. Notifications are
 * built with the protocol library's gateway side (buildNotification) or come from the sandbox itself.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { buildReturnCallback, type TaskFreezeEvent } from '../../alipay';
import { buildWebhook } from '../../client/webhook/server';
import { siteSettingsForSandbox } from '../../cli/sandbox-gateway';
import { freePort } from '../../devstack/ports';
import { startTestStack, type TestStack } from '../support/stack';
import {
  alipaySigner,
  forgerSigner,
  historyLength,
  inboxItems,
  post,
  rawBody,
  signalledNotifyIds,
  signedBody,
} from './helpers';
import { signMutations } from '../alipay/helpers';

const PUBLISHER = '2088100000000021';
const WINNER = '2088200000000021';
const HOUR = 3_600_000;

async function eventually<T>(read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (done(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('webhook answers (time-skipping server, sandbox keys)', () => {
  let stack: TestStack;
  let notifyUrl: string;
  const freezeEvent = async (
    id: string,
    amountFen: number,
    overrides: Partial<TaskFreezeEvent> = {},
  ): Promise<TaskFreezeEvent> => {
    const view = await stack.status(id);
    return {
      type: 'task_freeze',
      partner: stack.sandbox.config.partnerId,
      outerTaskId: id,
      outerTaskFreezeNo: view.freezeNo,
      taskAmountFen: amountFen,
      paidTime: Math.floor((await stack.now()) / 1000) * 1000,
      alipayUserId: PUBLISHER,
      ...overrides,
    };
  };
  const publish = async (id: string, bountyFen: number, expiresInMs = 30 * 24 * HOUR) =>
    stack.tasks.publish({
      outerTaskId: id,
      title: `webhook ${id}`,
      taskType: 'DESIGN',
      publisherId: `pub-${id}`,
      publisherAlipayUserId: PUBLISHER,
      bountyFen,
      valueAddedFeeFen: 0,
      expiresAtMs: (await stack.now()) + expiresInMs,
    });

  before(async () => {
    stack = await startTestStack({ resendWindowMs: 10 * 60_000 });
    notifyUrl = `${stack.webhookUrl}/alipay/notify`;
  });
  after(async () => {
    await stack?.stop();
  });

  test('valid: 200 "success" only once the signal is in the task\'s history, and the freeze is applied', async () => {
    await publish('wh-valid', 12_345);
    const { body } = signedBody('nv-valid-1', await freezeEvent('wh-valid', 12_345), alipaySigner(stack.sandbox));
    assert.deepEqual(await signalledNotifyIds(stack.server.env.client, 'wh-valid'), []);
    const answer = await post(notifyUrl, body);
    assert.deepEqual(answer, { status: 200, text: 'success' });
    // read right after the answer, without waiting: the task was idle, so the accepted signal is already in its history
    assert.deepEqual(await signalledNotifyIds(stack.server.env.client, 'wh-valid'), ['nv-valid-1']);
    const view = await stack.status('wh-valid');
    assert.equal(view.phase, 'open');
    assert.equal(view.ledger.bountyFrozenFen, 12_345);
    assert.equal(view.ledger.stillFrozenFen, 12_345);
    assert.equal(view.notificationsProcessed, 1);
  });

  test('duplicate: the same notify_id again is answered "success" and applied once', async () => {
    await publish('wh-dup', 5_000);
    const { body } = signedBody('nv-dup-1', await freezeEvent('wh-dup', 5_000), alipaySigner(stack.sandbox));
    const answers = [await post(notifyUrl, body), await post(notifyUrl, body), await post(notifyUrl, body)];
    assert.deepEqual(
      answers,
      [0, 1, 2].map(() => ({ status: 200, text: 'success' })),
    );
    // a signal that arrives while a workflow task runs is buffered (durable) and enters the history when that task ends
    assert.deepEqual(
      await eventually(
        () => signalledNotifyIds(stack.server.env.client, 'wh-dup'),
        (ids) => ids.length === 3,
      ),
      ['nv-dup-1', 'nv-dup-1', 'nv-dup-1'],
      'delivered every time',
    );
    const view = await stack.status('wh-dup');
    assert.equal(view.ledger.bountyFrozenFen, 5_000, 'frozen once, not three times');
    assert.equal(view.notificationsProcessed, 1);
    assert.equal(view.needsAttention, false);
  });

  describe('refused at the door: 4xx "fail", nothing changes', () => {
    let before0: { history: number; inbox: number };
    let event: TaskFreezeEvent;
    before(async () => {
      await publish('wh-refused', 7_000);
      event = await freezeEvent('wh-refused', 7_000);
      before0 = {
        history: await historyLength(stack.server.env.client, 'wh-refused'),
        inbox: (await inboxItems(stack.server.env.client)).length,
      };
    });
    const unchanged = async (): Promise<void> => {
      assert.equal(
        await historyLength(stack.server.env.client, 'wh-refused'),
        before0.history,
        'no event added to the task',
      );
      const view = await stack.status('wh-refused');
      assert.equal(view.phase, 'awaiting_payment');
      assert.equal(view.ledger.bountyFrozenFen, 0);
      assert.equal(view.notificationsProcessed, 0);
      assert.equal((await inboxItems(stack.server.env.client)).length, before0.inbox, 'nothing recorded in the inbox');
    };

    test("forged signature (signed with a key that is not Alipay's)", async () => {
      const { body } = signedBody('nv-forged', event, forgerSigner());
      assert.deepEqual(await post(notifyUrl, body), { status: 400, text: 'fail' });
      await unchanged();
    });

    test('tampered field (amount changed after signing)', async () => {
      const { fields } = signedBody('nv-tampered', event, alipaySigner(stack.sandbox));
      assert.match(fields.xml, /<task_amount>70\.00<\/task_amount>/);
      const tampered = rawBody({
        ...fields,
        xml: fields.xml.replace('<task_amount>70.00</task_amount>', '<task_amount>7000.00</task_amount>'),
      });
      assert.deepEqual(await post(notifyUrl, tampered), { status: 400, text: 'fail' });
      const renamed = rawBody({ ...fields, notify_id: 'nv-tampered-2' });
      assert.deepEqual(await post(notifyUrl, renamed), { status: 400, text: 'fail' }, 'the notify_id is signed too');
      await unchanged();
    });

    test('a genuine signature with a character added, changed or dropped (lenient base64)', async () => {
      for (let i = 0; i < 3; i++) {
        // DSA signatures are randomised: a few, so that padded and unpadded ones are both seen
        const { fields } = signedBody(`nv-sign-${i}`, event, alipaySigner(stack.sandbox));
        for (const [what, sign] of signMutations(fields.sign))
          assert.deepEqual(await post(notifyUrl, rawBody({ ...fields, sign })), { status: 400, text: 'fail' }, what);
      }
      await unchanged();
    });

    test('wrong partner (correctly signed, for another partner id)', async () => {
      const { body } = signedBody('nv-partner', { ...event, partner: '2088999999999999' }, alipaySigner(stack.sandbox));
      assert.deepEqual(await post(notifyUrl, body), { status: 400, text: 'fail' });
      await unchanged();
    });

    test('malformed bodies, unknown notify_type, wrong content type, oversize body', async () => {
      const { fields } = signedBody('nv-malformed', event, alipaySigner(stack.sandbox));
      const cases: [string, string | Buffer, string?][] = [
        ['not a form', 'this is %%% not a form'],
        ['empty body', ''],
        ['no signature', rawBody({ ...fields, sign: '' })],
        [
          'no xml',
          rawBody({
            notify_id: fields.notify_id,
            notify_time: fields.notify_time,
            notify_type: fields.notify_type,
            sign: fields.sign,
            sign_type: fields.sign_type,
          }),
        ],
        ['xml not well formed', rawBody({ ...fields, xml: '<alipay><response>' })],
        ['unknown notify_type', rawBody({ ...fields, notify_type: 'trade_status_sync' })],
        ['sub-type not allowed for the type', rawBody({ ...fields, notify_sub_type: 'ASSIGN_FOR_ANNOUNCE_PAYMENT' })],
      ];
      for (const [what, body] of cases) {
        assert.deepEqual(await post(notifyUrl, body), { status: 400, text: 'fail' }, what);
      }
      const json = await post(notifyUrl, JSON.stringify(fields), 'application/json');
      assert.equal(json.status, 415, 'JSON is not what Alipay sends');
      assert.equal(json.text, 'fail');
      const big = await post(notifyUrl, `${rawBody(fields)}&pad=${'x'.repeat(70 * 1024)}`);
      assert.deepEqual(big, { status: 413, text: 'fail' }, 'over the 64 KiB body limit');
      await unchanged();
    });

    test('notify_verify: a correctly signed notification the gateway did not issue is refused (403)', async () => {
      const settings = siteSettingsForSandbox(stack.sandbox.publicConfig(), stack.webhookUrl);
      const app = buildWebhook({
        client: stack.server.env.client,
        taskQueue: stack.taskQueue,
        inbound: settings.inbound,
        notifyVerify: {
          gatewayUrl: stack.sandbox.gatewayUrl,
          partner: stack.sandbox.config.partnerId,
          timeoutMs: 5_000,
        },
        logger: false,
      });
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      try {
        const { body } = signedBody('nv-not-issued', event, alipaySigner(stack.sandbox));
        assert.deepEqual(await post(`${url}/alipay/notify`, body), { status: 403, text: 'fail' });
      } finally {
        await app.close();
      }
      await unchanged();
    });
  });

  test('mismatched amount: delivered and answered "success"; the task flags AMOUNT_MISMATCH and moves no money', async () => {
    await publish('wh-mismatch', 10_000);
    const { body } = signedBody('nv-mismatch', await freezeEvent('wh-mismatch', 10_001), alipaySigner(stack.sandbox));
    assert.deepEqual(await post(notifyUrl, body), { status: 200, text: 'success' });
    assert.deepEqual(await signalledNotifyIds(stack.server.env.client, 'wh-mismatch'), ['nv-mismatch']);
    const view = await stack.status('wh-mismatch');
    assert.equal(view.needsAttention, true);
    assert.deepEqual(
      view.attention.map((a) => a.code),
      ['AMOUNT_MISMATCH'],
    );
    assert.match(view.attention[0].message, /10001/);
    assert.equal(view.phase, 'awaiting_payment');
    assert.equal(view.ledger.bountyFrozenFen, 0);
  });

  test('unknown task: recorded in the operators\' inbox, answered "success"', async () => {
    const { body } = signedBody(
      'nv-orphan',
      {
        type: 'task_freeze',
        partner: stack.sandbox.config.partnerId,
        outerTaskId: 'wh-never-published',
        outerTaskFreezeNo: 'whneverF',
        taskAmountFen: 100,
        paidTime: Math.floor((await stack.now()) / 1000) * 1000,
      },
      alipaySigner(stack.sandbox),
    );
    assert.deepEqual(await post(notifyUrl, body), { status: 200, text: 'success' });
    const items = (await inboxItems(stack.server.env.client)).filter((i) => i.notification.notifyId === 'nv-orphan');
    assert.equal(items.length, 1);
    assert.equal(items[0].reason, 'unknown_task');
    assert.equal(items[0].notification.event.outerTaskId, 'wh-never-published');
    assert.deepEqual(await post(notifyUrl, body), { status: 200, text: 'success' }, 'its resend too');
    assert.equal(
      (await inboxItems(stack.server.env.client)).filter((i) => i.notification.notifyId === 'nv-orphan').length,
      1,
      'recorded once',
    );
  });

  test('return pages: GET task.create (paid page, freeze delivered), POST left.amount.handle (pending page), forged return refused', async () => {
    // task.create: the publisher pays; the browser comes back by GET
    const published = await publish('wh-return', 20_000, 2 * HOUR);
    const paid = await stack.sandbox.pay(published.cashierUrl, { payerUserId: PUBLISHER });
    assert.equal(paid.returnMethod, 'GET');
    assert.ok(paid.returnUrl?.startsWith(`${stack.webhookUrl}/alipay/return?`), paid.returnUrl);
    const page = await fetch(paid.returnUrl);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await page.text(), /data-result="paid"/);
    const afterReturn = await stack.status('wh-return');
    assert.equal(afterReturn.phase, 'open', 'the return alone delivered the freeze (notifications not flushed yet)');
    assert.equal(afterReturn.ledger.bountyFrozenFen, 20_000);

    const forged = await fetch(paid.returnUrl.replace(/task_amount=200(\.00)?/, 'task_amount=999'));
    assert.equal(forged.status, 400);
    assert.match(await forged.text(), /data-result="refused"/);
    const returnUrl = new URL(paid.returnUrl);
    for (const [what, sign] of signMutations(returnUrl.searchParams.get('sign')!)) {
      const changed = new URL(returnUrl);
      changed.searchParams.set('sign', sign);
      assert.equal((await fetch(changed)).status, 400, `return page sign: ${what}`);
    }

    // left.amount.handle: after expiry the admin confirms; the browser comes back by POST
    await stack.flush();
    await stack.pass(2 * HOUR + 1_000);
    assert.equal((await stack.status('wh-return')).phase, 'expired');
    const plan = await stack.tasks.planLeftover('wh-return', { refundFen: 20_000, platformFen: 0, winners: [] });
    const done = await stack.sandbox.confirmLeftover(plan.adminPage.fields);
    assert.equal(done.returnMethod, 'POST');
    const res = await post(`${stack.webhookUrl}/alipay/return`, rawBody(done.returnFields));
    assert.equal(res.status, 200);
    assert.match(res.text, /data-result="pending"/);
    const view = await stack.status('wh-return');
    assert.equal(
      view.leftovers[0].status,
      'accepted',
      'the left_amount_handle result was delivered by the return page',
    );
    assert.equal(view.notificationsProcessed, 3, 'freeze return + freeze notify + leftover return');
  });

  test('late after close: a processed notify_id is a duplicate ("success"); a never-processed one goes to the inbox', async () => {
    const published = await publish('wh-late', 4_000, HOUR);
    await stack.sandbox.pay(published.cashierUrl, { payerUserId: PUBLISHER });
    await stack.flush();
    const r = await stack.tasks.selectWinners('wh-late', {
      winners: [{ alipayUserId: WINNER, nickname: 'Quick', amountFen: 4_000 }],
    });
    await stack.sandbox.confirm(r.confirmUrl);
    await stack.flush();
    await stack.pass(HOUR + 11 * 60_000); // expiry, then the resend window: the task closes
    const result = await stack.result('wh-late');
    assert.equal(result.view.phase, 'settled');
    const processed = result.processedNotifyIds.filter((id) => !id.startsWith('return:'));
    assert.ok(processed.length >= 3, JSON.stringify(result.processedNotifyIds));

    const inboxBefore = await inboxItems(stack.server.env.client);
    const duplicate = signedBody(processed[0], await freezeEventClosed(), alipaySigner(stack.sandbox));
    assert.deepEqual(await post(notifyUrl, duplicate.body), { status: 200, text: 'success' });
    assert.equal(
      (await inboxItems(stack.server.env.client)).length,
      inboxBefore.length,
      'a duplicate of the record is not an inbox item',
    );

    const late = signedBody('nv-late-new', await freezeEventClosed(), alipaySigner(stack.sandbox));
    assert.deepEqual(await post(notifyUrl, late.body), { status: 200, text: 'success' });
    const items = (await inboxItems(stack.server.env.client)).filter((i) => i.notification.notifyId === 'nv-late-new');
    assert.equal(items.length, 1);
    assert.equal(items[0].reason, 'task_closed');
    assert.deepEqual(items[0].task, { status: 'COMPLETED', phase: 'settled' });
    assert.deepEqual(
      { amountFen: items[0].money?.amountFen, frozen: items[0].money?.mayBeFrozenAtAlipay },
      { amountFen: 4_000, frozen: true },
      'money, not noise',
    );

    async function freezeEventClosed(): Promise<TaskFreezeEvent> {
      return {
        type: 'task_freeze',
        partner: stack.sandbox.config.partnerId,
        outerTaskId: 'wh-late',
        outerTaskFreezeNo: result.view.freezeNo,
        taskAmountFen: 4_000,
        paidTime: Math.floor((await stack.now()) / 1000) * 1000,
      };
    }
  });

  test('/healthz: 200 ok with Temporal reachable', async () => {
    const res = await fetch(`${stack.webhookUrl}/healthz`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok', checks: { temporal: true } });
  });

  test('Temporal down: 503 "fail" (Alipay resends), /healthz 503, return page 503', async () => {
    const port = await freePort(); // nothing listens here
    const connection = Connection.lazy({ address: `127.0.0.1:${port}` });
    const client = new Client({ connection });
    const settings = siteSettingsForSandbox(stack.sandbox.publicConfig(), stack.webhookUrl);
    const app = buildWebhook({
      client,
      taskQueue: stack.taskQueue,
      inbound: settings.inbound,
      logger: false,
      workerPolling: async () => true,
      deliveryDeadlineMs: 1_000,
    });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      // the deadline bounds the answer (no timing assertion here: the 503 itself shows the deadline fired)
      const { body } = signedBody('nv-down', await freezeEvent('wh-valid', 12_345), alipaySigner(stack.sandbox));
      assert.deepEqual(await post(`${url}/alipay/notify`, body), { status: 503, text: 'fail' });
      const health = await fetch(`${url}/healthz`);
      assert.equal(health.status, 503);
      assert.deepEqual(await health.json(), { status: 'unhealthy', checks: { temporal: false, workerPolling: true } });
      const back = buildReturnCallback(
        'alipay.witkey.task.create',
        `${url}/alipay/return`,
        { isSuccess: true, event: await freezeEvent('wh-valid', 12_345) },
        alipaySigner(stack.sandbox),
        'utf-8',
      );
      const page = await fetch(back.url);
      assert.equal(page.status, 503);
      assert.match(await page.text(), /data-result="pending"/);
      // a forged one is still refused at the door (400), before Temporal is asked
      assert.deepEqual(
        await post(
          `${url}/alipay/notify`,
          signedBody('nv-down-forged', await freezeEvent('wh-valid', 1), forgerSigner()).body,
        ),
        { status: 400, text: 'fail' },
      );
    } finally {
      await app.close();
      await connection.close();
    }
    assert.ok(!(await signalledNotifyIds(stack.server.env.client, 'wh-valid')).includes('nv-down'));
  });
});
