/**
 * Repeated commands and withdrawals (issue #10, 4-5), as child processes against a running stack:
 * - `witkey winners`, `witkey extend`, `witkey leftover` repeated with the same arguments return the same round /
 *   append / plan (a request id derived from the task and the arguments), and say so; `--new-round` /
 *   `--new-append` or another `--request-id` make a deliberate second one;
 * - `witkey resume --withdraw-round N` / `--withdraw-leftover N` free what an unconfirmed page holds.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type {
  ExtendResult,
  PlanLeftoverResult,
  PublishResult,
  SelectWinnersResult,
  TaskView,
} from '../../workflows/messages';
import { oneLineError, startCliStack, type CliStack, cliRunners } from './helpers';

const PUBLISHER = '2088100000000061';
const W1 = '2088200000000061';
const W2 = '2088200000000062';

describe('repeated commands return the same round; withdrawals', () => {
  let stack: CliStack;
  const { run, runJson, status } = cliRunners(() => stack);
  const suffix = `${process.pid}${Date.now() % 100000}`;
  const A = `rpA${suffix}`;
  const L = `rpL${suffix}`;

  before(async () => {
    stack = await startCliStack();
    const p = await runJson<PublishResult>(
      'publish',
      '--id',
      A,
      '--title',
      'repeats',
      '--publisher',
      'u-r',
      '--publisher-alipay-id',
      PUBLISHER,
      '--bounty',
      '500',
      '--expires',
      '+30d',
    );
    await stack.sandbox.pay(p.cashierUrl, { payerUserId: PUBLISHER, followReturn: true });
    await status(A, (v) => v.phase === 'open');
  });
  after(async () => {
    await stack?.stop();
  });

  test('winners repeated with the same arguments: the same round, said so; --new-round makes a second one', async () => {
    const args = [
      'winners',
      A,
      '--winner',
      `${W1}:Tom:100`,
      '--winner',
      `${W2}:天之蓝:50.5`,
      '--announce-until',
      '2099-12-31',
    ];
    const first = await runJson<SelectWinnersResult>(...args);
    assert.equal(first.round, 1);
    const again = await run(...args);
    assert.equal(again.code, 0, again.stderr);
    assert.match(
      again.stdout,
      /^task rpA\d+: round 1 \(the same round was returned: these winners were selected before with the same arguments; --new-round selects another\)/m,
    );
    assert.ok(again.stdout.includes(first.confirmUrl), 'the same confirmation page');
    const againJson = await runJson<SelectWinnersResult & { repeated?: boolean }>(...args);
    assert.deepEqual(
      [againJson.round, againJson.transferNos, againJson.confirmUrl, againJson.repeated],
      [1, first.transferNos, first.confirmUrl, true],
    );
    let v = await runJson<TaskView>('status', A);
    assert.equal(v.rounds.length, 1, 'no second round');
    assert.equal(v.availableFen, 50_000 - 15_050);

    const second = await runJson<SelectWinnersResult & { repeated?: boolean }>(...args, '--new-round');
    assert.equal(second.round, 2);
    assert.equal(second.repeated, false);
    assert.notDeepEqual(second.transferNos, first.transferNos);
    const byId = await runJson<SelectWinnersResult>(
      'winners',
      A,
      '--winner',
      `${W1}:Tom:1`,
      '--request-id',
      `site-${suffix}`,
    );
    const byIdAgain = await runJson<SelectWinnersResult>(
      'winners',
      A,
      '--winner',
      `${W1}:Tom:1`,
      '--request-id',
      `site-${suffix}`,
    );
    assert.deepEqual([byId.round, byIdAgain.round], [3, 3]);
    v = await runJson<TaskView>('status', A);
    assert.equal(v.rounds.length, 3);
    oneLineError(
      await run(...args, '--new-round', '--request-id', 'x'),
      /--new-round and --request-id exclude each other/,
    );
  });

  test('status re-prints the pages still to confirm; resume --withdraw-round frees a round never confirmed', async () => {
    const human = await run('status', A);
    assert.match(human.stdout, /^ {4}round 2 task\.confirm \(the publisher confirms\): http/m);
    const before = await runJson<TaskView>('status', A);
    const v = await runJson<TaskView>(
      'resume',
      A,
      '--withdraw-round',
      '2',
      '--operator',
      'alice',
      '--reason',
      'the publisher picked other winners',
    );
    const round = v.rounds.find((r) => r.round === 2)!;
    assert.equal(round.status, 'abandoned');
    assert.equal(round.withdrawn?.operator, 'alice');
    assert.equal(v.availableFen, before.availableFen + 15_050);
    assert.deepEqual(v.operatorActions.map((a) => [a.action, a.operator, a.reason]).slice(-1), [
      ['withdraw_round', 'alice', 'the publisher picked other winners'],
    ]);
    const again = await run('resume', A, '--withdraw-round', '2', '--operator', 'alice', '--reason', 'twice');
    oneLineError(again, /^witkey: refused: withdraw_round: round 2 is abandoned/);
    oneLineError(
      await run('resume', A, '--withdraw-round', '-1', '--operator', 'a', '--reason', 'b'),
      /^witkey: --withdraw-round: must be a round number \(1, 2, \.\.\.\), got -1$/,
    );
    oneLineError(
      await run('resume', A, '--withdraw-round', '1', '--retry', '--operator', 'a', '--reason', 'b'),
      /exactly one of/,
    );
  });

  test('extend repeated with the same arguments: the same amount.append, said so; --new-append makes another', async () => {
    const args = ['extend', A, '--add-bounty', '10', '--expires', '+60d'];
    const first = await runJson<ExtendResult>(...args);
    const again = await run(...args);
    assert.equal(again.code, 0, again.stderr);
    assert.match(
      again.stdout,
      new RegExp(`^task ${A}: append ${first.append} \\(the same amount\\.append was returned`, 'm'),
    );
    assert.ok(again.stdout.includes(first.appendUrl));
    // one amount.append at a time: the publisher pays the first, then a second identical one is asked on purpose
    await stack.sandbox.pay(first.appendUrl, { payerUserId: PUBLISHER, followReturn: true });
    await status(A, (x) => x.ledger.bountyFrozenFen === 51_000);
    const second = await runJson<ExtendResult & { repeated?: boolean }>(...args, '--new-append');
    assert.deepEqual([second.append, second.repeated], [first.append + 1, false]);
  });

  test('leftover repeated with the same arguments: the same plan, said so; resume --withdraw-leftover frees it', async () => {
    const p = await runJson<PublishResult>(
      'publish',
      '--id',
      L,
      '--title',
      'leftover',
      '--publisher',
      'u-l',
      '--publisher-alipay-id',
      PUBLISHER,
      '--bounty',
      '200',
      '--expires',
      '+4s',
    );
    await stack.sandbox.pay(p.cashierUrl, { payerUserId: PUBLISHER, followReturn: true });
    await status(L, (x) => x.phase === 'expired', 30_000);
    const args = ['leftover', L, '--platform', '10', '--winner', `${W1}:Late:40`];
    const first = await runJson<PlanLeftoverResult>(...args);
    assert.equal(first.round, 1);
    const again = await run(...args);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^task rpL\d+: leftover round 1 \(the same plan was returned/m);
    let v = await runJson<TaskView>('status', L);
    assert.equal(v.leftovers.length, 1);
    assert.equal(v.availableFen, 0);
    assert.match(
      (await run('status', L)).stdout,
      /^ {4}leftover 1 left\.amount\.handle \(the administrator submits\): POST http/m,
    );

    v = await runJson<TaskView>(
      'resume',
      L,
      '--withdraw-leftover',
      '1',
      '--operator',
      'bob',
      '--reason',
      'wrong platform share',
    );
    assert.equal(v.leftovers[0].status, 'withdrawn');
    assert.equal(v.availableFen, 20_000);
    assert.deepEqual(v.operatorActions.map((a) => [a.action, a.operator]).slice(-1), [['withdraw_leftover', 'bob']]);
    const second = await runJson<PlanLeftoverResult>('leftover', L, '--platform', '20');
    assert.equal(second.round, 2);
    await stack.sandbox.confirmLeftover(second.adminPage.fields, { followReturn: true });
    const done = await status(L, (x) => x.ledger.stillFrozenFen === 0, 30_000);
    assert.equal(done.ledger.refundedFen, 18_000);
  });
});
