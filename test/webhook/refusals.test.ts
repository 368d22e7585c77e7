/**
 * Return pages on which Alipay refused the step (`is_success=F`) and return pages with more signed fields (issue #10,
 * 7b-c), through the webhook against the real pieces (time-skipping server, worker, sandbox keys): a verified
 * refusal reaches the task as the pageRefused signal (an attention item for an operator) and the browser is told
 * the step was refused and why; for an unknown task it is logged and the browser gets the same clear page; a forged
 * one changes nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildReturnCallback, formSerialize, signMapiParams } from '../../alipay';
import { taskWorkflowId, type PageRefusal } from '../../workflows/messages';
import { startTestStack, type TestStack } from '../support/stack';
import { alipaySigner, forgerSigner } from './helpers';

const PUBLISHER = '2088100000000081';
const HOUR = 3_600_000;

/** The pageRefused signals in a task's history, in order. */
async function refusalsOf(stack: TestStack, outerTaskId: string): Promise<PageRefusal[]> {
  const history = await stack.server.env.client.workflow.getHandle(taskWorkflowId(outerTaskId)).fetchHistory();
  const out: PageRefusal[] = [];
  for (const e of history.events ?? []) {
    const a = e.workflowExecutionSignaledEventAttributes;
    if (a?.signalName !== 'pageRefused') continue;
    out.push(JSON.parse(Buffer.from(a.input!.payloads![0].data!).toString('utf8')) as PageRefusal);
  }
  return out;
}

async function get(url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { redirect: 'manual' });
  return { status: res.status, text: await res.text() };
}

describe('webhook: refused pages and returns with more signed fields', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({ resendWindowMs: 10 * 60_000 });
  });
  after(async () => {
    await stack?.stop();
  });

  test('is_success=F for a task: the task gets pageRefused (and an attention item); the browser is told why', async () => {
    const id = 'wr-refused';
    await stack.tasks.publish({
      outerTaskId: id,
      title: 'refused page',
      taskType: 'DESIGN',
      publisherId: 'pub-r',
      publisherAlipayUserId: PUBLISHER,
      bountyFen: 10_000,
      valueAddedFeeFen: 0,
      expiresAtMs: (await stack.now()) + 30 * 24 * HOUR,
    });
    const returnUrl = `${stack.webhookUrl}/alipay/return?service=alipay.witkey.task.confirm`;
    const back = buildReturnCallback(
      'alipay.witkey.task.confirm',
      returnUrl,
      { isSuccess: false, errorCode: 'WITKEY_NOT_ALLOW', outerTaskId: id },
      alipaySigner(stack.sandbox),
      'utf-8',
    );
    const before = Date.now();
    const page = await get(back.url);
    assert.equal(page.status, 200, page.text);
    assert.match(page.text, /data-result="refused-step"/);
    assert.match(page.text, /Alipay refused this step \(alipay\.witkey\.task\.confirm\): WITKEY_NOT_ALLOW\./);
    const refusals = await refusalsOf(stack, id);
    assert.equal(refusals.length, 1);
    const { atMs, ...rest } = refusals[0];
    assert.deepEqual(rest, {
      outerTaskId: id,
      service: 'alipay.witkey.task.confirm',
      errorCode: 'WITKEY_NOT_ALLOW',
      references: [],
    });
    assert.ok(atMs !== undefined && atMs >= before - 1000 && atMs <= Date.now());
    const view = await stack.status(id);
    assert.deepEqual(
      view.attention.filter((a) => !a.resolved).map((a) => a.code),
      ['PAGE_REFUSED'],
    );
    // the browser's reload: the same refusal again, recorded once
    assert.equal((await get(back.url)).status, 200);
  });

  test('is_success=F for an unknown task, or without outer_task_id: logged, a clear page, no error', async () => {
    const returnUrl = `${stack.webhookUrl}/alipay/return?service=alipay.witkey.task.left.amount.handle`;
    const unknown = buildReturnCallback(
      'alipay.witkey.task.left.amount.handle',
      returnUrl,
      { isSuccess: false, errorCode: 'WITKEY_TASK_NOT_EXIST', outerTaskId: 'wr-nobody' },
      alipaySigner(stack.sandbox),
      'utf-8',
    );
    const res = await fetch(unknown.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: formSerialize(unknown.fields, 'utf-8'),
    });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    assert.match(
      text,
      /Alipay refused this step \(alipay\.witkey\.task\.left\.amount\.handle\): WITKEY_TASK_NOT_EXIST\./,
    );
    assert.match(text, /no open task wr-nobody/);
    const anonymous = buildReturnCallback(
      'alipay.witkey.task.confirm',
      `${stack.webhookUrl}/alipay/return?service=alipay.witkey.task.confirm`,
      { isSuccess: false, errorCode: 'SYSTEM_ERROR' },
      alipaySigner(stack.sandbox),
      'utf-8',
    );
    const page = await get(anonymous.url);
    assert.equal(page.status, 200);
    assert.match(page.text, /Alipay refused this step \(alipay\.witkey\.task\.confirm\): SYSTEM_ERROR\./);
  });

  test('a forged refusal is refused and reaches no task', async () => {
    const id = 'wr-forged';
    await stack.tasks.publish({
      outerTaskId: id,
      title: 'forged',
      taskType: 'DESIGN',
      publisherId: 'pub-f',
      publisherAlipayUserId: PUBLISHER,
      bountyFen: 10_000,
      valueAddedFeeFen: 0,
      expiresAtMs: (await stack.now()) + 30 * 24 * HOUR,
    });
    const forged = buildReturnCallback(
      'alipay.witkey.task.confirm',
      `${stack.webhookUrl}/alipay/return?service=alipay.witkey.task.confirm`,
      { isSuccess: false, errorCode: 'WITKEY_NOT_ALLOW', outerTaskId: id },
      forgerSigner(),
      'utf-8',
    );
    const page = await get(forged.url);
    assert.equal(page.status, 400);
    assert.match(page.text, /data-result="refused"/);
    assert.deepEqual(await refusalsOf(stack, id), []);
  });

  test('a genuine return page with one more signed field is accepted and delivered; tampered, refused', async () => {
    const id = 'wr-extra';
    const published = await stack.tasks.publish({
      outerTaskId: id,
      title: 'extra field',
      taskType: 'DESIGN',
      publisherId: 'pub-e',
      publisherAlipayUserId: PUBLISHER,
      bountyFen: 7_000,
      valueAddedFeeFen: 0,
      expiresAtMs: (await stack.now()) + 30 * 24 * HOUR,
    });
    assert.ok(published.cashierUrl);
    const view = await stack.status(id);
    const fields: Record<string, string> = {
      is_success: 'T',
      outer_task_id: id,
      outer_task_freeze_no: view.freezeNo,
      task_amount: '70.00',
      paid_time: '20300101120000',
      buyer_email: 'pub@example.com',
    };
    const signedFields = {
      ...fields,
      sign: signMapiParams(fields, alipaySigner(stack.sandbox), 'utf-8'),
      sign_type: 'DSA',
    };
    const tampered = await get(
      `${stack.webhookUrl}/alipay/return?service=alipay.witkey.task.create&${formSerialize({ ...signedFields, buyer_email: 'x@example.com' }, 'utf-8')}`,
    );
    assert.equal(tampered.status, 400);
    const page = await get(
      `${stack.webhookUrl}/alipay/return?service=alipay.witkey.task.create&${formSerialize(signedFields, 'utf-8')}`,
    );
    assert.equal(page.status, 200, page.text);
    assert.match(page.text, /data-result="paid"/);
    const after = await stack.status(id);
    assert.equal(after.ledger.bountyFrozenFen, 7_000, 'the return delivered the freeze');
  });
});
