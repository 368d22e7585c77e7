/**
 * The CLI's parsers (cli/parse.ts, cli/args.ts, the configuration loaders): hostile flag values and environment
 * variables — separators, unicode edge cases, huge, negative, fractional and exponent numbers, lengths past every
 * limit. Each either gives a value within its documented range or throws a UsageError / ConfigError whose message
 * names the flag or variable; nothing else (a TypeError, a RangeError, a NaN) may come out.
 */
import fc from 'fast-check';
import { normalizeArgv, parseCount as parseArgCount, parseLimit, parseWinner, yuanToFen } from '../../cli/args';
import { loadStackConfig } from '../../cli/config';
import { ConfigError, UsageError } from '../../cli/input-errors';
import {
  parseBasisPoints,
  parseBoolean,
  parseCount,
  parseDuration,
  parseHostPort,
  parseName,
  parsePort,
  parseTime,
  timeKey,
} from '../../cli/parse';
import { loadProtocol } from '../../cli/site-config';
import type { ScenarioRow } from '../row';
import { badNumberText, hostileText, separator, unicodeEdge } from './arbitraries';
import { Finding, fuzz, type Runs } from './kit';

const raw = fc.oneof(
  hostileText,
  badNumberText,
  fc
    .tuple(
      fc.constantFrom('', '+', '-', ' '),
      fc.bigInt({ min: 0n, max: 10n ** 30n }),
      fc.constantFrom('', 'ms', 's', 'm', 'h', 'd', 'w', 'y', 'S', ' d'),
    )
    .map(([s, n, u]) => `${s}${n}${u}`),
  fc
    .tuple(
      fc.integer({ min: -1, max: 99_999 }),
      fc.integer({ min: -1, max: 14 }),
      fc.integer({ min: -1, max: 33 }),
      fc.constantFrom('', 'T25:00', 'T23:59:60', ' 12:00', 'T12:00+15:00', 'T12:00Z', 'T12:00:00.0000', 'T12:00-0500'),
    )
    .map(
      ([y, m, d, t]) => `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}${t}`,
    ),
  fc
    .tuple(fc.string({ maxLength: 20 }), separator, unicodeEdge)
    .map(([a, s, u]) => `2088200000001401:${a}${s}${u}:${a}`),
);

type Parser = { name: string; run: (text: string) => unknown; check?: (v: unknown) => boolean };

const isInt = (lo: number, hi: number) => (v: unknown) =>
  v === undefined || (Number.isSafeInteger(v) && (v as number) >= lo && (v as number) <= hi);

const PARSERS: Parser[] = [
  { name: 'parseDuration', run: (t) => parseDuration('--timeout', t), check: isInt(1, 100 * 365 * 86_400_000) },
  {
    name: 'parseDuration(env)',
    run: (t) => parseDuration('WITKEY_PAYMENT_TIMEOUT', t, { bareMilliseconds: true }),
    check: isInt(1, 100 * 365 * 86_400_000),
  },
  {
    name: 'parseBoolean',
    run: (t) => parseBoolean('WITKEY_X', t),
    check: (v) => v === undefined || typeof v === 'boolean',
  },
  { name: 'parsePort', run: (t) => parsePort('--port', t), check: isInt(1, 65535) },
  { name: 'parseHostPort', run: (t) => parseHostPort('TEMPORAL_ADDRESS', t) },
  { name: 'parseName', run: (t) => parseName('WITKEY_TASK_QUEUE', t) },
  { name: 'parseBasisPoints', run: (t) => parseBasisPoints('WITKEY_COMMISSION_BP', t), check: isInt(0, 10_000) },
  { name: 'parseTime', run: (t) => parseTime('--expires', t), check: (v) => Number.isFinite(v) },
  {
    name: 'timeKey',
    run: (t) => timeKey('--expires', t),
    check: (v) => typeof v === 'string' && !/NaN|Infinity/.test(v),
  },
  { name: 'parseCount', run: (t) => parseCount('WITKEY_CLUSTER_TASKS', t, 1, 1000), check: isInt(1, 1000) },
  {
    name: 'yuanToFen',
    run: (t) => yuanToFen('--bounty', t, { positive: true }),
    check: isInt(1, Number.MAX_SAFE_INTEGER),
  },
  {
    name: 'yuanToFen(0 allowed)',
    run: (t) => yuanToFen('--value-added-fee', t),
    check: isInt(0, Number.MAX_SAFE_INTEGER),
  },
  { name: 'parseWinner', run: (t) => parseWinner('--winner', t) },
  { name: 'parseCount(args)', run: (t) => parseArgCount('--round', t, 'a round number'), check: isInt(1, 999_999) },
  { name: 'parseLimit', run: (t) => parseLimit(t), check: isInt(1, 99_999) },
  {
    name: 'normalizeArgv',
    run: (t) =>
      normalizeArgv(['--bounty', t, '--id', t, '--', t], { bounty: { type: 'string' }, id: { type: 'string' } }),
  },
  {
    name: 'loadStackConfig',
    run: (t) =>
      loadStackConfig({
        TEMPORAL_CONFIG_FILE: '/dev/null',
        WITKEY_TASK_QUEUE: t,
        WITKEY_TEMPORAL_PORT: t,
        WITKEY_UI_PORT: t,
        TEMPORAL_NAMESPACE: t,
        TEMPORAL_ADDRESS: t,
      }),
  },
  {
    name: 'loadProtocol',
    run: (t) => loadProtocol({ ALIPAY_SIGN_TYPE: t, ALIPAY_INPUT_CHARSET: t, ALIPAY_NOTIFY_VERIFY: t }),
  },
];

/** A refusal names where the value came from (a flag, a variable) and is one line. */
function clear(err: unknown): boolean {
  if (!(err instanceof UsageError || err instanceof ConfigError)) return false;
  return /--[a-z]|[A-Z][A-Z0-9_]{2,}|TEMPORAL|profile/.test(err.message);
}

export async function cliParsers(row: ScenarioRow, runs: Runs): Promise<void> {
  await fuzz(
    row,
    'CLI parsers',
    fc.tuple(fc.constantFrom(...PARSERS), raw),
    async ([parser, text]) => {
      let value: unknown;
      try {
        value = parser.run(text);
      } catch (err) {
        if (clear(err)) return;
        const e = err as Error;
        throw new Finding(
          err instanceof UsageError || err instanceof ConfigError ? 'unclearError' : 'crash',
          `${parser.name}: ${e?.name}: ${e?.message}`.slice(0, 200),
        );
      }
      if (parser.check && !parser.check(value))
        throw new Finding(
          'unclearError',
          `${parser.name}: accepted ${JSON.stringify(text).slice(0, 60)} as ${String(value)}`,
        );
    },
    { numRuns: runs.perSurface, seed: runs.seed, say: runs.say },
  );
}
