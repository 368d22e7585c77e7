/**
 * A malformed task id is refused by the client API itself, as a TaskRequestError naming `outerTaskId`, by the rule
 * publication checks (validateSpec) and before anything reaches Temporal: the hostile-input chaos scenario found a
 * lone surrogate escaping as a raw gRPC ServiceError. The client here fails the test if it is touched at all.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Client } from '@temporalio/client';
import { TaskRequestError, WitkeyTasks } from '../../client/tasks';

const untouchable = new Proxy(
  {},
  {
    get: (_target, name) => {
      throw new Error(`the client was used (${String(name)}) before the task id was checked`);
    },
  },
) as Client;

const tasks = new WitkeyTasks(untouchable, { taskQueue: 'unused', feeRates: { commissionBp: 0, alipayFeeBp: 0 } });
const WINNER = { alipayUserId: '2088200000000051', nickname: 'Tom', amountFen: 1_000 };

/** Every client method that takes an outerTaskId. */
const METHODS: [string, (id: string) => Promise<unknown>][] = [
  ['selectWinners', (id) => tasks.selectWinners(id, { winners: [WINNER] }, 'r1')],
  ['cancelWinners', (id) => tasks.cancelWinners(id, ['T1'])],
  ['planLeftover', (id) => tasks.planLeftover(id, { refundFen: 100, platformFen: 0, winners: [] })],
  ['earlierResult', (id) => tasks.earlierResult(id, 'r1')],
  ['extend', (id) => tasks.extend(id, { addBountyFen: 100, newExpiresAtMs: 4_000_000_000_000 })],
  ['operator', (id) => tasks.operator(id, { action: 'acknowledge', operator: 'alice', reason: 'check' })],
  ['status', (id) => tasks.status(id)],
];

const BAD_IDS: [string, unknown][] = [
  ['a lone surrogate', '\ud800'],
  ['a lone surrogate in a good id', 'task-\udc00-1'],
  ['empty', ''],
  ['200 characters', 'x'.repeat(200)],
  ['51 characters', 'x'.repeat(51)],
  ['a slash', 'a/b'],
  ['a space', 'task 1'],
  ['a newline', 'task1\n'],
  ['not a string', 42],
];

test('client: a malformed outerTaskId is a TaskRequestError naming the field, before Temporal is asked', async () => {
  for (const [name, call] of METHODS) {
    for (const [what, id] of BAD_IDS) {
      await assert.rejects(
        call(id as string),
        (e: unknown) =>
          e instanceof TaskRequestError &&
          e.field === 'outerTaskId' &&
          e.code === 'ILLEGAL_ARGUMENT' &&
          /^outerTaskId: /.test(e.message),
        `${name}: ${what}`,
      );
    }
  }
});

test('client: a well-formed outerTaskId passes the check (and reaches the client)', async () => {
  for (const [name, call] of METHODS) {
    for (const id of ['t', 'task_1.a:b-C', 'x'.repeat(50)]) {
      // earlierResult answers "no earlier result" for any failure to read one
      if (name === 'earlierResult') assert.equal(await call(id), undefined, `${name}: ${id}`);
      else await assert.rejects(call(id), /the client was used/, `${name}: ${id}`);
    }
  }
});
