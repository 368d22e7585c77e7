/**
 * The operator's commands against a running stack (dev server, sandbox, `witkey worker`, `witkey webhook`, all as
 * in a deployment): a payout blocked for good by a configuration error, `attention`, `resume --retry` after the
 * configuration is fixed, `resume --settle-manually`, and the operators' inbox (`inbox`, `inbox resolve`).
 *
 * The configuration error is a real one: the worker is restarted with ALIPAY_* settings pointing at the sandbox but
 * signing with a key that is not the partner's, so confirm.by.platform is refused with ILLEGAL_SIGN (class
 * configuration, not retried) and the task blocks its payout with PAYOUT_FAILED. No sandbox fault kind yields a
 * configuration error (they are transient or unknown-outcome faults, retried by the activity), which is why the
 * key is the lever. "Fixing the configuration" is restarting the worker with the sandbox's partner keys.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pageActivities } from '../../activities/pages';
import { fetchSandboxConfig } from '../../cli/runtime';
import { siteSettingsForSandbox } from '../../cli/sandbox-gateway';
import type { InboxItem } from '../../client/tasks';
import type { PublishResult, SelectWinnersResult, TaskView } from '../../workflows/messages';
import { newTaskState } from '../../workflows/task/ledger';
import type { TaskTerms } from '../../workflows/task/types';
import { oneLineError, startCliStack, untilJson, type CliStack, cliRunners } from './helpers';

const PUBLISHER = '2088100000000041';
const W1 = '2088200000000041';
const W2 = '2088200000000042';

type InboxPage = { items: InboxItem[]; nextPageToken: string | null };
type AttentionRow = { outerTaskId: string; phase: string; reasons: { code: string; message: string }[] };

describe('operator commands: attention, resume --retry / --settle-manually, inbox', () => {
  let stack: CliStack;
  const { run, runJson, status } = cliRunners(() => stack);
  const suffix = `${process.pid}${Date.now() % 100000}`;
  const RETRY = `opR${suffix}`;
  const SETTLE = `opS${suffix}`;
  const transfersOf: Record<string, string[]> = {};
  const confirmUrls: Record<string, string> = {};

  /** The worker's environment with a real-gateway configuration aimed at the sandbox, signing with `privateKey`. */
  const gatewayEnv = (privateKey: string): NodeJS.ProcessEnv => {
    const c = stack.sandbox.config;
    return {
      ...stack.env,
      WITKEY_SANDBOX_URL: '',
      ALIPAY_GATEWAY_URL: stack.sandbox.gatewayUrl,
      ALIPAY_PARTNER: c.partnerId,
      ALIPAY_SIGN_TYPE: 'DSA',
      ALIPAY_PRIVATE_KEY_FILE: privateKey,
      ALIPAY_PUBLIC_KEY_FILE: c.keyFiles.alipayDsaPublic,
      ALIPAY_OPENAPI_URL: stack.sandbox.openApiUrl,
      ALIPAY_APP_ID: c.appId,
      ALIPAY_APP_PRIVATE_KEY_FILE: c.keyFiles.appRsaPrivate,
      ALIPAY_OPENAPI_PUBLIC_KEY_FILE: c.keyFiles.alipayRsaPublic,
    };
  };

  before(async () => {
    stack = await startCliStack();
  });
  after(async () => {
    await stack?.stop();
  });

  test('a payout refused for good (ILLEGAL_SIGN: wrong signing key) blocks with PAYOUT_FAILED; attention lists the tasks', async () => {
    // two paid tasks with a round of winners in an announcement period, confirmed by the publisher
    // the announcement must still be running when the publisher confirms, after both tasks are set up and the
    // worker restarted (half a minute and more on a loaded machine): a minute leaves room (no timing assertion)
    const announceUntil = new Date(Date.now() + 60_000).toISOString();
    for (const [id, winner] of [
      [RETRY, `${W1}:Tom:300`],
      [SETTLE, `${W2}:Ann:120.50`],
    ]) {
      const p = await runJson<PublishResult>(
        'publish',
        '--id',
        id,
        '--title',
        `operator ${id}`,
        '--publisher',
        `u-${id}`,
        '--publisher-alipay-id',
        PUBLISHER,
        '--bounty',
        '500',
        '--expires',
        '+30d',
      );
      await stack.sandbox.pay(p.cashierUrl, { payerUserId: PUBLISHER, followReturn: true });
      await status(id, (x) => x.phase === 'open');
      const w = await runJson<SelectWinnersResult>(
        'winners',
        id,
        '--winner',
        winner,
        '--announce-until',
        announceUntil,
      );
      transfersOf[id] = w.transferNos;
      confirmUrls[id] = w.confirmUrl;
    }
    // the configuration goes wrong: the worker now signs with Alipay's DSA key instead of the partner's
    assert.equal(
      await stack.restartWorker(gatewayEnv(stack.sandbox.config.keyFiles.alipayDsaPrivate)),
      0,
      stack.logs().slice(-3000),
    );
    for (const id of [RETRY, SETTLE]) {
      await stack.sandbox.confirm(confirmUrls[id], { followReturn: true });
      await status(id, (x) => x.transfers.every((t) => t.status === 'waiting') && x.phase === 'announcement');
    }

    for (const id of [RETRY, SETTLE]) {
      const v = await status(id, (x) => x.needsAttention, 150_000);
      const open = v.attention.filter((a) => !a.resolved);
      assert.deepEqual(
        open.map((a) => a.code),
        ['PAYOUT_FAILED'],
      );
      assert.match(open[0].message, /confirm\.by\.platform of .* failed: .*ILLEGAL_SIGN/);
      assert.deepEqual(
        v.transfers.map((t) => [t.transferNo, t.status]),
        transfersOf[id].map((no) => [no, 'waiting']),
        'nothing was paid',
      );
      assert.equal(v.ledger.winnersReceivedFen, 0);
      assert.equal(
        stack.sandbox.transfers(id).every((t) => t.status === 'W'),
        true,
        'the sandbox paid nothing either',
      );
    }

    const rows = await untilJson<AttentionRow[]>(['attention'], stack.env, (r) =>
      [RETRY, SETTLE].every((id) => r.some((x) => x.outerTaskId === id)),
    );
    for (const id of [RETRY, SETTLE]) {
      const row = rows.find((x) => x.outerTaskId === id)!;
      assert.equal(row.phase, 'announcement');
      assert.deepEqual(
        row.reasons.map((x) => x.code),
        ['PAYOUT_FAILED'],
      );
      assert.match(row.reasons[0].message, /ILLEGAL_SIGN/);
    }
    const human = await run('attention');
    assert.equal(human.code, 0, human.stderr);
    assert.match(
      human.stdout,
      new RegExp(
        `^${RETRY}  \\(announcement\\)\\n  PAYOUT_FAILED: confirm\\.by\\.platform of ${transfersOf[RETRY][0]} failed`,
        'm',
      ),
    );
  });

  test('resume --retry after the configuration is fixed: the payout step runs again; the action is recorded with operator and reason', async () => {
    // the fix: the worker signs with the partner's key again (real-gateway settings, the right key file)
    assert.equal(
      await stack.restartWorker(gatewayEnv(stack.sandbox.config.keyFiles.partnerDsaPrivate)),
      0,
      stack.logs().slice(-3000),
    );

    oneLineError(
      await run('resume', RETRY, '--retry', '--reason', 'key fixed'),
      /--operator is required/,
      /--operator alice/,
    );
    const r = await runJson<TaskView>(
      'resume',
      RETRY,
      '--retry',
      '--operator',
      'bob',
      '--reason',
      'partner key file fixed',
    );
    assert.equal(r.operatorActions.length, 1);
    assert.deepEqual(
      r.operatorActions.map((a) => [a.action, a.operator, a.reason, a.outcome]),
      [['retry', 'bob', 'partner key file fixed', 'retrying the payout step (was PAYOUT_FAILED)']],
    );
    assert.ok(r.operatorActions[0].atMs > Date.now() - 60_000 && r.operatorActions[0].atMs <= Date.now());

    const v = await status(RETRY, (x) => x.transfers.every((t) => t.status === 'paid' && t.commissionSettled), 60_000);
    const t = v.transfers[0];
    assert.equal(t.transferNo, transfersOf[RETRY][0]);
    assert.equal(t.grossFen, 30_000);
    assert.equal(t.winnerFen, 27_000);
    assert.equal(v.ledger.winnersReceivedFen, 27_000);
    assert.equal(v.ledger.stillFrozenFen, 20_000);
    assert.equal(v.needsAttention, false);
    assert.deepEqual(
      v.attention.map((a) => [a.code, a.resolved === true]),
      [['PAYOUT_FAILED', true]],
    );
    assert.deepEqual(
      v.operatorActions.map((a) => [a.action, a.operator, a.reason]),
      [['retry', 'bob', 'partner key file fixed']],
    );
    assert.equal(stack.sandbox.transfers(RETRY)[0].status, 'S', 'the sandbox paid the winner');

    const human = await run('status', RETRY);
    assert.match(
      human.stdout,
      /operator actions:\n\s+\S+ retry by bob \(partner key file fixed\): retrying the payout step \(was PAYOUT_FAILED\)/,
    );
    await untilJson<AttentionRow[]>(['attention'], stack.env, (rows) => !rows.some((x) => x.outerTaskId === RETRY));
    oneLineError(
      await run('resume', RETRY, '--retry', '--operator', 'bob', '--reason', 'again'),
      /^witkey: refused: retry: no step is waiting for a retry/,
      new RegExp(`witkey status ${RETRY}`),
    );
  });

  test('resume --settle-manually: the task closes (phase settled), attention cleared, the action recorded', async () => {
    const human = await run(
      'resume',
      SETTLE,
      '--settle-manually',
      '--operator',
      'carol',
      '--reason',
      'paid the winner by bank transfer',
    );
    assert.equal(human.code, 0, human.stderr);
    assert.match(
      human.stdout,
      /^settle_manually: settled manually with 50000 fen still frozen in the system's books\n/,
    );
    assert.match(human.stdout, /phase\s+settled/);

    const v = await runJson<TaskView>('status', SETTLE);
    assert.equal(v.phase, 'settled');
    assert.equal(v.needsAttention, false);
    assert.deepEqual(
      v.attention.map((a) => [a.code, a.resolved === true]),
      [['PAYOUT_FAILED', true]],
    );
    assert.deepEqual(
      v.operatorActions.map((a) => [a.action, a.operator, a.reason, a.outcome]),
      [
        [
          'settle_manually',
          'carol',
          'paid the winner by bank transfer',
          "settled manually with 50000 fen still frozen in the system's books",
        ],
      ],
    );
    await untilJson<AttentionRow[]>(['attention'], stack.env, (rows) => !rows.some((x) => x.outerTaskId === SETTLE));
    const listed = await untilJson<{ outerTaskId: string; phase: string }[]>(
      ['list', '--phase', 'settled'],
      stack.env,
      (rows) => rows.some((x) => x.outerTaskId === SETTLE),
    );
    assert.equal(listed.find((x) => x.outerTaskId === SETTLE)!.phase, 'settled');
    oneLineError(
      await run('resume', SETTLE, '--settle-manually', '--operator', 'carol', '--reason', 'twice'),
      /^witkey: refused: settle_manually: the task is already settled/,
    );
  });

  // Found by this test: settle_manually used to clear the blocked payout step and the loop then paid the winner the
  // operator had settled outside the system (a double payment). The workflow now moves no money after it.
  test('after resume --settle-manually nothing more is paid by the system', async () => {
    await new Promise((r) => setTimeout(r, 3_000)); // time for a (wrong) payout to happen
    const v = await runJson<TaskView>('status', SETTLE);
    assert.equal(v.ledger.winnersReceivedFen, 0, 'the system paid the winner after a manual settlement');
    assert.deepEqual(
      v.transfers.map((t) => t.status),
      ['waiting'],
    );
    assert.deepEqual(
      stack.sandbox.transfers(SETTLE).map((t) => t.status),
      ['W'],
      'the sandbox paid the winner',
    );
  });

  test('inbox: a verified notification for a task no workflow knows is listed; inbox resolve removes it', async () => {
    // a genuine notification for an unknown task: a task.create page signed with the partner's key outside the
    // system, paid at the sandbox, whose task_freeze the sandbox POSTs to the webhook (signature and notify_verify pass)
    const orphan = `opX${suffix}`;
    const settings = siteSettingsForSandbox(await fetchSandboxConfig(stack.sandbox.url), stack.webhookUrl);
    const spec: TaskTerms = {
      outerTaskId: orphan,
      title: 'made outside witkey',
      taskType: 'GENERAL',
      publisherId: 'u-x',
      bountyFen: 1_234,
      valueAddedFeeFen: 0,
      expiresAtMs: Math.ceil((Date.now() + 86_400_000) / 1000) * 1000,
      feeRates: stack.sandbox.config.feeRates,
    };
    const { url } = await pageActivities(settings.gateway).createTaskPage({
      spec,
      freezeNo: newTaskState(spec).freezeNo,
    });
    await stack.sandbox.pay(url, { payerUserId: PUBLISHER });

    const { items } = await untilJson<InboxPage>(['inbox'], stack.env, (p) =>
      p.items.some((i) => i.notification.event.outerTaskId === orphan),
    );
    const item = items.find((i) => i.notification.event.outerTaskId === orphan)!;
    const sent = stack.sandbox.notifications({ outerTaskId: orphan });
    assert.equal(sent.length, 1);
    assert.equal(item.notification.notifyId, sent[0].notifyId);
    assert.equal(item.notification.via, 'notify');
    assert.equal(item.notification.event.type, 'task_freeze');
    assert.equal(item.reason, 'unknown_task');
    assert.ok(item.receivedAtMs > Date.now() - 120_000 && item.receivedAtMs <= Date.now());
    if (item.notification.event.type === 'task_freeze') assert.equal(item.notification.event.taskAmountFen, 1_234);

    const human = await run('inbox');
    assert.equal(human.code, 0, human.stderr);
    const lines = human.stdout.trimEnd().split('\n');
    assert.match(lines[0], /^notify_id\s+type\s+outer_task_id\s+reason\s+received\s+amount$/);
    const line = lines.find((l) => l.startsWith(item.notification.notifyId))!;
    assert.ok(line, human.stdout);
    assert.deepEqual(line.split(/\s+/), [
      item.notification.notifyId,
      'task_freeze',
      orphan,
      'unknown_task',
      new Date(item.receivedAtMs).toISOString().replace('.000Z', 'Z'),
      '¥12.34',
    ]);
    assert.match(
      human.stdout,
      new RegExp(
        `\\nMONEY: .*\\n  ${item.notification.notifyId}  task_freeze for unknown task ${orphan}: ¥12\\.34 paid by the publisher and frozen at Alipay`,
      ),
    );

    oneLineError(
      await run('inbox', 'resolve', item.notification.notifyId, '--operator', 'dave'),
      /--reason is required/,
    );
    const resolved = await runJson<{ notifyId: string; remaining: number }>(
      'inbox',
      'resolve',
      item.notification.notifyId,
      '--operator',
      'dave',
      '--reason',
      'a test payment, refunded at Alipay',
    );
    assert.deepEqual(resolved, { notifyId: item.notification.notifyId, remaining: items.length - 1 });
    const { items: afterwards } = await untilJson<InboxPage>(
      ['inbox'],
      stack.env,
      (p) => !p.items.some((i) => i.notification.notifyId === item.notification.notifyId),
    );
    assert.equal(
      afterwards.some((i) => i.notification.notifyId === item.notification.notifyId),
      false,
    );
    assert.equal(afterwards.length, items.length - 1);
    if (afterwards.length === 0) assert.equal((await run('inbox')).stdout, 'the inbox is empty\n');

    // resolved once: a second resolve names the item and points at the list
    oneLineError(
      await run('inbox', 'resolve', item.notification.notifyId, '--operator', 'dave', '--reason', 'again'),
      new RegExp(`no open inbox item "${item.notification.notifyId}"`),
      /witkey inbox/,
    );
  });

  test('inbox: --help, usage errors, one line and a hint', async () => {
    const help = await run('inbox', '--help');
    assert.equal(help.code, 0);
    assert.match(
      help.stdout,
      /^witkey inbox \[--limit N\] \[--next TOKEN\] \[--json\]\nwitkey inbox resolve <notify_id> --operator NAME --reason TEXT/,
    );
    assert.match((await run('--help')).stdout, /^ {2}inbox {2,}the operators' inbox/m);
    oneLineError(await run('inbox', 'purge'), /unknown sub-command "purge"/, /witkey inbox resolve <notify_id>/);
    oneLineError(await run('inbox', 'resolve'), /missing <notify_id>/, /"witkey inbox" lists/);
    oneLineError(await run('inbox', 'resolve', 'n1', 'n2'), /unexpected argument "n2"/, /usage: witkey inbox/);
    oneLineError(await run('inbox', 'resolve', 'nope', '--reason', 'x'), /--operator is required/);
    oneLineError(await run('inbox', '--operator', 'a'), /--operator and --reason go with "inbox resolve <notify_id>"/);
    oneLineError(
      await run('inbox', 'resolve', `nope${suffix}`, '--operator', 'a', '--reason', 'b'),
      new RegExp(`no open inbox item "nope${suffix}"`),
      /witkey inbox/,
    );
  });
});
