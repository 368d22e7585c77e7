/**
 * The client API a site calls (WitkeyTasks): publish, selectWinners, cancelWinners, planLeftover, extend and operator
 * with hostile inputs — ids and nicknames with separators, huge, negative, fractional and non-finite amounts and
 * times, missing and extra fields, wrong types. Each must be refused with a TaskRequestError whose message names
 * the field (or says which rule the task broke), nothing else escapes, and no task's history grows.
 */
import fc from 'fast-check';
import { TaskNotFoundError, TaskRequestError } from '../../client/tasks';
import { validateSpec } from '../../workflows/task/ledger';
import type { ScenarioRow } from '../row';
import { badNumber, hostileText, separator } from './arbitraries';
import { PAID, type Fixture } from './fixture';
import { Finding, fuzz, unchanged, type Runs } from './kit';

/** A nickname or id with a separator of the detail lists or forms in it. */
const injected = fc
  .tuple(fc.string({ maxLength: 6 }), separator, fc.string({ maxLength: 6 }))
  .map(([a, s, b]) => `${a}${s}${b}`);

const anyValue = fc.oneof(hostileText, injected, badNumber, fc.constantFrom(null, undefined, true, [], {}, '2088', -1));

const winner = fc.record(
  {
    alipayUserId: fc.oneof(
      fc.constant('2088200000001401'),
      hostileText,
      fc.constantFrom('2088100000001401', '2088', 2088200000001401),
    ),
    nickname: fc.oneof(injected, hostileText, fc.constant('winner')),
    // never a valid amount: a call with only good winners would be accepted
    amountFen: fc.oneof(badNumber, fc.constant('100')),
  },
  { requiredKeys: ['amountFen'] },
);

const ACTIONS = [
  'retry',
  'acknowledge',
  'settle_manually',
  'cancel_unpaid',
  'withdraw_round',
  'withdraw_leftover',
  'resolve_held_transfer',
];

/** One call, with at least one field that cannot be right (`hostile`), the others plausible. */
const call = fc.oneof(
  fc.record({
    op: fc.constant('publish' as const),
    field: fc.constantFrom(
      'outerTaskId',
      'title',
      'taskType',
      'publisherId',
      'publisherAlipayUserId',
      'bountyFen',
      'valueAddedFeeFen',
      'expiresAtMs',
    ),
    value: anyValue,
  }),
  fc.record({
    op: fc.constant('selectWinners' as const),
    winners: fc.oneof(fc.array(winner, { minLength: 1, maxLength: 4 }), anyValue),
    announceEndMs: fc.option(badNumber, { nil: undefined }),
  }),
  fc.record({
    op: fc.constant('cancelWinners' as const),
    transferNos: fc.oneof(fc.array(fc.oneof(injected, hostileText), { maxLength: 3 }), anyValue),
  }),
  fc.record({
    op: fc.constant('planLeftover' as const),
    refundFen: fc.oneof(badNumber, fc.constant(0)),
    platformFen: fc.oneof(badNumber, fc.constant(0)),
    winners: fc.oneof(fc.array(winner, { maxLength: 3 }), anyValue),
  }),
  fc.record({
    op: fc.constant('extend' as const),
    newExpiresAtMs: fc.oneof(badNumber, fc.constantFrom(0, 1)),
    reason: fc.oneof(hostileText, injected),
  }),
  fc.record({
    op: fc.constant('operator' as const),
    action: fc.oneof(
      hostileText.filter((a) => !ACTIONS.includes(a)),
      fc.constantFrom('__proto__', 'RETRY', 'retry '),
    ),
    operator: fc.oneof(hostileText, anyValue),
    reason: fc.oneof(hostileText, anyValue),
    round: anyValue,
    transferNo: anyValue,
    outcome: anyValue,
  }),
  fc.record({
    op: fc.constant('operator' as const),
    action: fc.constantFrom(...ACTIONS),
    operator: fc.constantFrom(null, undefined, '', 42, {}, [], '   '),
    reason: fc.oneof(hostileText, anyValue),
    round: anyValue,
    transferNo: anyValue,
    outcome: anyValue,
  }),
  fc.record({ op: fc.constant('taskId' as const), outerTaskId: fc.oneof(injected, hostileText) }),
);

type Call = typeof call extends fc.Arbitrary<infer T> ? T : never;

/** A refusal that says what was wrong: it names a field, or which rule of the task it broke. */
function clear(err: unknown): boolean {
  if (err instanceof TaskNotFoundError) return true;
  return (
    err instanceof TaskRequestError &&
    err.message.trim().length > 0 &&
    !/^(TypeError|RangeError|ReferenceError|Cannot read|undefined is not|.* is not a function)/.test(err.message)
  );
}

export async function clientApi(f: Fixture, row: ScenarioRow, runs: Runs): Promise<void> {
  const tasks = f.stack.tasks;
  const now = await f.stack.now();
  const base = {
    outerTaskId: 'hostile-new',
    title: 'hostile',
    taskType: 'DESIGN',
    publisherId: 'pub-hostile',
    publisherAlipayUserId: f.publisher,
    bountyFen: 10_000,
    valueAddedFeeFen: 0,
    expiresAtMs: Math.ceil((now + 30 * 86_400_000) / 1000) * 1000,
  };
  const invoke = async (c: Call): Promise<unknown> => {
    // the calls are typed for sites written in TypeScript; a site in JavaScript (or reading JSON) can send anything
    const any = <T>(x: unknown) => x as T;
    switch (c.op) {
      case 'publish': {
        const input = { ...base, [c.field]: c.value };
        if (c.value === undefined) delete (input as Record<string, unknown>)[c.field];
        return tasks.publish(any(input));
      }
      case 'selectWinners':
        return tasks.selectWinners(
          PAID,
          any({ winners: c.winners, ...(c.announceEndMs !== undefined ? { announceEndMs: c.announceEndMs } : {}) }),
        );
      case 'cancelWinners':
        return tasks.cancelWinners(PAID, any(c.transferNos));
      case 'planLeftover':
        return tasks.planLeftover(
          PAID,
          any({ refundFen: c.refundFen, platformFen: c.platformFen, winners: c.winners }),
        );
      case 'extend':
        return tasks.extend(PAID, any({ newExpiresAtMs: c.newExpiresAtMs, reason: c.reason }));
      case 'operator':
        return tasks.operator(
          PAID,
          any({
            action: c.action,
            operator: c.operator,
            reason: c.reason,
            round: c.round,
            transferNo: c.transferNo,
            outcome: c.outcome,
          }),
        );
      case 'taskId':
        return tasks.selectWinners(c.outerTaskId, {
          winners: [{ alipayUserId: '2088200000001401', nickname: 'w', amountFen: 100 }],
        });
    }
  };
  /** A publish the rules would accept is not hostile: such inputs are left out. */
  const refusedByRules = (c: Call): boolean => {
    if (c.op !== 'publish') return true;
    try {
      validateSpec({ ...base, [c.field]: c.value, feeRates: f.stack.sandbox.config.feeRates });
      return false;
    } catch {
      return true;
    }
  };
  await fuzz(
    row,
    'client API (WitkeyTasks)',
    call.filter(refusedByRules),
    async (c) => {
      let result: unknown;
      // before and after each input: the paid task's own life goes on between inputs (a new run, its timers)
      const before = await f.taskStates();
      try {
        result = await invoke(c);
      } catch (err) {
        if (!clear(err)) {
          const e = err as Error;
          throw new Finding(
            err instanceof TaskRequestError ? 'unclearError' : 'crash',
            `${c.op}: ${e?.name}: ${e?.message}`.slice(0, 200),
          );
        }
        await unchanged(before, () => f.taskStates(), `${c.op} refused`);
        return;
      }
      throw new Finding('unclearError', `${c.op}: accepted a hostile input (${JSON.stringify(result)?.slice(0, 80)})`);
    },
    { numRuns: runs.perSurface, seed: runs.seed, say: runs.say },
  );
}
