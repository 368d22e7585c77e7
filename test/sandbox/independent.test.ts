// An independent client: no import from alipay/ or sandbox/ internals on the signing side. Requests are built as
// hand-written strings, signed with the openssl command line (DSA, RSA, MD5, RSA2), encoded with
// encodeURIComponent or the iconv command line (GBK), sent with plain fetch; replies, return callbacks and
// notifications are verified with openssl over the exact bytes. A bug shared by both sides of the protocol library
// cannot pass here unseen.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, startSandbox, type Sandbox } from '../../sandbox';

const T0 = Date.UTC(2030, 0, 1);
/** yyyyMMddHHmmss in China time, by hand. */
function compact(ms: number): string {
  const d = new Date(ms + 8 * 3600_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

let work: string;
function openssl(args: string[], input: Buffer | string): Buffer {
  return execFileSync('openssl', args, { input, maxBuffer: 1 << 20 });
}
function signWith(alg: 'sha1' | 'sha256', keyFile: string, data: Buffer | string): string {
  return openssl(['dgst', `-${alg}`, '-sign', keyFile], data).toString('base64');
}
function verifyWith(alg: 'sha1' | 'sha256', pubFile: string, data: Buffer | string, signatureB64: string): boolean {
  const sigFile = join(work, `sig-${Math.random().toString(36).slice(2)}`);
  writeFileSync(sigFile, Buffer.from(signatureB64, 'base64'));
  try {
    return openssl(['dgst', `-${alg}`, '-verify', pubFile, '-signature', sigFile], data)
      .toString()
      .includes('Verified OK');
  } catch {
    return false;
  } finally {
    rmSync(sigFile, { force: true });
  }
}
function md5Hex(data: Buffer): string {
  return /([0-9a-f]{32})/.exec(openssl(['dgst', '-md5'], data).toString())![1];
}
function gbk(text: string): Buffer {
  return execFileSync('iconv', ['-f', 'UTF-8', '-t', 'GBK'], { input: text });
}
/** Percent-encode bytes (every non-alphanumeric byte). */
function pct(bytes: Buffer): string {
  let out = '';
  for (const b of bytes)
    out += /[A-Za-z0-9]/.test(String.fromCharCode(b))
      ? String.fromCharCode(b)
      : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

/** The string to sign, by hand: drop sign/sign_type/empty, sort by key, key=value joined by '&'. */
function signingString(params: Record<string, string>, dropSignType = true): string {
  return Object.keys(params)
    .filter((k) => k !== 'sign' && !(dropSignType && k === 'sign_type') && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
}

interface Conf {
  partnerId: string;
  appId: string;
  keys: Record<string, string>;
}

describe('independent client (openssl + plain HTTP)', () => {
  let s: Sandbox;
  let clock: ManualClock;
  let conf: Conf;
  let key: (name: string) => string;
  let notifyServer: Server;
  let notifyUrl: string;
  const notifications: Array<{ raw: Buffer; contentType: string; fields: URLSearchParams; verified: boolean }> = [];

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'witkey-sandbox-indep-'));
    clock = new ManualClock(T0);
    s = await startSandbox({
      dataDir: join(work, 'data'),
      clock,
      autoDeliver: false,
      feeRates: { commissionBp: 2000, alipayFeeBp: 50 },
    });
    conf = JSON.parse(readFileSync(join(work, 'data', 'sandbox.json'), 'utf8')) as Conf;
    key = (name) => join(work, 'data', conf.keys[name]);
    notifyServer = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        const contentType = req.headers['content-type'] ?? '';
        const fields = new URLSearchParams(raw.toString('latin1'));
        // Decode as UTF-8 by hand (these requests are UTF-8).
        const decoded: Record<string, string> = {};
        for (const part of raw.toString('latin1').split('&')) {
          const [k, v = ''] = part.split('=');
          decoded[decodeURIComponent(k.replace(/\+/g, ' '))] = decodeURIComponent(v.replace(/\+/g, ' '));
        }
        const verified =
          decoded.sign_type === 'DSA' &&
          verifyWith('sha1', key('alipayDsaPublic'), Buffer.from(signingString(decoded), 'utf8'), decoded.sign ?? '');
        notifications.push({ raw, contentType, fields, verified });
        res.end(verified ? 'success' : 'fail');
      });
    });
    await new Promise<void>((r) => notifyServer.listen(0, '127.0.0.1', () => r()));
    notifyUrl = `http://127.0.0.1:${(notifyServer.address() as AddressInfo).port}/notify`;
  });
  after(async () => {
    await s.stop();
    await new Promise<void>((r) => notifyServer.close(() => r()));
    rmSync(work, { recursive: true, force: true });
  });

  /** Sign params (DSA by default) and build the query string (UTF-8, encodeURIComponent). */
  function signedQuery(params: Record<string, string>, signType: 'DSA' | 'RSA' | 'MD5' = 'DSA'): string {
    const base = { ...params, partner: conf.partnerId, _input_charset: 'utf-8' };
    const text = Buffer.from(signingString(base), 'utf8');
    const sign =
      signType === 'MD5'
        ? md5Hex(Buffer.concat([text, Buffer.from(readFileSync(key('partnerMd5Key'), 'utf8').trim(), 'utf8')]))
        : signWith('sha1', key(signType === 'DSA' ? 'partnerDsaPrivate' : 'partnerRsaPrivate'), text);
    const all: Record<string, string> = { ...base, sign, sign_type: signType };
    return Object.entries(all)
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
      .join('&');
  }

  /** The signed bytes of a success reply: from <response> through </response>, exactly as received. */
  function verifyReply(body: Buffer, pub = key('alipayDsaPublic')): string {
    const text = body.toString('latin1');
    assert.match(text, /<is_success>T<\/is_success>/, text.slice(0, 300));
    const start = text.indexOf('<response>');
    const end = text.indexOf('</response>') + '</response>'.length;
    const sign = /<sign>([^<]+)<\/sign>/.exec(text)![1];
    assert.ok(verifyWith('sha1', pub, body.subarray(start, end), sign), 'reply signature verifies with openssl');
    return body.toString('utf8');
  }

  let publisher = '';

  test('task.create through the browser path: cashier page, pay button, signed redirect, signed notification', async () => {
    const q = signedQuery({
      service: 'alipay.witkey.task.create',
      outer_task_id: 'IND1',
      outer_task_freeze_no: 'IND1FZ',
      task_amount: '100.00',
      additional_profit_amount: '5.50',
      additional_profit_transfer_no: 'IND1AP',
      return_url: 'http://127.0.0.1:9/return?site=1',
      notify_url: notifyUrl,
      task_type: 'LOGO',
      task_title: '设计一个标志 & more',
      task_expired_time: compact(T0 + 10 * 86_400_000),
      outer_account_id: 'alice',
      outer_account_name: '小猪',
    });
    const page = await fetch(`${s.gatewayUrl}?${q}`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /<button[^>]*>Pay<\/button>/);
    const request = /name="request" value="([^"]*)"/.exec(html)![1].replace(/&amp;/g, '&');
    const submit = await fetch(`${s.url}/sandbox/pages/complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `request=${encodeURIComponent(request)}`,
      redirect: 'manual',
    });
    assert.equal(submit.status, 302);
    const location = new URL(submit.headers.get('location')!);
    assert.equal(`${location.origin}${location.pathname}`, 'http://127.0.0.1:9/return');
    const ret: Record<string, string> = {};
    location.searchParams.forEach((v, k) => {
      if (k !== 'site') ret[k] = v;
    });
    assert.equal(ret.is_success, 'T');
    assert.equal(ret.task_amount, '100.00');
    assert.equal(ret.additional_profit_amount, '5.50');
    assert.match(ret.paid_time, /^\d{14}$/);
    assert.ok(
      verifyWith('sha1', key('alipayDsaPublic'), Buffer.from(signingString(ret), 'utf8'), ret.sign),
      'return signature verifies',
    );

    await fetch(`${s.url}/sandbox/notifications/flush`, { method: 'POST' });
    assert.equal(notifications.length, 2);
    assert.ok(
      notifications.every((n) => n.verified),
      'notification signatures verify with openssl',
    );
    assert.match(notifications[0].contentType, /application\/x-www-form-urlencoded/);
    const xml = notifications[0].fields.get('xml')!;
    assert.match(xml, /<outer_task_id>IND1<\/outer_task_id>/);
    publisher = /<alipay_user_id>(2088\d{12})<\/alipay_user_id>/.exec(xml)![1]!;

    // notify_verify, unsigned GET
    const nid = notifications[0].fields.get('notify_id')!;
    assert.equal(
      await (await fetch(`${s.gatewayUrl}?service=notify_verify&partner=${conf.partnerId}&notify_id=${nid}`)).text(),
      'true',
    );
    assert.equal(
      await (await fetch(`${s.gatewayUrl}?service=notify_verify&partner=${conf.partnerId}&notify_id=forged`)).text(),
      'false',
    );

    const ledger = (await (await fetch(`${s.url}/sandbox/ledger`)).json()) as {
      frozen: Record<string, number>;
      platform: Record<string, number>;
    };
    assert.equal(ledger.frozen[`${conf.partnerId}:IND1`], 10000);
    assert.equal(ledger.platform[conf.partnerId], 550);
  });

  test('task.confirm (RSA-signed) via the control API, confirm.by.platform (MD5) by GET, XML reply verified', async () => {
    const detail = ['IND1T1~*@^60.00~*@^2088000000000101~*@^张三', 'IND1T2~*@^30.00~*@^2088000000000102~*@^Li'].join(
      '*@|$',
    );
    const q = signedQuery(
      {
        service: 'alipay.witkey.task.confirm',
        outer_task_id: 'IND1',
        outer_account_id: 'alice',
        alipay_user_id: publisher,
        transfer_detail: detail,
        announce_period: compact(T0 + 86_400_000),
        return_url: 'http://127.0.0.1:9/return',
        notify_url: notifyUrl,
      },
      'RSA',
    );
    const res = await fetch(`${s.url}/sandbox/confirm`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ request: `${s.gatewayUrl}?${q}` }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    const body = (await res.json()) as { returnUrl: string; returnFields: Record<string, string> };
    const fields = body.returnFields;
    assert.equal(fields.sign_type, 'RSA');
    assert.ok(
      verifyWith('sha1', key('alipayRsaPublic'), Buffer.from(signingString(fields), 'utf8'), fields.sign),
      'RSA return verifies',
    );
    assert.match(fields.xml, /<transfer_status>W<\/transfer_status>/);

    clock.set(T0 + 86_400_000);
    const cq = signedQuery(
      { service: 'alipay.witkey.task.confirm.by.platform', outer_task_id: 'IND1', transfer_detail: 'IND1T1~*@^IND1T2' },
      'MD5',
    );
    const reply = Buffer.from(await (await fetch(`${s.gatewayUrl}?${cq}`)).arrayBuffer());
    const text = reply.toString('utf8');
    assert.match(text, /<is_success>T<\/is_success>/);
    const start = reply.indexOf('<response>');
    const end = reply.indexOf('</response>') + '</response>'.length;
    const sign = /<sign>([^<]+)<\/sign>/.exec(text)![1];
    const expected = md5Hex(
      Buffer.concat([reply.subarray(start, end), Buffer.from(readFileSync(key('partnerMd5Key'), 'utf8').trim())]),
    );
    assert.equal(sign, expected, 'MD5 reply signature');
    assert.match(text, /<outer_task_id>IND1<\/outer_task_id>/);

    // 20 % commission, 0.5 % Alipay fee, computed here: 6000 -> c 1200, f 6; 3000 -> c 600, f 3
    const ledger = (await (await fetch(`${s.url}/sandbox/ledger`)).json()) as {
      winners: Record<string, number>;
      platform: Record<string, number>;
      alipayFees: number;
      frozen: Record<string, number>;
      conserved: boolean;
    };
    assert.equal(ledger.winners['2088000000000101'], 4800);
    assert.equal(ledger.winners['2088000000000102'], 2400);
    assert.equal(ledger.platform[conf.partnerId], 550 + 1194 + 597);
    assert.equal(ledger.alipayFees, 9);
    assert.equal(ledger.frozen[`${conf.partnerId}:IND1`], 1000);
    assert.equal(ledger.conserved, true);
  });

  test('cancel.confirm.by.platform by POST in GBK, signed over the GBK bytes', async () => {
    // A new task and a W winner to cancel.
    clock.set(T0);
    const create = signedQuery({
      service: 'alipay.witkey.task.create',
      outer_task_id: 'IND2',
      outer_task_freeze_no: 'IND2FZ',
      task_amount: '10',
      return_url: 'http://127.0.0.1:9/r',
      notify_url: notifyUrl,
      task_type: 'X',
      task_title: 'x',
      task_expired_time: compact(T0 + 5 * 86_400_000),
      outer_account_id: 'bob',
    });
    assert.equal(
      (
        await fetch(`${s.url}/sandbox/pay`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ request: create }),
        })
      ).status,
      200,
    );
    const task = (await (await fetch(`${s.url}/sandbox/tasks/IND2`)).json()) as { publisherUserId: string };
    const confirm = signedQuery({
      service: 'alipay.witkey.task.confirm',
      outer_task_id: 'IND2',
      outer_account_id: 'bob',
      alipay_user_id: task.publisherUserId,
      transfer_detail: 'IND2T1~*@^4.00~*@^2088000000000201~*@^W',
      announce_period: compact(T0 + 86_400_000),
      return_url: 'http://127.0.0.1:9/r',
      notify_url: notifyUrl,
    });
    assert.equal(
      (
        await fetch(`${s.url}/sandbox/confirm`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ request: confirm }),
        })
      ).status,
      200,
    );

    // GBK: the signing string's bytes are GBK; values are percent-encoded GBK bytes.
    const params: Record<string, string> = {
      service: 'alipay.witkey.task.cancel.confirm.by.platform',
      partner: conf.partnerId,
      _input_charset: 'gbk',
      outer_task_id: 'IND2',
      cancel_transfer_detail: 'IND2T1~@^&IND9T9',
    };
    const sign = signWith('sha1', key('partnerDsaPrivate'), gbk(signingString(params)));
    const body = Object.entries({ ...params, sign, sign_type: 'DSA' })
      .map(([k, v]) => `${k}=${pct(gbk(v))}`)
      .join('&');
    const res = await fetch(s.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=GBK' },
      body,
    });
    const reply = Buffer.from(await res.arrayBuffer());
    verifyReply(reply);
    const text = reply.toString('latin1');
    assert.match(
      text,
      /<success_list><transfer_detail><outer_transfer_no>IND2T1<\/outer_transfer_no><transfer_status>C<\/transfer_status><\/transfer_detail><\/success_list>/,
    );
    assert.match(
      text,
      /<failure_list><transfer_detail><outer_transfer_no>IND9T9<\/outer_transfer_no><error_code>WITKEY_TRANSFER_NOT_EXIST<\/error_code>/,
    );
  });

  test('OpenAPI trade.query signed with openssl (RSA2), response verified over the raw *_response text', async () => {
    const biz = JSON.stringify({ out_trade_no: 'IND1FZ' });
    const params: Record<string, string> = {
      app_id: conf.appId,
      method: 'alipay.trade.query',
      format: 'JSON',
      charset: 'utf-8',
      sign_type: 'RSA2',
      timestamp: '2030-01-01 08:00:00',
      version: '1.0',
      biz_content: biz,
    };
    const sign = signWith('sha256', key('appRsaPrivate'), Buffer.from(signingString(params, false), 'utf8'));
    const body = Object.entries({ ...params, sign })
      .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
      .join('&');
    const text = await (
      await fetch(s.openApiUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      })
    ).text();
    const marker = '"alipay_trade_query_response":';
    const start = text.indexOf(marker) + marker.length;
    let depth = 0;
    let end = start;
    for (let i = start; i < text.length; i++) {
      if (text[i] === '{') depth++;
      if (text[i] === '}' && --depth === 0) {
        end = i + 1;
        break;
      }
    }
    const raw = text.slice(start, end);
    const signature = (JSON.parse(text) as { sign: string }).sign;
    assert.ok(
      verifyWith('sha256', key('alipayRsaPublic'), Buffer.from(raw, 'utf8'), signature),
      'RSA2 response verifies',
    );
    const r = JSON.parse(raw) as Record<string, string>;
    assert.equal(r.code, '10000');
    assert.equal(r.trade_status, 'TRADE_SUCCESS');
    assert.equal(r.total_amount, '105.50');

    // A bad signature is refused.
    const forged = body.replace(
      /sign=[^&]+/,
      `sign=${encodeURIComponent(signWith('sha256', key('appRsaPrivate'), 'other'))}`,
    );
    const refused = JSON.parse(
      await (
        await fetch(s.openApiUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: forged,
        })
      ).text(),
    ) as Record<string, Record<string, string>>;
    assert.equal(
      refused.alipay_trade_query_response?.sub_code ?? refused.error_response?.sub_code,
      'isv.invalid-signature',
    );
  });

  test('requests signed with the wrong key, for another partner or for an unknown service are refused', async () => {
    const before = await (await fetch(`${s.url}/sandbox/ledger`)).text();
    const good = signedQuery({
      service: 'alipay.witkey.task.confirm.by.platform',
      outer_task_id: 'IND1',
      transfer_detail: 'IND1T1',
    });
    const tampered = good.replace('outer_task_id=IND1', 'outer_task_id=IND2');
    const code = async (q: string) =>
      /<error>([A-Z_]+)<\/error>/.exec(await (await fetch(`${s.gatewayUrl}?${q}`)).text())?.[1];
    assert.equal(await code(tampered), 'ILLEGAL_SIGN');
    assert.equal(await code(good.replace(conf.partnerId, '2088999999999999')), 'ILLEGAL_PARTNER');
    assert.equal(
      await code(signedQuery({ service: 'alipay.witkey.task.nothing', outer_task_id: 'IND1' })),
      'ILLEGAL_SERVICE',
    );
    assert.equal(await code(good.replace('sign_type=DSA', 'sign_type=dsa')), 'ILLEGAL_SIGN_TYPE');
    assert.equal(
      await code(
        signedQuery({ service: 'alipay.witkey.task.confirm.by.platform', outer_task_id: 'IND1', transfer_detail: '' }),
      ),
      'ILLEGAL_ARGUMENT',
    );
    assert.equal(await (await fetch(`${s.url}/sandbox/ledger`)).text(), before, 'ledger unchanged');
  });
});
