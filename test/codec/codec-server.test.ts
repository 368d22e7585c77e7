/**
 * The codec server (codec/codec-server.ts), as the Web UI and the Temporal CLI call it: /decode and /encode in the
 * remote codec protocol's JSON, CORS for the UI's origin only (preflight included), the bearer token when one is
 * configured, and a 4xx with a JSON error for every malformed request — never a 500.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import type { FastifyInstance } from 'fastify';
import { buildCodecServer, EncryptionCodec, makeKeyring, startCodecServer } from '../../codec';
import { payloadToJson } from '../../codec/json-payloads';

const UI = 'http://localhost:8233';
const TOKEN = 'a'.repeat(40);
const k1 = randomBytes(32);
const codec = new EncryptionCodec(makeKeyring('k1', new Map([['k1', k1]])));
const VALUE = { publisherAlipayId: '2088102000000011', nickname: '天之蓝' };

interface Answer {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: { payloads?: { metadata: Record<string, string>; data: string }[]; error?: string };
}

async function post(
  app: FastifyInstance,
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const res = await app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.statusCode, headers: res.headers, body: res.json() };
}

async function sealedJson(value: unknown): Promise<ReturnType<typeof payloadToJson>> {
  const [sealed] = await codec.encode([defaultPayloadConverter.toPayload(value)]);
  return payloadToJson(sealed);
}

const fromJson = (p: { metadata: Record<string, string>; data: string }): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data, 'base64'),
});

describe('the codec server', () => {
  const app = buildCodecServer({ codec, allowedOrigins: [UI, 'http://127.0.0.1:8233'] });
  const guarded = buildCodecServer({ codec, allowedOrigins: [UI], token: TOKEN });
  after(async () => {
    await app.close();
    await guarded.close();
  });

  test('/decode answers the decoded payloads; payloads that are not encrypted come back exactly as sent', async () => {
    const plain = payloadToJson(defaultPayloadConverter.toPayload('already plain'));
    const res = await post(app, '/decode', { payloads: [await sealedJson(VALUE), plain] }, { origin: UI });
    assert.equal(res.status, 200);
    const [decoded, passed] = res.body.payloads!;
    assert.equal(Buffer.from(decoded.metadata.encoding, 'base64').toString(), 'json/plain');
    assert.deepEqual(defaultPayloadConverter.fromPayload(fromJson(decoded)), VALUE);
    assert.deepEqual(passed, plain);
  });

  test('/encode encrypts with the current key, and /decode reads it back', async () => {
    const plain = payloadToJson(defaultPayloadConverter.toPayload(VALUE));
    const enc = await post(app, '/encode', { payloads: [plain] });
    assert.equal(enc.status, 200);
    const sealed = enc.body.payloads![0];
    assert.equal(Buffer.from(sealed.metadata['encryption-key-id'], 'base64').toString(), 'k1');
    assert.equal(Buffer.from(sealed.data, 'base64').includes(Buffer.from('2088102000000011')), false);
    const dec = await post(app, '/decode', { payloads: [sealed] });
    assert.deepEqual(dec.body.payloads![0], plain);
  });

  test("CORS: the UI's origin is answered, preflight included; any other origin gets 403 and no CORS header", async () => {
    const ok = await post(app, '/decode', { payloads: [] }, { origin: UI });
    assert.equal(ok.headers['access-control-allow-origin'], UI);
    assert.equal(ok.headers.vary, 'Origin');
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/decode',
      headers: {
        origin: UI,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-namespace',
      },
    });
    assert.equal(preflight.statusCode, 204);
    assert.equal(preflight.headers['access-control-allow-origin'], UI);
    assert.match(String(preflight.headers['access-control-allow-headers']), /X-Namespace/);
    assert.match(String(preflight.headers['access-control-allow-methods']), /POST/);

    for (const origin of ['http://evil.example', 'http://localhost:8234', 'null']) {
      const refused = await post(app, '/decode', { payloads: [await sealedJson(VALUE)] }, { origin });
      assert.equal(refused.status, 403);
      assert.equal(refused.headers['access-control-allow-origin'], undefined);
      assert.match(refused.body.error!, new RegExp(`origin ${origin} is not allowed`));
      assert.equal(refused.body.payloads, undefined);
      const pre = await app.inject({ method: 'OPTIONS', url: '/decode', headers: { origin } });
      assert.equal(pre.statusCode, 403);
      assert.equal(pre.headers['access-control-allow-origin'], undefined);
    }
    const noOrigin = await post(app, '/decode', { payloads: [await sealedJson(VALUE)] });
    assert.equal(noOrigin.status, 200, 'no Origin header: not a browser (the CLI, curl)');
  });

  test('with a token: 401 without it or with another; answered with it; preflight and /healthz need none', async () => {
    const body = { payloads: [await sealedJson(VALUE)] };
    const none = await post(guarded, '/decode', body, { origin: UI });
    assert.equal(none.status, 401);
    assert.equal(none.headers['www-authenticate'], 'Bearer');
    assert.equal(none.body.payloads, undefined);
    assert.equal((await post(guarded, '/decode', body, { authorization: `Bearer ${'b'.repeat(40)}` })).status, 401);
    assert.equal((await post(guarded, '/encode', body, { authorization: TOKEN })).status, 401);
    const ok = await post(guarded, '/decode', body, { origin: UI, authorization: `Bearer ${TOKEN}` });
    assert.equal(ok.status, 200);
    assert.deepEqual(defaultPayloadConverter.fromPayload(fromJson(ok.body.payloads![0])), VALUE);
    const pre = await guarded.inject({ method: 'OPTIONS', url: '/decode', headers: { origin: UI } });
    assert.equal(pre.statusCode, 204);
    assert.match(String(pre.headers['access-control-allow-headers']), /Authorization/);
    assert.equal((await guarded.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  });

  test('malformed requests: a 4xx with a JSON error saying what is wrong', async () => {
    const cases: [unknown, number, RegExp][] = [
      ['{"payloads": [', 400, /JSON/i],
      ['', 400, /empty/i],
      [[], 400, /the body must be JSON \{"payloads": \[\.\.\.\]\}/],
      [{ payload: [] }, 400, /the body must be JSON \{"payloads"/],
      [{ payloads: 'x' }, 400, /the body must be JSON \{"payloads"/],
      [{ payloads: [1] }, 400, /payloads\[0\]: expected a payload object, got 1/],
      [{ payloads: [{ metadata: [] }] }, 400, /payloads\[0\]\.metadata: expected an object, got an array/],
      [
        { payloads: [{ metadata: { encoding: 'not base64!' } }] },
        400,
        /payloads\[0\]\.metadata\.encoding: expected a base64 string/,
      ],
      [{ payloads: [{ metadata: {}, data: 42 }] }, 400, /payloads\[0\]\.data: expected a base64 string, got 42/],
    ];
    for (const [body, status, error] of cases) {
      const res = await post(app, '/decode', body);
      assert.equal(res.status, status, JSON.stringify(body));
      assert.match(res.body.error ?? '', error, JSON.stringify(body));
    }
    const wrongType = await app.inject({
      method: 'POST',
      url: '/decode',
      headers: { 'content-type': 'text/xml' },
      payload: '<x/>',
    });
    assert.equal(wrongType.statusCode, 415);
    assert.ok(wrongType.json<{ error: string }>().error);
    const get = await app.inject({ method: 'GET', url: '/decode' });
    assert.equal(get.statusCode, 404);
    assert.match(get.json<{ error: string }>().error, /POST \/decode or \/encode/);
  });

  test('payloads that cannot be decrypted: 422 naming the key id (an unknown key, changed bytes)', async () => {
    const other = new EncryptionCodec(makeKeyring('k9', new Map([['k9', randomBytes(32)]])));
    const [foreign] = await other.encode([defaultPayloadConverter.toPayload(VALUE)]);
    const unknown = await post(app, '/decode', { payloads: [payloadToJson(foreign)] });
    assert.equal(unknown.status, 422);
    assert.match(unknown.body.error!, /cannot decode: payload encrypted with key "k9", which is not loaded/);
    const sealed = await sealedJson(VALUE);
    const bytes = Buffer.from(sealed.data!, 'base64');
    bytes[20] ^= 1;
    const changed = await post(app, '/decode', { payloads: [{ ...sealed, data: bytes.toString('base64') }] });
    assert.equal(changed.status, 422);
    assert.match(changed.body.error!, /key "k1" cannot be decrypted: authentication failed/);
  });

  test('never a 500: random bodies are answered with a 4xx', async () => {
    const junk = [
      'null',
      '0',
      '"x"',
      '{"payloads": null}',
      '{"payloads": [null]}',
      '{"payloads": [{"metadata": null, "data": null}]}',
      '{"payloads": [{"metadata": {"encoding": "YmluYXJ5L2VuY3J5cHRlZA=="}, "data": ""}]}',
      '{"payloads": [{"metadata": {"encoding": "YmluYXJ5L2VuY3J5cHRlZA==", "encryption-key-id": "azE="}, "data": "AAAA"}]}',
      '{"__proto__": {"payloads": []}}',
      ...Array.from({ length: 30 }, () => randomBytes(24).toString('latin1')),
    ];
    for (const body of junk) {
      const res = await app.inject({
        method: 'POST',
        url: '/decode',
        headers: { 'content-type': 'application/json' },
        payload: body,
      });
      assert.ok(res.statusCode < 500, `${res.statusCode} for ${JSON.stringify(body)}: ${res.body}`);
    }
  });

  test('listens on loopback and answers a real browser-style request', async () => {
    const running = await startCodecServer({ codec, allowedOrigins: [UI], host: '127.0.0.1', port: 0 });
    try {
      assert.match(running.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${running.url}/decode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-namespace': 'default', origin: UI },
        body: JSON.stringify({ payloads: [await sealedJson(VALUE)] }),
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('access-control-allow-origin'), UI);
    } finally {
      await running.close();
    }
  });
});
