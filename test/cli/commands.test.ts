/**
 * Each `witkey` command as a child process against a running stack (dev server, sandbox, `witkey worker`,
 * `witkey webhook`): the values it prints, and the one-line error with a hint for bad input.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../../devstack/ports';
import {
  notificationSignal,
  taskWorkflowId,
  type ExtendResult,
  type PlanLeftoverResult,
  type PublishResult,
  type SelectWinnersResult,
  type TaskView,
} from '../../workflows/messages';
import { cleanEnv, oneLineError, startCliStack, untilJson, witkey, type CliStack, cliRunners } from './helpers';

const PUBLISHER = '2088100000000031';
const W1 = '2088200000000031';
const W2 = '2088200000000032';
const W3 = '2088200000000033';

describe('witkey commands against a running stack', () => {
  let stack: CliStack;
  const { run, runJson, status } = cliRunners(() => stack);
  const suffix = `${process.pid}${Date.now() % 100000}`;
  const A = `cliA${suffix}`;

  before(async () => {
    stack = await startCliStack();
  });
  after(async () => {
    await stack?.stop();
  });

  test('--help lists every command; each command has its own --help', async () => {
    const r = await run('--help');
    assert.equal(r.code, 0);
    for (const c of [
      'up',
      'worker',
      'webhook',
      'sandbox',
      'publish',
      'winners',
      'cancel-winner',
      'extend',
      'leftover',
      'attention',
      'resume',
      'status',
      'list',
      'demo',
      'provision',
    ])
      assert.match(r.stdout, new RegExp(`^  ${c} `, 'm'), c);
    for (const c of [
      'publish',
      'winners',
      'cancel-winner',
      'extend',
      'leftover',
      'attention',
      'resume',
      'status',
      'list',
      'demo',
      'worker',
      'webhook',
    ]) {
      const h = await run(c, '--help');
      assert.equal(h.code, 0);
      assert.match(h.stdout, new RegExp(`^witkey ${c}`), c);
    }
  });

  test('publish, pay at the sandbox cashier, then status --json has the phase and every ledger figure in fen', async () => {
    const p = await runJson<PublishResult>(
      'publish',
      '--id',
      A,
      '--title',
      'Logo / 标志',
      '--type',
      'DESIGN',
      '--publisher',
      'u-a',
      '--publisher-name',
      '小猪',
      '--publisher-alipay-id',
      PUBLISHER,
      '--bounty',
      '800.50',
      '--value-added-fee',
      '30',
      '--expires',
      '+30d',
    );
    assert.equal(p.outerTaskId, A);
    assert.equal(p.phase, 'awaiting_payment');
    assert.match(p.cashierUrl, /^http:\/\/127\.0\.0\.1:\d+\/gateway\.do\?/);
    assert.match(p.cashierUrl, /task_amount=800\.50/);
    await stack.sandbox.pay(p.cashierUrl, { payerUserId: PUBLISHER, followReturn: true });
    const v = await status(A, (x) => x.phase === 'open' && x.ledger.valueAddedFeePaidFen > 0);
    assert.deepEqual(v.ledger, {
      bountyFrozenFen: 80_050,
      valueAddedFeePaidFen: 3_000,
      winnersReceivedFen: 0,
      platformReceivedFen: 3_000,
      alipayFeesFen: 0,
      refundedFen: 0,
      stillFrozenFen: 80_050,
    });
    assert.equal(v.availableFen, 80_050);
    assert.equal(v.spec.bountyFen, 80_050);
    assert.equal(v.spec.publisherName, '小猪');

    const human = await run('status', A);
    assert.equal(human.code, 0);
    assert.match(human.stdout, /phase\s+open/);
    assert.match(human.stdout, /bounty frozen\s+800\.50\s+80050 fen/);
    assert.match(human.stdout, /value-added fee paid\s+30\.00\s+3000 fen/);

    const again = await runJson<PublishResult>(
      'publish',
      '--id',
      A,
      '--title',
      'Logo / 标志',
      '--type',
      'DESIGN',
      '--publisher',
      'u-a',
      '--publisher-name',
      '小猪',
      '--publisher-alipay-id',
      PUBLISHER,
      '--bounty',
      '800.50',
      '--value-added-fee',
      '30',
      '--expires',
      new Date(v.spec.expiresAtMs).toISOString(),
    );
    assert.equal(again.cashierUrl, p.cashierUrl, 'publishing again returns the same cashier URL');

    // a relative expiry names another time on every run: the refusal says which time to give instead
    const args = ['publish', '--id', A, '--title', 'Logo / 标志', '--type', 'DESIGN', '--publisher', 'u-a'];
    const rest = ['--publisher-name', '小猪', '--publisher-alipay-id', PUBLISHER, '--bounty', '800.50'];
    const relative = await run(...args, ...rest, '--value-added-fee', '30', '--expires', '+31d');
    const recorded = new Date(v.spec.expiresAtMs).toISOString().replace('.000Z', 'Z');
    oneLineError(
      relative,
      new RegExp(`task ${A} was already published, expiring ${recorded}; --expires \\+31d counts from now`),
      new RegExp(`give --expires ${recorded}$`),
    );
    const hinted = await runJson<PublishResult>(...args, ...rest, '--value-added-fee', '30', '--expires', recorded);
    assert.equal(hinted.cashierUrl, p.cashierUrl, 'the time the hint gives publishes it again');
  });

  test('winners (two winners, announcement), confirm, cancel-winner, list --phase', async () => {
    const r = await runJson<SelectWinnersResult>(
      'winners',
      A,
      '--winner',
      `${W1}:Tom:300`,
      '--winner',
      `${W2}:天之蓝:100.25`,
      '--announce-until',
      '+1h',
    );
    assert.equal(r.round, 1);
    assert.equal(r.transferNos.length, 2);
    await stack.sandbox.confirm(r.confirmUrl, { followReturn: true });
    const v = await status(A, (x) => x.transfers.length === 2 && x.transfers.every((t) => t.status === 'waiting'));
    assert.deepEqual(
      v.transfers.map((t) => [t.winnerAlipayUserId, t.winnerNickname, t.grossFen]),
      [
        [W1, 'Tom', 30_000],
        [W2, '天之蓝', 10_025],
      ],
    );
    assert.equal(v.phase, 'announcement');
    assert.equal(v.availableFen, 80_050 - 40_025);

    const human = await run('cancel-winner', A, r.transferNos[1]);
    assert.equal(human.code, 0, human.stderr);
    assert.equal(human.stdout.trim(), `cancelled ${r.transferNos[1]}`);
    const after = await status(A, (x) => x.transfers[1].status === 'cancelled');
    assert.equal(after.availableFen, 80_050 - 30_000, 'the cancelled amount is free again');

    oneLineError(await run('cancel-winner', A, r.transferNos[1]), /^witkey: refused: /, /witkey status/);

    const listed = await untilJson<{ outerTaskId: string; phase: string; amountFen: number }[]>(
      ['list', '--phase', 'announcement'],
      stack.env,
      (rows) => rows.some((x) => x.outerTaskId === A),
    );
    assert.deepEqual(
      listed.find((x) => x.outerTaskId === A),
      { outerTaskId: A, phase: 'announcement', amountFen: 80_050, needsAttention: false, status: 'RUNNING' },
    );
    const table = await run('list');
    assert.match(table.stdout, new RegExp(`^${A}\\s+announcement\\s+800\\.50`, 'm'));
  });

  test('extend: amount.append page; paying it adds to the frozen bounty', async () => {
    const r = await runJson<ExtendResult>('extend', A, '--add-bounty', '100', '--expires', '+45d');
    assert.equal(r.append, 1);
    assert.match(r.appendUrl, /alipay\.witkey\.task\.amount\.append/);
    await stack.sandbox.pay(r.appendUrl, { payerUserId: PUBLISHER, followReturn: true });
    const v = await status(A, (x) => x.ledger.bountyFrozenFen === 90_050);
    assert.equal(v.ledger.stillFrozenFen, 90_050);
  });

  test('attention lists a task flagged AMOUNT_MISMATCH; resume --acknowledge resolves it', async () => {
    const B = `cliB${suffix}`;
    const p = await runJson<PublishResult>(
      'publish',
      '--id',
      B,
      '--title',
      'mismatch',
      '--publisher',
      'u-b',
      '--bounty',
      '50',
      '--expires',
      '+10d',
    );
    assert.ok(p.cashierUrl);
    const view = await runJson<TaskView>('status', B);
    // a freeze notification whose amount differs from the task's (the webhook's notify_verify would refuse one the
    // sandbox did not issue, so it is signalled as the webhook would after verification)
    await stack.server.env.client.workflow.getHandle(taskWorkflowId(B)).signal(notificationSignal, {
      notifyId: `mm${suffix}`,
      via: 'notify',
      event: {
        type: 'task_freeze',
        partner: stack.sandbox.config.partnerId,
        outerTaskId: B,
        outerTaskFreezeNo: view.freezeNo,
        taskAmountFen: 5_001,
        paidTime: Math.floor(Date.now() / 1000) * 1000,
      },
    });

    const flagged = await untilJson<{ outerTaskId: string; reasons: { code: string }[] }[]>(
      ['attention'],
      stack.env,
      (rows) => rows.some((x) => x.outerTaskId === B),
    );
    assert.deepEqual(
      flagged.find((x) => x.outerTaskId === B)!.reasons.map((x) => x.code),
      ['AMOUNT_MISMATCH'],
    );
    const human = await run('attention');
    assert.match(human.stdout, new RegExp(`^${B}  \\(awaiting_payment\\)\\n  AMOUNT_MISMATCH: `, 'm'));

    const missing = await run('resume', B, '--acknowledge', 'AMOUNT_MISMATCH', '--operator', 'alice');
    oneLineError(missing, /--reason is required/);
    const r = await runJson<TaskView>(
      'resume',
      B,
      '--acknowledge',
      'AMOUNT_MISMATCH',
      '--operator',
      'alice',
      '--reason',
      'checked with Alipay',
    );
    assert.equal(r.needsAttention, false);
    assert.deepEqual(
      r.operatorActions.map((a) => [a.action, a.operator, a.reason]),
      [['acknowledge', 'alice', 'checked with Alipay']],
    );
    await untilJson<{ outerTaskId: string }[]>(
      ['attention'],
      stack.env,
      (rows) => !rows.some((x) => x.outerTaskId === B),
    );
  });

  test('leftover after expiry: refund (the rest) and platform share; the sandbox pays them out', async () => {
    const C = `cliC${suffix}`;
    const p = await runJson<PublishResult>(
      'publish',
      '--id',
      C,
      '--title',
      'short',
      '--publisher',
      'u-c',
      '--publisher-alipay-id',
      PUBLISHER,
      '--bounty',
      '200',
      '--expires',
      '+4s',
    );
    await stack.sandbox.pay(p.cashierUrl, { payerUserId: PUBLISHER, followReturn: true });
    await status(C, (x) => x.phase === 'expired', 30_000);
    const early = await run('leftover', C, '--platform', '500');
    oneLineError(early, /exceed what is available/);
    const html = join(tmpdir(), `witkey-leftover-${suffix}.html`);
    const plan = await runJson<PlanLeftoverResult>(
      'leftover',
      C,
      '--platform',
      '10',
      '--winner',
      `${W3}:Late:40`,
      '--html',
      html,
    );
    assert.equal(plan.adminPage.method, 'POST');
    assert.match(await readFile(html, 'utf8'), /alipay\.witkey\.task\.left\.amount\.handle/);
    await stack.sandbox.confirmLeftover(plan.adminPage.fields, { followReturn: true });
    const v = await status(
      C,
      (x) => x.ledger.stillFrozenFen === 0 && x.transfers.every((t) => t.commissionSettled),
      30_000,
    );
    assert.equal(v.ledger.refundedFen, 15_000);
    assert.equal(v.ledger.bountyFrozenFen, 20_000);
    assert.equal(
      v.ledger.bountyFrozenFen + v.ledger.valueAddedFeePaidFen,
      v.ledger.winnersReceivedFen +
        v.ledger.platformReceivedFen +
        v.ledger.alipayFeesFen +
        v.ledger.refundedFen +
        v.ledger.stillFrozenFen,
    );
    assert.equal(stack.sandbox.task(C)!.totals.refunded, 15_000, 'the sandbox agrees');
  });

  test('bad input and unknown tasks: one line and a hint, exit code 1', async () => {
    oneLineError(
      await run('publish', '--id', 'x1', '--title', 't', '--publisher', 'p', '--bounty', '12.345', '--expires', '+1d'),
      /--bounty="12\.345" is not an amount in yuan/,
      /at most 2 decimals/,
    );
    oneLineError(
      await run('publish', '--id', 'x1', '--title', 't', '--publisher', 'p', '--bounty=-5', '--expires', '+1d'),
      /--bounty: must be a positive amount in yuan, got -5/,
    );
    oneLineError(
      await run('publish', '--id', 'x1', '--publisher', 'p', '--bounty', '5', '--expires', '+1d'),
      /--title is required/,
      /--title/,
    );
    oneLineError(
      await run('publish', '--id', 'x1', '--title', 't', '--publisher', 'p', '--bounty', '5', '--expires', 'tomorrow'),
      /--expires="tomorrow" is not a time/,
      /\+30d/,
    );
    oneLineError(
      await run('publish', '--id', 'bad id!', '--title', 't', '--publisher', 'p', '--bounty', '5', '--expires', '+1d'),
      /refused \(ILLEGAL_ARGUMENT\): outerTaskId/,
      /check --id/,
    );
    oneLineError(await run('publish', '--bogus'), /Unknown option '--bogus'/, /witkey publish --help/);
    oneLineError(await run('status', `nope${suffix}`), new RegExp(`no task "nope${suffix}"`), /witkey list/);
    oneLineError(
      await run('winners', `nope${suffix}`, '--winner', `${W1}:x:1`),
      new RegExp(`no task "nope${suffix}"|not found`),
    );
    oneLineError(await run('winners', A, '--winner', `${W1}:Tom`), /not ALIPAY_ID:NICKNAME:AMOUNT/);
    oneLineError(await run('winners', A, '--winner', `${W1}:Tom:99999`), /^witkey: refused: /);
    oneLineError(await run('status'), /missing <outer_task_id>/, /usage: witkey status/);
    oneLineError(await run('list', '--phase', 'sleeping'), /--phase "sleeping" is not a phase/, /awaiting_payment/);
    oneLineError(
      await run('resume', A, '--retry', '--settle-manually', '--operator', 'a', '--reason', 'b'),
      /exactly one of/,
    );
    oneLineError(await run('nonsense'), /unknown command "nonsense"/);
  });

  test('configuration and connection errors: one line and a hint', async () => {
    const down = cleanEnv({ TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` });
    oneLineError(await witkey(['status', 'x'], down), /cannot reach Temporal at 127\.0\.0\.1:\d+/, /TEMPORAL_ADDRESS/);
    oneLineError(
      await witkey(['list'], { ...stack.env, TEMPORAL_TLS_CERT: '/nonexistent/cert.pem' }),
      /TEMPORAL_TLS_CERT=\/nonexistent\/cert\.pem cannot be read/,
      /Configuration/,
    );
    oneLineError(
      await witkey(['list'], { ...stack.env, TEMPORAL_TLS_KEY: stack.sandbox.config.keyFiles.partnerRsaPrivate }),
      /TEMPORAL_TLS_KEY is set but no client certificate is/,
    );
    oneLineError(
      await witkey(['list'], { ...stack.env, TEMPORAL_ADDRESS: 'no-port' }),
      /TEMPORAL_ADDRESS="no-port" must be host:port/,
    );
    oneLineError(
      await witkey(['worker'], { ...stack.env, WITKEY_SANDBOX_URL: '' }),
      /no Alipay gateway configured/,
      /Configuration/,
    );
    oneLineError(
      await witkey(['webhook'], {
        ...stack.env,
        WITKEY_SANDBOX_URL: `http://127.0.0.1:${await freePort()}`,
        WITKEY_STARTUP_WAIT_S: '0',
      }),
      /no Alipay sandbox answers/,
    );
    oneLineError(
      await witkey(['publish', '--id', 'x', '--title', 't', '--publisher', 'p', '--bounty', '1', '--expires', '+1d'], {
        ...stack.env,
        WITKEY_COMMISSION_BP: '20000',
      }),
      /WITKEY_COMMISSION_BP="20000" must be basis points/,
    );
  });

  test('a terminated task: every command says so (not "no task"); status shows it terminated with the warning', async () => {
    const T = `cliT${suffix}`;
    await runJson<PublishResult>(
      'publish',
      '--id',
      T,
      '--title',
      'to be terminated',
      '--publisher',
      'u-t',
      '--bounty',
      '66',
      '--expires',
      '+10d',
    );
    await stack.server.env.client.workflow.getHandle(taskWorkflowId(T)).terminate('wrong button');
    const terminated =
      /^witkey: task cliT\d+ was terminated \(workflow TERMINATED at [^;]+, last recorded phase awaiting_payment, frozen when last recorded ¥0\.00, still frozen per its last state ¥0\.00\): cannot .*; money may still be frozen at Alipay$/;
    const hint = /witkey status cliT\d+.*Temporal UI/;
    oneLineError(await run('winners', T, '--winner', `${W1}:Tom:1`), terminated, hint);
    oneLineError(await run('cancel-winner', T, `${T}T1`), terminated, hint);
    oneLineError(await run('leftover', T, '--refund', '1'), terminated, hint);
    oneLineError(await run('extend', T, '--add-bounty', '1', '--expires', '+20d'), terminated, hint);
    oneLineError(await run('resume', T, '--acknowledge', '--operator', 'alice', '--reason', 'x'), terminated, hint);
    const human = await run('status', T);
    assert.equal(human.code, 0, human.stderr);
    assert.match(
      human.stdout,
      /^ {2}phase {8}terminated \(workflow TERMINATED at .*; last recorded phase awaiting_payment\)$/m,
    );
    assert.match(
      human.stdout,
      /^ {2}WARNING {6}the workflow no longer runs and moves no money: money may still be frozen at Alipay/m,
    );
    assert.match(human.stdout, /WitkeyPhase=awaiting_payment WitkeyAmountFen=0 /); // nothing frozen before payment
    assert.doesNotMatch(human.stdout, /^ {2}phase {8}awaiting_payment/m);
    const j = await runJson<{
      phase: string;
      workflowStatus: string;
      lastRecorded: { phase: string; amountFen: number };
    }>('status', T);
    assert.deepEqual(
      [j.phase, j.workflowStatus, j.lastRecorded.phase, j.lastRecorded.amountFen],
      ['terminated', 'TERMINATED', 'awaiting_payment', 0], // WitkeyAmountFen: nothing frozen before payment
    );
  });

  test('the worker and the webhook stop cleanly on Ctrl-C (exit code 0)', async () => {
    assert.deepEqual(await stack.stopProcesses(), [0, 0], stack.logs().slice(-3000));
    assert.match(stack.logs(), /worker stopped/);
    assert.match(stack.logs(), /webhook stopped/);
    assert.match(stack.logs(), /"msg":"notification recorded"/, 'JSON logs on stdout');
  });
});
