/**
 * A site that speaks gbk and signs with RSA to the sandbox (issue #10, 6-7a): ALIPAY_INPUT_CHARSET and
 * ALIPAY_SIGN_TYPE take effect with --sandbox-url (worker and webhook), and the admin page `witkey leftover --html`
 * writes is submitted by a browser in gbk: the gateway accepts it with a Chinese nickname (with UTF-8 bytes it
 * answered ILLEGAL_CHARSET / ILLEGAL_SIGN). The browser is emulated as HTML specifies: a form is submitted in its
 * accept-charset, else in the document's charset.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodeText, formSerialize, normalizeCharset } from '../../alipay';
import type { PlanLeftoverResult, PublishResult, TaskView } from '../../workflows/messages';
import { startCliStack, untilJson, type CliStack, cliRunners } from './helpers';

const PUBLISHER = '2088100000000091';
const WINNER = '2088200000000091';

const unescapeHtml = (text: string): string =>
  text.replace(
    /&(amp|lt|gt|quot|#39);/g,
    (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!,
  );

/** What a browser sends for the first form of an HTML document (bytes as served). */
function browserSubmission(html: Buffer): {
  action: string;
  method: string;
  charset: string;
  body: string;
  fields: Record<string, string>;
} {
  const ascii = html.toString('latin1');
  const docCharset = /<meta charset="([^"]+)"/i.exec(ascii)?.[1] ?? 'utf-8';
  const doc = decodeText(html, normalizeCharset(docCharset));
  const form = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(doc);
  assert.ok(form, 'a form');
  const attr = (name: string): string | undefined => new RegExp(`\\b${name}="([^"]*)"`, 'i').exec(form[1])?.[1];
  const charset = attr('accept-charset') ?? docCharset; // HTML: accept-charset, else the document's encoding
  const fields: Record<string, string> = {};
  for (const m of form[2].matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)"\/?>/g))
    fields[unescapeHtml(m[1])] = unescapeHtml(m[2]);
  return {
    action: unescapeHtml(attr('action') ?? ''),
    method: (attr('method') ?? 'get').toLowerCase(),
    charset,
    body: formSerialize(fields, normalizeCharset(charset)),
    fields,
  };
}

describe('a gbk / RSA site against the sandbox: the admin page is submitted in gbk', () => {
  let stack: CliStack;
  const { runJson } = cliRunners(() => stack);
  const suffix = `${process.pid}${Date.now() % 100000}`;
  const id = `csG${suffix}`;

  before(async () => {
    stack = await startCliStack({ ALIPAY_INPUT_CHARSET: 'gbk', ALIPAY_SIGN_TYPE: 'RSA' });
  });
  after(async () => {
    await stack?.stop();
  });

  test('ALIPAY_INPUT_CHARSET=gbk and ALIPAY_SIGN_TYPE=RSA take effect with the sandbox: pages, notifications, returns', async () => {
    assert.match(stack.logs(), /Alipay sandbox http:\/\/127\.0\.0\.1:\d+ \(partner \d+, RSA, gbk\)/);
    const p = await runJson<PublishResult>(
      'publish',
      '--id',
      id,
      '--title',
      '标志设计',
      '--publisher',
      'u-g',
      '--publisher-name',
      '小猪',
      '--publisher-alipay-id',
      PUBLISHER,
      '--bounty',
      '200',
      '--expires',
      '+5s',
    );
    assert.match(p.cashierUrl, /[?&]_input_charset=gbk(&|$)/);
    assert.match(p.cashierUrl, /[?&]sign_type=RSA(&|$)/);
    assert.match(p.cashierUrl, /task_title=%B1%EA%D6%BE%C9%E8%BC%C6/, 'the title in gbk bytes');
    await stack.sandbox.pay(p.cashierUrl, { payerUserId: PUBLISHER, followReturn: true });
    const v = await untilJson<TaskView>(['status', id], stack.env, (x) => x.ledger.bountyFrozenFen === 20_000, 30_000);
    assert.equal(v.spec.title, '标志设计');
  });

  test('leftover --html: a gbk form (accept-charset gbk) the gateway accepts with a Chinese nickname', async () => {
    await untilJson<TaskView>(['status', id], stack.env, (x) => x.phase === 'expired', 30_000);
    const file = join(tmpdir(), `witkey-leftover-gbk-${suffix}.html`);
    const plan = await runJson<PlanLeftoverResult>(
      'leftover',
      id,
      '--platform',
      '10',
      '--winner',
      `${WINNER}:天之蓝:40`,
      '--html',
      file,
    );
    assert.equal(plan.adminPage.fields._input_charset, 'gbk');
    const html = await readFile(file);
    const sent = browserSubmission(html);
    assert.equal(sent.charset.toLowerCase(), 'gbk', 'the browser submits in gbk');
    assert.equal(sent.method, 'post');
    assert.deepEqual(sent.fields, plan.adminPage.fields, 'every signed field, unchanged');
    assert.ok(html.includes(Buffer.from([0xcc, 0xec, 0xd6, 0xae, 0xc0, 0xb6])), 'the file holds 天之蓝 in gbk bytes');

    // the browser posts the form to the gateway: the sandbox verifies the RSA signature over the gbk bytes
    const res = await fetch(sent.action, {
      method: 'POST',
      headers: { 'content-type': `application/x-www-form-urlencoded; charset=${sent.charset}` },
      body: sent.body,
    });
    const page = await res.text();
    assert.equal(res.status, 200, page);
    assert.doesNotMatch(
      page,
      /id="error-code"|<is_success>F<\/is_success>|ILLEGAL_CHARSET|ILLEGAL_SIGN/,
      'the old utf-8 page got ILLEGAL_CHARSET here',
    );
    assert.match(page, /天之蓝/);

    // the administrator confirms: the sandbox's page posts back, then its return form posts to the site in gbk
    const request = unescapeHtml(/name="request" value="([^"]*)"/.exec(page)![1]);
    const done = await fetch(`${stack.sandbox.url}/sandbox/pages/complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ request }).toString(),
    });
    assert.equal(done.status, 200);
    const back = browserSubmission(Buffer.from(await done.arrayBuffer()));
    assert.equal(back.charset.toLowerCase(), 'gbk');
    const site = await fetch(back.action, {
      method: 'POST',
      headers: { 'content-type': `application/x-www-form-urlencoded; charset=${back.charset}` },
      body: back.body,
    });
    assert.equal(site.status, 200, await site.text());
    const v = await untilJson<TaskView>(
      ['status', id],
      stack.env,
      (x) => x.ledger.stillFrozenFen === 0 && x.transfers.every((t) => t.commissionSettled),
      30_000,
    );
    assert.deepEqual(
      v.transfers.map((t) => [t.winnerNickname, t.grossFen, t.status]),
      [['天之蓝', 4_000, 'paid']],
    );
    assert.equal(v.ledger.refundedFen, 15_000);
  });
});
