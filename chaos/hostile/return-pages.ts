/**
 * The browser's return pages, GET and POST /alipay/return: hostile query strings and bodies, and the paid task's
 * genuine return with one field changed. Each must be a 4xx page that says it was refused, and change nothing.
 */
import fc from 'fast-check';
import type { ScenarioRow } from '../row';
import { contentType, hostileForm, oversized } from './arbitraries';
import type { Fixture } from './fixture';
import { NoAnswerError, send, type Answer } from './http';
import { Finding, fuzz, type Runs } from './kit';
import { mutate, mutation, serialisePairs, type Mutation } from './webhook';

const RETURN_KEYS = [
  'service',
  'is_success',
  'error',
  'outer_task_id',
  'outer_task_freeze_no',
  'task_amount',
  'paid_time',
  'xml',
  'sign',
  'sign_type',
];

const SERVICE = fc.constantFrom(
  'alipay.witkey.task.create',
  'alipay.witkey.task.confirm',
  'alipay.witkey.task.left.amount.handle',
  'alipay.witkey.task.amount.append',
  'notify_verify',
  '__proto__',
  'x',
);

function decodeLoosely(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of raw.split('&')) {
    const eq = part.indexOf('=');
    const k = decodeURIComponent((eq < 0 ? part : part.slice(0, eq)).replace(/\+/g, ' '));
    out[k] = decodeURIComponent((eq < 0 ? '' : part.slice(eq + 1)).replace(/\+/g, ' '));
  }
  return out;
}

export async function returnPages(f: Fixture, row: ScenarioRow, runs: Runs): Promise<void> {
  const n = Math.ceil(runs.perSurface / 3);
  const before = await f.snapshot();
  const ask = async (method: 'GET' | 'POST', path: string, body?: Buffer, type?: string): Promise<Answer> => {
    try {
      return await send(f.stack.webhookUrl, method, path, body, type);
    } catch (err) {
      if (err instanceof NoAnswerError && (body?.length ?? 0) > 64 * 1024) return { status: 413, body: 'fail' };
      throw new Finding('crash', `no answer: ${(err as Error).message}`);
    }
  };
  const refused = async (answer: Answer, what: string): Promise<void> => {
    if (answer.status >= 500)
      throw new Finding('serverError', `${what}: HTTP ${answer.status} ${answer.body.slice(0, 80)}`);
    if (answer.status < 400) {
      const changed = (await f.snapshot()) !== before;
      throw new Finding(
        changed ? 'forgedAccepted' : 'unclearError',
        `${what}: HTTP ${answer.status}${changed ? ' and changed state' : ''}`,
      );
    }
    if (answer.body.trim() === '')
      throw new Finding('unclearError', `${what}: HTTP ${answer.status} with an empty body`);
  };

  await fuzz(
    row,
    'return page GET (hostile query)',
    hostileForm(RETURN_KEYS),
    async (query) => refused(await ask('GET', `/alipay/return?${query}`), 'hostile return query'),
    { numRuns: n, seed: runs.seed, say: runs.say },
  );
  await fuzz(
    row,
    'return page POST (hostile body)',
    fc.tuple(
      fc.oneof(
        { arbitrary: hostileForm(RETURN_KEYS).map((s) => Buffer.from(s, 'latin1')), weight: 30 },
        { arbitrary: oversized, weight: 1 },
      ),
      contentType,
      SERVICE,
    ),
    async ([body, type, service]) =>
      refused(await ask('POST', `/alipay/return?service=${service}`, body, type), 'hostile return body'),
    { numRuns: n, seed: runs.seed, say: runs.say },
  );

  // `service` is the site's own parameter (not Alipay's, not signed): the path carries it, the mutations leave it alone
  const genuine = decodeLoosely(f.genuineReturnQuery);
  delete genuine.service;
  const fields = Object.keys(genuine);
  const touchesService = (m: Mutation) => m.kind === 'extra' && m.field === 'service';
  await fuzz(
    row,
    'return page (genuine, one field changed)',
    fc.tuple(
      mutation(fields).filter((m) => !touchesService(m) && mutate(genuine, m) !== undefined),
      fc.boolean(),
    ),
    async ([m, byPost]) => {
      const text = serialisePairs(mutate(genuine, m)!);
      const answer = byPost
        ? await ask(
            'POST',
            '/alipay/return?service=alipay.witkey.task.create',
            Buffer.from(text),
            'application/x-www-form-urlencoded',
          )
        : await ask('GET', `/alipay/return?service=alipay.witkey.task.create&${text}`);
      await refused(answer, 'mutated genuine return');
    },
    { numRuns: runs.perSurface - 2 * n, seed: runs.seed, say: runs.say },
  );

  const after = await f.snapshot();
  if (after !== before) row.problems.push(`return pages: state changed over the run (${before} -> ${after})`);
}
