/**
 * The webhook's async notifications, POST /alipay/notify: hostile bodies, genuine notifications with one thing
 * changed (the signature must stop them), and notifications signed with Alipay's key whose content is hostile (the
 * parsing behind the signature must refuse them). Every one must be refused — 4xx `fail`, the protocol's answer —
 * and change nothing; a `success` that changed state is a forged notification accepted.
 */
import fc from 'fast-check';
import { escapeXml, formEncode, signMapiParams } from '../../alipay';
import type { ScenarioRow } from '../row';
import { badNumberText, contentType, hostileForm, hostileText, oversized, separator, unicodeEdge } from './arbitraries';
import type { Fixture } from './fixture';
import { NoAnswerError, send, type Answer } from './http';
import { Finding, fuzz, type Runs } from './kit';

export const NOTIFY_KEYS = ['notify_id', 'notify_time', 'notify_type', 'notify_sub_type', 'xml', 'sign', 'sign_type'];

/** Serialise pairs exactly as given (order, duplicates, empty values kept), UTF-8 percent-encoding. */
export function serialisePairs(pairs: ReadonlyArray<readonly [string, string]>): string {
  return pairs.map(([k, v]) => `${formEncode(k, 'utf-8')}=${formEncode(v, 'utf-8')}`).join('&');
}

export type Mutation =
  | { kind: 'replace'; field: string; value: string }
  | { kind: 'append'; field: string; suffix: string }
  | { kind: 'delete'; field: string }
  | { kind: 'duplicate'; field: string; value: string | null }
  | { kind: 'extra'; field: string; value: string }
  | { kind: 'swap'; a: string; b: string }
  | { kind: 'xml-digit'; at: number; digit: string }
  | { kind: 'sign-char'; at: number };

/** One change to genuine fields; each one changes what the decoded form says (a no-op is filtered out). */
export function mutation(fields: readonly string[]): fc.Arbitrary<Mutation> {
  const field = fc.constantFrom(...fields);
  const text = fc.oneof(hostileText, badNumberText, separator, unicodeEdge);
  return fc.oneof(
    fc.record({ kind: fc.constant('replace' as const), field, value: text }),
    fc.record({
      kind: fc.constant('append' as const),
      field,
      suffix: fc.oneof(separator, unicodeEdge, fc.constantFrom('0', ' ', 'x')),
    }),
    fc.record({ kind: fc.constant('delete' as const), field }),
    fc.record({ kind: fc.constant('duplicate' as const), field, value: fc.option(text, { nil: null }) }),
    fc.record({
      kind: fc.constant('extra' as const),
      field: fc.oneof(
        fc.constantFrom('partner', 'service', 'trade_status', 'is_success', '_input_charset', 'charset'),
        hostileText,
      ),
      value: text.filter((v) => v !== ''),
    }),
    fc.record({ kind: fc.constant('swap' as const), a: field, b: field }),
    fc.record({
      kind: fc.constant('xml-digit' as const),
      at: fc.nat(),
      digit: fc.constantFrom('0', '1', '9', '-', '.', 'e'),
    }),
    fc.record({ kind: fc.constant('sign-char' as const), at: fc.nat() }),
  );
}

/** The pairs after the mutation; undefined when it would change nothing. */
export function mutate(fields: Readonly<Record<string, string>>, m: Mutation): Array<[string, string]> | undefined {
  const pairs: Array<[string, string]> = Object.entries(fields);
  const at = (name: string) => pairs.findIndex(([k]) => k === name);
  switch (m.kind) {
    case 'replace': {
      const i = at(m.field);
      if (i < 0 || pairs[i][1] === m.value) return undefined;
      pairs[i] = [m.field, m.value];
      return pairs;
    }
    case 'append': {
      const i = at(m.field);
      if (i < 0) return undefined;
      pairs[i] = [m.field, pairs[i][1] + m.suffix];
      return pairs;
    }
    case 'delete':
      return at(m.field) < 0 ? undefined : pairs.filter(([k]) => k !== m.field);
    case 'duplicate': {
      const i = at(m.field);
      if (i < 0) return undefined;
      pairs.push([m.field, m.value ?? pairs[i][1]]);
      return pairs;
    }
    case 'extra':
      if (m.field === '' || at(m.field) >= 0) return undefined;
      pairs.push([m.field, m.value]);
      return pairs;
    case 'swap': {
      const [i, j] = [at(m.a), at(m.b)];
      if (i < 0 || j < 0 || pairs[i][1] === pairs[j][1]) return undefined;
      [pairs[i][1], pairs[j][1]] = [pairs[j][1], pairs[i][1]];
      return pairs;
    }
    case 'xml-digit': {
      const i = at('xml');
      if (i < 0) return undefined;
      const xml = pairs[i][1];
      const digits = [...xml.matchAll(/\d/g)].map((d) => d.index);
      if (digits.length === 0) return undefined;
      const pos = digits[m.at % digits.length];
      if (xml[pos] === m.digit) return undefined;
      pairs[i] = ['xml', xml.slice(0, pos) + m.digit + xml.slice(pos + 1)];
      return pairs;
    }
    case 'sign-char': {
      const i = at('sign');
      if (i < 0) return undefined;
      const sign = pairs[i][1];
      const pos = m.at % sign.length;
      pairs[i] = ['sign', sign.slice(0, pos) + (sign[pos] === 'A' ? 'B' : 'A') + sign.slice(pos + 1)];
      return pairs;
    }
  }
}

/** What a field of the freeze event may never be: each value is refused by the protocol library's parser. */
const RESIGNED_FIELD = fc.oneof(
  fc.record({ element: fc.constantFrom('task_amount'), value: badNumberText }),
  fc.record({
    element: fc.constantFrom('paid_time'),
    value: fc.oneof(
      badNumberText,
      hostileText,
      fc.constantFrom('20301301000000', '20300230120000', '20300101246060', '2030-01-01 00:00:00'),
    ),
  }),
  fc.record({ element: fc.constantFrom('partner', 'alipay_user_id'), value: fc.oneof(hostileText, badNumberText) }),
);

const NOTIFY_LEVEL = fc.oneof(
  fc.record({
    field: fc.constant('notify_time'),
    value: fc.oneof(
      hostileText,
      badNumberText,
      fc.constantFrom('2030-02-30 10:00:00', '2030-01-01T00:00:00', '2030-01-01 24:00:00'),
    ),
  }),
  fc.record({
    field: fc.constant('notify_type'),
    value: fc.oneof(
      hostileText,
      fc.constantFrom('TASK_FREEZE', 'task_freeze ', '__proto__', 'constructor', 'toString'),
    ),
  }),
  fc.record({
    field: fc.constant('notify_sub_type'),
    value: fc.oneof(hostileText, fc.constantFrom('ASSIGN_FOR_ANNOUNCE_PAYMENT')),
  }),
  fc.record({ field: fc.constant('notify_id'), value: hostileText }),
);

const HOSTILE_XML = fc.constantFrom(
  '<!DOCTYPE alipay [<!ENTITY a "1">]><alipay><response><task_amount>&a;</task_amount></response></alipay>',
  '<?xml version="1.0" encoding="GBK"?><alipay/>',
  '<alipay><response></response><response></response></alipay>',
  `${'<a>'.repeat(2000)}${'</a>'.repeat(2000)}`,
  '<alipay><response><![CDATA[<partner>2088</partner>]]></response></alipay>',
  '<alipay xmlns="urn:x"><response/></alipay>',
  '<alipay><response>',
  'not xml',
  '<alipay><response><partner>x</partner></response></alipay><alipay/>',
);

function valid(field: string, value: string): boolean {
  if (field === 'notify_id') return /^[A-Za-z0-9_.:-]{1,128}$/.test(value);
  if (field === 'partner') return /^2088[0-9]{12}$/.test(value);
  // optional: empty is absent (a task_freeze has no sub-type, and an empty one is none)
  if (field === 'notify_sub_type') return value === '';
  if (field === 'alipay_user_id') return value === '' || /^2088[0-9]{12}$/.test(value);
  return false;
}

function noAnswer(err: unknown, body: Buffer): Answer | undefined {
  // a body over the limit may be cut off by the server's 413 while it is still being written
  if (err instanceof NoAnswerError && body.length > 64 * 1024) return { status: 413, body: 'fail' };
  return undefined;
}

export async function webhookNotify(f: Fixture, row: ScenarioRow, runs: Runs): Promise<void> {
  const n = Math.ceil(runs.perSurface / 3);
  const post = async (body: Buffer, type?: string): Promise<Answer> => {
    try {
      return await send(f.stack.webhookUrl, 'POST', '/alipay/notify', body, type);
    } catch (err) {
      const cut = noAnswer(err, body);
      if (cut) return cut;
      throw new Finding('crash', `no answer: ${(err as Error).message}`);
    }
  };
  const before = await f.snapshot();
  /** A notification is refused: 4xx `fail`; a `success` is checked against the state. */
  const refused = async (answer: Answer, what: string): Promise<void> => {
    if (answer.status >= 500)
      throw new Finding('serverError', `${what}: HTTP ${answer.status} ${answer.body.slice(0, 60)}`);
    if (answer.status === 200) {
      const changed = (await f.snapshot()) !== before;
      throw new Finding(
        changed ? 'forgedAccepted' : 'unclearError',
        `${what}: answered ${answer.body.slice(0, 20)}${changed ? ' and changed state' : ''}`,
      );
    }
    if (answer.status < 400 || answer.body !== 'fail')
      throw new Finding('unclearError', `${what}: HTTP ${answer.status} ${answer.body.slice(0, 60)}`);
  };

  await fuzz(
    row,
    'webhook notify (hostile bodies)',
    fc.tuple(
      fc.oneof(
        { arbitrary: hostileForm(NOTIFY_KEYS).map((s) => Buffer.from(s, 'latin1')), weight: 30 },
        { arbitrary: oversized, weight: 1 },
      ),
      contentType,
    ),
    async ([body, type]) => refused(await post(body, type), 'hostile body'),
    { numRuns: n, seed: runs.seed, say: runs.say },
  );

  const genuine = f.genuineFreeze.fields;
  await fuzz(
    row,
    'webhook notify (genuine, one field changed)',
    mutation(NOTIFY_KEYS).filter((m) => mutate(genuine, m) !== undefined),
    async (m) =>
      refused(
        await post(
          Buffer.from(serialisePairs(mutate(genuine, m)!)),
          'application/x-www-form-urlencoded; charset=utf-8',
        ),
        'mutated genuine notification',
      ),
    { numRuns: n, seed: runs.seed, say: runs.say },
  );

  const resign = (fields: Record<string, string>): Buffer => {
    const unsigned = { ...fields };
    delete unsigned.sign;
    delete unsigned.sign_type;
    const sign = signMapiParams(unsigned, f.alipaySigner, 'utf-8');
    return Buffer.from(serialisePairs([...Object.entries(unsigned), ['sign', sign], ['sign_type', 'DSA']]));
  };
  await fuzz(
    row,
    'webhook notify (signed by Alipay, hostile content)',
    fc.oneof(
      RESIGNED_FIELD.filter(({ element, value }) => !valid(element, value)).map((x) => ({ at: 'xml' as const, ...x })),
      NOTIFY_LEVEL.filter(({ field, value }) => !valid(field, value)).map((x) => ({ at: 'field' as const, ...x })),
      HOSTILE_XML.map((xml) => ({ at: 'whole-xml' as const, xml })),
    ),
    async (h) => {
      const fields = { ...genuine };
      if (h.at === 'xml') {
        const re = new RegExp(`<${h.element}>[^<]*</${h.element}>`);
        fields.xml = fields.xml.replace(re, `<${h.element}>${escapeXml(h.value)}</${h.element}>`);
      } else if (h.at === 'field') fields[h.field] = h.value;
      else fields.xml = h.xml;
      let body: Buffer;
      try {
        body = resign(fields);
      } catch {
        return; // a value the signer itself refuses (e.g. a lone surrogate): nothing to send
      }
      await refused(
        await post(body, 'application/x-www-form-urlencoded; charset=utf-8'),
        'signed hostile notification',
      );
    },
    { numRuns: runs.perSurface - 2 * n, seed: runs.seed, say: runs.say },
  );

  const after = await f.snapshot();
  if (after !== before) row.problems.push(`webhook notify: state changed over the run (${before} -> ${after})`);
}
