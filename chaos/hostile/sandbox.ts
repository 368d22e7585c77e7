/**
 * The sandbox: its gateways (the legacy mapi gateway.do and the OpenAPI gateway) and its control API under
 * /sandbox/. Hostile requests, the genuine cashier request (signed with the site's key) with one field changed, the
 * same re-signed with hostile content, an OpenAPI trade query likewise; JSON bodies of every shape to the control
 * routes. No 5xx, a refusal says why, and the sandbox's books, tasks, notifications and faults stay as they were.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { buildOpenApiRequest, signMapiParams } from '../../alipay';
import type { ScenarioRow } from '../row';
import {
  badNumber,
  badNumberText,
  contentType,
  hostileForm,
  hostileJsonText,
  hostileText,
  oversized,
} from './arbitraries';
import type { Fixture } from './fixture';
import { NoAnswerError, send, type Answer } from './http';
import { expectRefusal, expectRefusalOrOk, Finding, fuzz, unchanged, type Runs } from './kit';
import { mutate, mutation, serialisePairs } from './webhook';

const MAPI_KEYS = [
  'service',
  'partner',
  '_input_charset',
  'sign',
  'sign_type',
  'outer_task_id',
  'task_amount',
  'notify_url',
  'return_url',
  'title',
];
const OPENAPI_KEYS = [
  'app_id',
  'method',
  'format',
  'charset',
  'sign_type',
  'timestamp',
  'version',
  'biz_content',
  'sign',
];

function pairsOf(query: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    out[decodeURIComponent(part.slice(0, eq).replace(/\+/g, ' '))] = decodeURIComponent(
      part.slice(eq + 1).replace(/\+/g, ' '),
    );
  }
  return out;
}

export async function sandboxSurfaces(f: Fixture, row: ScenarioRow, runs: Runs): Promise<void> {
  const sandbox = f.stack.sandbox;
  const base = sandbox.url;
  const state = async (): Promise<string> =>
    `${createHash('sha256').update(JSON.stringify(sandbox.state())).digest('hex').slice(0, 16)}/${sandbox.faults().length}`;
  const ask = async (
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body?: Buffer,
    type?: string,
  ): Promise<Answer> => {
    try {
      return await send(base, method, path, body, type);
    } catch (err) {
      if (err instanceof NoAnswerError && (body?.length ?? 0) > 64 * 1024) return { status: 413, body: 'too large' };
      throw new Finding('crash', `no answer: ${(err as Error).message}`);
    }
  };
  /** The gateways' own refusals: 200 with `<is_success>F</is_success>` (mapi) or an OpenAPI error code (not 10000). */
  const refusedXml = (a: Answer) =>
    a.status === 200 && (a.body.includes('<is_success>F</is_success>') || /"code":"(?!10000")\d+"/.test(a.body));
  /**
   * One input: sent with the state read just before. A refusal leaves the state as it was; `refusal` says the input
   * must be refused (nothing genuine in it); otherwise an answer may be a page shown for a genuinely signed request.
   */
  const quiet = async (input: () => Promise<Answer>, what: string, refusal = false): Promise<void> => {
    const before = await state();
    const answer = await input();
    if (refusedXml(answer)) return unchanged(before, state, what);
    if (refusal) expectRefusal(answer, what);
    else expectRefusalOrOk(answer, what);
    if (answer.status >= 400 || refusal) await unchanged(before, state, what);
  };

  // ------------------------------------------------------------------ gateway.do and openapi/gateway.do
  await fuzz(
    row,
    'sandbox gateway (hostile requests)',
    fc.tuple(
      fc.constantFrom('/gateway.do', '/openapi/gateway.do'),
      fc.constantFrom<'GET' | 'POST'>('GET', 'POST'),
      fc.oneof(
        { arbitrary: hostileForm([...MAPI_KEYS, ...OPENAPI_KEYS]), weight: 30 },
        { arbitrary: oversized.map((b) => b.toString('latin1')), weight: 1 },
      ),
      contentType,
    ),
    async ([path, method, text, type]) => {
      await quiet(
        () =>
          method === 'GET'
            ? ask('GET', `${path}?${text.slice(0, 16_000)}`)
            : ask('POST', path, Buffer.from(text, 'latin1'), type),
        `${method} ${path}`,
        true,
      );
    },
    { numRuns: Math.ceil(runs.perSurface / 4), seed: runs.seed, say: runs.say },
  );

  const cashier = pairsOf(f.cashierUrl.slice(f.cashierUrl.indexOf('?') + 1));
  await fuzz(
    row,
    'sandbox gateway (genuine cashier request, one field changed)',
    mutation(Object.keys(cashier)).filter((m) => mutate(cashier, m) !== undefined),
    async (m) =>
      quiet(() => ask('GET', `/gateway.do?${serialisePairs(mutate(cashier, m)!)}`), 'mutated cashier request', true),
    { numRuns: Math.ceil(runs.perSurface / 4), seed: runs.seed, say: runs.say },
  );

  const signer = f.site.gateway.signer;
  await fuzz(
    row,
    'sandbox gateway (signed by the site, hostile content)',
    fc.record({
      field: fc.constantFrom(
        'task_amount',
        'title',
        'outer_task_id',
        'task_expired_time',
        'value_added_fee',
        'outer_account_id',
        '_input_charset',
        'task_type',
      ),
      value: fc.oneof(hostileText, badNumberText),
    }),
    async ({ field, value }) => {
      const params = { ...cashier };
      delete params.sign;
      delete params.sign_type;
      params[field] = value;
      let sign: string;
      try {
        sign = signMapiParams(params, signer, 'utf-8');
      } catch {
        return; // the signer refuses it (e.g. a lone surrogate): nothing to send
      }
      const query = serialisePairs([...Object.entries(params), ['sign', sign], ['sign_type', signer.signType]]);
      // a page may be shown (nothing is recorded until it is completed); nothing may change
      await quiet(() => ask('GET', `/gateway.do?${query}`), `signed hostile ${field}`);
    },
    { numRuns: Math.ceil(runs.perSurface / 4), seed: runs.seed, say: runs.say },
  );

  const openApi = f.site.gateway.openApi!;
  await fuzz(
    row,
    'sandbox openapi (trade query: changed, or signed with hostile biz_content)',
    fc.oneof(
      fc.record({ resign: fc.constant(false), m: mutation(OPENAPI_KEYS) }),
      fc.record({
        resign: fc.constant(true),
        biz: fc.oneof(
          fc.dictionary(
            fc.constantFrom('out_trade_no', 'trade_no', 'query_options', '__proto__'),
            fc.oneof(hostileText, badNumberText, fc.jsonValue()),
            { maxKeys: 3 },
          ),
          fc.jsonValue().map((v) => ({ out_trade_no: v })),
        ),
        method: fc.constantFrom(
          'alipay.trade.query',
          'alipay.trade.query ',
          'ALIPAY.TRADE.QUERY',
          'alipay.trade.refund',
          '__proto__',
          '',
        ),
      }),
    ),
    async (h) => {
      let body: string;
      let url: string;
      if (!h.resign) {
        const req = buildOpenApiRequest(openApi, 'alipay.trade.query', { out_trade_no: 'hostile-unknown' });
        const changed = mutate(req.params, h.m);
        if (!changed) return;
        body = serialisePairs(changed);
        url = req.url;
      } else {
        let req;
        try {
          req = buildOpenApiRequest(openApi, h.method, h.biz);
        } catch {
          return;
        }
        body = req.body;
        url = req.url;
      }
      const path = url.slice(url.indexOf('/openapi'));
      await quiet(
        () => ask('POST', path, Buffer.from(body), 'application/x-www-form-urlencoded; charset=utf-8'),
        'openapi',
        !h.resign,
      );
    },
    { numRuns: runs.perSurface - 3 * Math.ceil(runs.perSurface / 4), seed: runs.seed, say: runs.say },
  );

  // ------------------------------------------------------------------ control API
  const routes = [
    '/sandbox/pay',
    '/sandbox/confirm',
    '/sandbox/leftover/confirm',
    '/sandbox/pages/submit',
    '/sandbox/pages/open',
    '/sandbox/faults',
    '/sandbox/clock/advance',
  ];
  const mutatedCashier = mutation(Object.keys(cashier))
    .filter((m) => mutate(cashier, m) !== undefined)
    .map((m) => `${sandbox.gatewayUrl}?${serialisePairs(mutate(cashier, m)!)}`);
  // no whole non-negative number: {"ms": 5} is a valid request to move the clock
  const json = fc.jsonValue().filter((v) => typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0);
  const hostileValue = fc.oneof(hostileText, badNumber, badNumberText, json, mutatedCashier);
  const body = fc.oneof(
    hostileJsonText,
    fc
      .dictionary(
        fc.constantFrom(
          'request',
          'payerUserId',
          'followReturn',
          'target',
          'kind',
          'status',
          'times',
          'ms',
          'match',
          'delayMs',
          '__proto__',
        ),
        hostileValue,
        { maxKeys: 4 },
      )
      .map((o) => JSON.stringify(o)),
    // one key twice: JSON.parse keeps the last
    fc
      .tuple(fc.constantFrom('request', 'ms', 'target'), json, json)
      .map(([k, a, b]) => `{"${k}":${JSON.stringify(a) ?? 'null'},"${k}":${JSON.stringify(b) ?? 'null'}}`),
    fc.tuple(badNumber).map(([ms]) => `{"ms":${String(ms)}}`),
    fc.bigInt({ min: 10n ** 16n, max: 10n ** 40n }).map((ms) => `{"ms":${ms}}`),
    mutatedCashier.map((request) => JSON.stringify({ request, payerUserId: f.publisher })),
  );
  await fuzz(
    row,
    'sandbox control API (hostile JSON)',
    fc.oneof(
      {
        arbitrary: fc.record({
          method: fc.constant<'POST'>('POST'),
          path: fc.constantFrom(...routes),
          body,
          type: fc.constantFrom(
            'application/json',
            'application/json; charset=utf-8',
            'text/plain',
            'application/x-www-form-urlencoded',
          ),
        }),
        weight: 8,
      },
      {
        arbitrary: fc.record({
          method: fc.constant<'DELETE'>('DELETE'),
          path: hostileText.map(
            (t) => `/sandbox/faults/${[...Buffer.from(t, 'utf8')].map((b) => `%${b.toString(16)}`).join('')}`,
          ),
          body: fc.constant(''),
          type: fc.constant(undefined),
        }),
        weight: 1,
      },
      {
        arbitrary: fc.record({
          method: fc.constant<'GET'>('GET'),
          path: fc
            .tuple(
              fc.constantFrom(
                '/sandbox/journal',
                '/sandbox/transfers',
                '/sandbox/notifications',
                '/sandbox/tasks/',
                '/sandbox/notifications/',
              ),
              hostileForm(['outerTaskId', 'notifyType', 'status']),
            )
            .map(([p, q]) => (p.endsWith('/') ? `${p}${q}` : `${p}?${q}`)),
          body: fc.constant(''),
          type: fc.constant(undefined),
        }),
        weight: 2,
      },
    ),
    async (r) => {
      // a GET reads, a DELETE of a fault id that no fault has is a 404: both leave everything as it was; a POST
      // of a hostile body must be refused
      await quiet(
        () => ask(r.method, r.path, r.method === 'POST' ? Buffer.from(r.body) : undefined, r.type),
        `${r.method} ${r.path.slice(0, 40)}`,
        r.method === 'POST',
      );
    },
    { numRuns: runs.perSurface, seed: runs.seed, say: runs.say },
  );
}
