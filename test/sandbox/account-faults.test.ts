// The accountAbnormal winner fault: a winner whose Alipay account is abnormal fails at task.confirm (F in
// task_confirm), at its payment (assign_transfer F, no platform_profit_transfer; immediate and announcement payout),
// or at left.amount.handle (failure_bidders). Nothing is paid for it and its amount stays frozen, free for another
// winner or a leftover plan. The ledger is compared after every step with figures computed here (independently of
// the sandbox and of alipay/core/fees), and resending a request gives the same outcome.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildConfirmByPlatform,
  buildLeftAmountHandle,
  buildTaskConfirm,
  buildTaskCreate,
} from '../../alipay/core/services';
import { parseMapiReply } from '../../alipay/mapi-reply';
import { GatewayError } from '../../alipay/core/errors';
import type {
  AssignTransferEvent,
  LeftAmountHandleEvent,
  Notification,
  TaskConfirmEvent,
} from '../../alipay/core/events';
import type { ManualClock, Sandbox } from '../../sandbox';
import {
  DAY,
  T0,
  startTestSandbox,
  type PartnerClient,
  type Receiver,
  startSandboxFixture,
  type SandboxFixture,
} from './helpers';

const RATES = { commissionBp: 1000, alipayFeeBp: 100 };
/** round_half_up(x * bp / 10000), written independently of alipay/core/fees (small test amounts only). */
const fee = (x: number, bp: number): number => Math.floor((x * bp * 2 + 10000) / 20000);
/** What a winner transfer of gross g gives the winner, the platform and Alipay. */
const split = (g: number): { winner: number; platform: number; fees: number } => {
  const c = fee(g, RATES.commissionBp);
  const f = fee(c, RATES.alipayFeeBp);
  return { winner: g - c, platform: c - f, fees: f };
};

/** Four winners of their own for the n-th test (winner accounts are shared by every task of the sandbox). */
const winnersOf = (n: number): [string, string, string, string] =>
  [1, 2, 3, 4].map((k) => `2088${String(n).padStart(8, '0')}000${k}`) as [string, string, string, string];

interface Expected {
  frozen: number;
  platform: number;
  fees: number;
  publisher: number;
  winners: Record<string, number>;
  external: number;
  committed: number;
}

function assertLedger(s: Sandbox, id: string, e: Expected): void {
  const l = s.ledger();
  const task = s.task(id)!;
  assert.deepEqual(l.violations, [], 'the sandbox reports its ledger conserved');
  assert.equal(l.frozen[`${s.config.partnerId}:${id}`] ?? 0, e.frozen, 'frozen');
  assert.equal(task.committedFen, e.committed, 'committed (W)');
  assert.equal(l.platform[s.config.partnerId] ?? 0, e.platform, 'platform');
  assert.equal(l.alipayFees, e.fees, 'alipay fees');
  assert.equal(l.publishers[task.publisherUserId!] ?? 0, e.publisher, 'publisher');
  for (const [w, v] of Object.entries(e.winners)) assert.equal(l.winners[w] ?? 0, v, `winner ${w}`);
  assert.equal(l.external, e.external, 'money brought in');
  const sum = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0);
  assert.equal(
    -l.external,
    sum(l.winners) + sum(l.publishers) + sum(l.frozen) + sum(l.platform) + l.alipayFees,
    'nothing created or lost',
  );
  // the per-task invariant, from the task's own counters
  const t = task.totals;
  assert.equal(
    t.bountyFrozen + t.valueAddedPaid,
    t.winnersReceived + t.platformReceived + t.alipayFees + t.refunded + e.frozen,
    'task invariant',
  );
}

describe('accountAbnormal winner fault', () => {
  let s: Sandbox;
  let clock: ManualClock;
  let dataDir: string;
  let client: PartnerClient;
  let receiver: Receiver;
  // every test uses its own tasks; the ledger's shared accounts (platform, fees, external) are carried over
  let platform = 0;
  let fees = 0;
  let external = 0;

  let fixture: SandboxFixture;
  before(async () => {
    fixture = await startSandboxFixture({ feeRates: RATES });
    ({ sandbox: s, clock, dataDir, client, receiver } = fixture);
  });
  after(async () => {
    await s.stop(); // the sandbox restarted by the last test
    await fixture.stop();
  });

  async function paidTask(id: string, amountFen: number, expiresAt: number): Promise<string> {
    clock.set(T0);
    await s.pay(
      client.url(
        buildTaskCreate({
          outerTaskId: id,
          outerTaskFreezeNo: `${id}FZ`,
          taskAmountFen: amountFen,
          returnUrl: 'http://127.0.0.1:9/return',
          notifyUrl: receiver.url,
          taskType: 'DESIGN',
          taskTitle: '标志',
          taskExpiredTime: expiresAt,
          outerAccountId: `pub-${id}`,
        }),
      ),
    );
    external += amountFen;
    await s.flushNotifications();
    return s.task(id)!.publisherUserId!;
  }

  const confirmUrl = (
    id: string,
    publisher: string,
    winners: Array<[string, number, string]>,
    announcePeriodEnd?: number,
  ): string =>
    client.url(
      buildTaskConfirm({
        outerTaskId: id,
        outerAccountId: `pub-${id}`,
        alipayUserId: publisher,
        transfers: winners.map(([no, amountFen, alipayUserId]) => ({
          outerTransferNo: no,
          amountFen,
          alipayUserId,
          nickname: `n${no}`,
        })),
        ...(announcePeriodEnd !== undefined ? { announcePeriodEnd } : {}),
        returnUrl: 'http://127.0.0.1:9/return',
        notifyUrl: receiver.url,
      }),
    );

  /** Deliver what is due; return the verified notifications delivered now. */
  const flush = async (): Promise<Notification[]> => {
    const before = receiver.received.length;
    await s.flushNotifications();
    const fresh = receiver.received.slice(before);
    assert.deepEqual(
      fresh.filter((r) => !r.notification).map((r) => r.error),
      [],
      'every notification verifies with the protocol library',
    );
    return fresh.map((r) => r.notification!);
  };
  const kinds = (ns: Notification[]): string[] =>
    ns.map((n) => `${n.notifyType}${n.notifySubType ? `/${n.notifySubType}` : ''}`);

  test('task.confirm: the abnormal winner is F with its error_code; nothing is committed or paid for it; a resend gives the same outcome', async () => {
    const id = 'AF1';
    const [A, B, C] = winnersOf(1);
    const publisher = await paidTask(id, 10_000, T0 + 7 * DAY);
    const fault = s.injectFault({ target: 'winner', kind: 'accountAbnormal', alipayUserId: B });
    const url = confirmUrl(id, publisher, [
      [`${id}T1`, 6_000, A],
      [`${id}T2`, 3_000, B],
    ]);
    const r = await s.confirm(url);
    const expectedTransfers = [
      { outerTransferNo: `${id}T1`, amountFen: 6_000, alipayUserId: A, status: 'I' },
      { outerTransferNo: `${id}T2`, amountFen: 3_000, alipayUserId: B, status: 'F', errorCode: 'ACCOUNT_NOT_EXIST' },
    ];
    assert.deepEqual((r.event as TaskConfirmEvent).transfers, expectedTransfers, 'the return callback reports F');
    assert.equal(r.returnFields.is_success, 'T');
    assert.deepEqual(
      s
        .faults()
        .map((f) => f.id)
        .includes(fault.id),
      false,
      'a times=1 fault is used up',
    );

    const ns = await flush();
    assert.deepEqual(kinds(ns), [
      'task_confirm',
      'assign_transfer/ASSIGN_FOR_IMMEDIATE_PAYMENT',
      'platform_profit_transfer/PLATFORM_PROFIT_BY_IMMEDIATE_PAYMENT',
    ]);
    assert.deepEqual(
      (ns[0].event as TaskConfirmEvent).transfers,
      expectedTransfers,
      'the notification reports F with the code',
    );
    assert.equal((ns[1].event as AssignTransferEvent).outerTransferNo, `${id}T1`, 'only the good winner is paid');
    const [t1, t2] = s.transfers(id);
    assert.deepEqual([t1.status, t2.status, t2.errorCode, t2.failedStage], ['I', 'F', 'ACCOUNT_NOT_EXIST', 'confirm']);
    const a = split(6_000);
    platform += a.platform;
    fees += a.fees;
    assertLedger(s, id, {
      frozen: 4_000,
      committed: 0,
      platform,
      fees,
      publisher: 0,
      winners: { [A]: a.winner, [B]: 0 },
      external: -external,
    });
    assert.equal(s.journal(id).filter((p) => p.ref === `${id}T2`).length, 0, 'no posting for the failed transfer');

    // the very same request again: the recorded outcome (still F), nothing moves, nothing is notified
    const again = await s.confirm(url);
    assert.equal(again.alreadyDone, true);
    assert.deepEqual((again.event as TaskConfirmEvent).transfers, expectedTransfers);
    assert.deepEqual(await flush(), []);
    assertLedger(s, id, {
      frozen: 4_000,
      committed: 0,
      platform,
      fees,
      publisher: 0,
      winners: { [A]: a.winner, [B]: 0 },
      external: -external,
    });

    // the failed amount is free: another winner can take all that is left (4000 = 10000 - 6000)
    await s.confirm(confirmUrl(id, publisher, [[`${id}T3`, 4_000, C]], T0 + DAY));
    assert.deepEqual(kinds(await flush()), ['task_confirm']);
    assertLedger(s, id, {
      frozen: 4_000,
      committed: 4_000,
      platform,
      fees,
      publisher: 0,
      winners: { [A]: a.winner, [C]: 0 },
      external: -external,
    });
  });

  test('task.confirm with an announcement: the abnormal winner (per transfer) is F and not committed', async () => {
    const id = 'AF2';
    const [A, B] = winnersOf(2);
    const publisher = await paidTask(id, 10_000, T0 + 7 * DAY);
    s.injectFault({
      target: 'winner',
      kind: 'accountAbnormal',
      outerTransferNo: `${id}T2`,
      errorCode: 'ACCOUNT_FROZEN',
    });
    await s.confirm(
      confirmUrl(
        id,
        publisher,
        [
          [`${id}T1`, 5_000, A],
          [`${id}T2`, 2_500, B],
        ],
        T0 + DAY,
      ),
    );
    const ns = await flush();
    assert.deepEqual(kinds(ns), ['task_confirm']);
    assert.deepEqual(
      (ns[0].event as TaskConfirmEvent).transfers.map((t) => [t.status, t.errorCode]),
      [
        ['W', undefined],
        ['F', 'ACCOUNT_FROZEN'],
      ],
    );
    assertLedger(s, id, {
      frozen: 10_000,
      committed: 5_000,
      platform,
      fees,
      publisher: 0,
      winners: { [A]: 0, [B]: 0 },
      external: -external,
    });
    // paying out the failed transfer is refused; the good one is paid
    clock.set(T0 + DAY);
    const refused = await client.call(
      buildConfirmByPlatform({ outerTaskId: id, transferNos: [`${id}T1`, `${id}T2`] }),
      'GET',
    );
    assert.throws(
      () => parseMapiReply(refused.body, 'utf-8', client.alipayVerifier),
      (e: unknown) => e instanceof GatewayError && e.gatewayCode === 'WITKEY_NOT_ALLOW',
    );
    const ok = await client.call(buildConfirmByPlatform({ outerTaskId: id, transferNos: [`${id}T1`] }), 'GET');
    parseMapiReply(ok.body, 'utf-8', client.alipayVerifier);
    assert.deepEqual(kinds(await flush()), [
      'assign_transfer/ASSIGN_FOR_ANNOUNCE_PAYMENT',
      'platform_profit_transfer/PLATFORM_PROFIT_BY_ANNOUNCE_PAYMENT',
    ]);
    const a = split(5_000);
    platform += a.platform;
    fees += a.fees;
    assertLedger(s, id, {
      frozen: 5_000,
      committed: 0,
      platform,
      fees,
      publisher: 0,
      winners: { [A]: a.winner, [B]: 0 },
      external: -external,
    });
  });

  test('announcement payout: the abnormal winner gets assign_transfer F, no platform_profit_transfer, the amount is freed; a resend changes nothing', async () => {
    const id = 'AF3';
    const [A, B] = winnersOf(3);
    const publisher = await paidTask(id, 10_000, T0 + 3 * DAY);
    await s.confirm(
      confirmUrl(
        id,
        publisher,
        [
          [`${id}T1`, 6_000, A],
          [`${id}T2`, 3_000, B],
        ],
        T0 + DAY,
      ),
    );
    assert.deepEqual(kinds(await flush()), ['task_confirm']);
    assertLedger(s, id, {
      frozen: 10_000,
      committed: 9_000,
      platform,
      fees,
      publisher: 0,
      winners: {},
      external: -external,
    });
    // the account of B becomes abnormal during the announcement: it shows at the payout
    s.injectFault({ target: 'winner', kind: 'accountAbnormal', stage: 'payment', alipayUserId: B, outerTaskId: id });
    clock.set(T0 + DAY);
    const req = buildConfirmByPlatform({ outerTaskId: id, transferNos: [`${id}T1`, `${id}T2`] });
    const reply = await client.call(req, 'GET');
    const parsed = parseMapiReply(reply.body, 'utf-8', client.alipayVerifier);
    assert.match(
      parsed.signedBytes.toString('utf8'),
      /<outer_task_id>AF3<\/outer_task_id>/,
      'the call itself succeeds (the failure is per transfer)',
    );
    const ns = await flush();
    assert.deepEqual(kinds(ns), [
      'assign_transfer/ASSIGN_FOR_ANNOUNCE_PAYMENT',
      'platform_profit_transfer/PLATFORM_PROFIT_BY_ANNOUNCE_PAYMENT',
      'assign_transfer/ASSIGN_FOR_ANNOUNCE_PAYMENT',
    ]);
    const failed = ns[2].event as AssignTransferEvent;
    assert.deepEqual(
      [failed.outerTransferNo, failed.status, failed.errorCode, failed.alipayUserId, failed.amountFen],
      [`${id}T2`, 'F', 'ACCOUNT_NOT_EXIST', B, 3_000],
    );
    assert.equal(
      ns.filter((n) => n.event.type === 'platform_profit_transfer' && n.event.outerTransferNo === `${id}T2`).length,
      0,
      'no commission for the failed transfer',
    );
    const a = split(6_000);
    platform += a.platform;
    fees += a.fees;
    assertLedger(s, id, {
      frozen: 4_000,
      committed: 0,
      platform,
      fees,
      publisher: 0,
      winners: { [A]: a.winner, [B]: 0 },
      external: -external,
    });
    assert.deepEqual(
      s.transfers(id).map((t) => [t.status, t.errorCode ?? null]),
      [
        ['S', null],
        ['F', 'ACCOUNT_NOT_EXIST'],
      ],
    );

    // the same request again (e.g. after a lost reply): the recorded reply, nothing moves, nothing is notified
    const again = await client.call(req, 'GET');
    assert.deepEqual(parseMapiReply(again.body, 'utf-8', client.alipayVerifier).signedBytes, parsed.signedBytes);
    assert.deepEqual(await flush(), []);
    assertLedger(s, id, {
      frozen: 4_000,
      committed: 0,
      platform,
      fees,
      publisher: 0,
      winners: { [A]: a.winner, [B]: 0 },
      external: -external,
    });

    // after the deadline the freed amount goes back to the publisher with a leftover plan
    clock.set(T0 + 3 * DAY);
    await s.confirmLeftover(
      client.form(
        buildLeftAmountHandle({
          outerTaskId: id,
          outerAccountId: 'admin',
          refund: { serialNo: `${id}RF1`, amountFen: 4_000 },
          notifyUrl: receiver.url,
          returnUrl: 'http://127.0.0.1:9/return',
        }),
      ),
    );
    assert.deepEqual(kinds(await flush()), ['left_amount_handle', 'refund_transfer']);
    assertLedger(s, id, {
      frozen: 0,
      committed: 0,
      platform,
      fees,
      publisher: 4_000,
      winners: { [A]: a.winner, [B]: 0 },
      external: -external,
    });
  });

  test('immediate payment: task_confirm says I, then assign_transfer F; nothing moves', async () => {
    const id = 'AF4';
    const [, , C, D] = winnersOf(4);
    const publisher = await paidTask(id, 8_000, T0 + 3 * DAY);
    s.injectFault({
      target: 'winner',
      kind: 'accountAbnormal',
      stage: 'payment',
      alipayUserId: C,
      errorCode: 'ACCOUNT_ABNORMAL',
    });
    const r = await s.confirm(
      confirmUrl(id, publisher, [
        [`${id}T1`, 5_000, C],
        [`${id}T2`, 1_000, D],
      ]),
    );
    assert.deepEqual(
      (r.event as TaskConfirmEvent).transfers.map((t) => t.status),
      ['I', 'I'],
      'the account is found abnormal only when paying',
    );
    const ns = await flush();
    assert.deepEqual(kinds(ns), [
      'task_confirm',
      'assign_transfer/ASSIGN_FOR_IMMEDIATE_PAYMENT',
      'assign_transfer/ASSIGN_FOR_IMMEDIATE_PAYMENT',
      'platform_profit_transfer/PLATFORM_PROFIT_BY_IMMEDIATE_PAYMENT',
    ]);
    const failed = ns[1].event as AssignTransferEvent;
    assert.deepEqual(
      [failed.outerTransferNo, failed.subType, failed.status, failed.errorCode],
      [`${id}T1`, 'ASSIGN_FOR_IMMEDIATE_PAYMENT', 'F', 'ACCOUNT_ABNORMAL'],
    );
    assert.equal((ns[3].event as { outerTransferNo: string }).outerTransferNo, `${id}T2`);
    const d = split(1_000);
    platform += d.platform;
    fees += d.fees;
    assertLedger(s, id, {
      frozen: 7_000,
      committed: 0,
      platform,
      fees,
      publisher: 0,
      winners: { [C]: 0, [D]: d.winner },
      external: -external,
    });
    const [t1] = s.transfers(id);
    assert.deepEqual(
      [t1.status, t1.errorCode, t1.failedStage, t1.paidAt],
      ['F', 'ACCOUNT_ABNORMAL', 'payment', undefined],
    );
  });

  test('left.amount.handle: the abnormal winner is in failure_bidders, no assign follows, its amount stays frozen for a new plan', async () => {
    const id = 'AF5';
    const [, , C, D] = winnersOf(5);
    await paidTask(id, 10_000, T0 + DAY);
    clock.set(T0 + DAY);
    s.injectFault({ target: 'winner', kind: 'accountAbnormal', stage: 'leftover', alipayUserId: D, times: 0 });
    const req = buildLeftAmountHandle({
      outerTaskId: id,
      outerAccountId: 'admin',
      refund: { serialNo: `${id}RF1`, amountFen: 2_000 },
      platform: { serialNo: `${id}PS1`, amountFen: 1_000 },
      transfers: [
        { outerTransferNo: `${id}T1`, amountFen: 1_500, alipayUserId: C, nickname: 'Carol' },
        { outerTransferNo: `${id}T2`, amountFen: 3_000, alipayUserId: D, nickname: 'Dan' },
      ],
      notifyUrl: receiver.url,
      returnUrl: 'http://127.0.0.1:9/return',
    });
    const r = await s.confirmLeftover(client.form(req));
    const expected = {
      successBidders: [{ outerTransferNo: `${id}T1`, amountFen: 1_500, alipayUserId: C, nickname: 'Carol' }],
      failureBidders: [
        {
          outerTransferNo: `${id}T2`,
          amountFen: 3_000,
          alipayUserId: D,
          nickname: 'Dan',
          errorCode: 'ACCOUNT_NOT_EXIST',
        },
      ],
    };
    const ev = r.event as LeftAmountHandleEvent;
    assert.deepEqual(
      { successBidders: ev.successBidders, failureBidders: ev.failureBidders },
      expected,
      'the return callback',
    );
    const ns = await flush();
    assert.deepEqual(kinds(ns), [
      'left_amount_handle',
      'refund_transfer',
      'assign_transfer/ASSIGN_FOR_IMMEDIATE_PAYMENT',
      'platform_profit_transfer/PLATFORM_PROFIT_BY_IMMEDIATE_PAYMENT',
      'platform_profit_transfer/PLATFORM_PROFIT_BY_IMMEDIATE_PAYMENT',
    ]);
    const lah = ns[0].event as LeftAmountHandleEvent;
    assert.deepEqual(
      { successBidders: lah.successBidders, failureBidders: lah.failureBidders },
      expected,
      'the notification',
    );
    assert.ok(
      ns.every((n) => !(n.event.type === 'assign_transfer' && n.event.outerTransferNo === `${id}T2`)),
      'no assign for the failure bidder',
    );
    const c = split(1_500);
    const shareFee = fee(1_000, RATES.alipayFeeBp);
    platform += c.platform + 1_000 - shareFee;
    fees += c.fees + shareFee;
    const frozen = 10_000 - 2_000 - 1_000 - 1_500; // 5500: D's 3000 stays
    assertLedger(s, id, {
      frozen,
      committed: 0,
      platform,
      fees,
      publisher: 2_000,
      winners: { [C]: c.winner, [D]: 0 },
      external: -external,
    });

    // the same request again: the recorded outcome
    const again = await s.confirmLeftover(client.form(req));
    assert.equal(again.alreadyDone, true);
    assert.deepEqual((again.event as LeftAmountHandleEvent).failureBidders, expected.failureBidders);
    assert.deepEqual(await flush(), []);
    assertLedger(s, id, {
      frozen,
      committed: 0,
      platform,
      fees,
      publisher: 2_000,
      winners: { [C]: c.winner, [D]: 0 },
      external: -external,
    });

    // D's account is still abnormal (times 0): a second plan paying D again fails D again; then the rest is refunded
    await s.confirmLeftover(
      client.form(
        buildLeftAmountHandle({
          outerTaskId: id,
          outerAccountId: 'admin',
          refund: { serialNo: `${id}RF2`, amountFen: frozen - 3_000 },
          transfers: [{ outerTransferNo: `${id}T3`, amountFen: 3_000, alipayUserId: D, nickname: 'Dan' }],
          notifyUrl: receiver.url,
          returnUrl: 'http://127.0.0.1:9/return',
        }),
      ),
    );
    const ns2 = await flush();
    assert.deepEqual(kinds(ns2), ['left_amount_handle', 'refund_transfer']);
    assert.deepEqual(
      (ns2[0].event as LeftAmountHandleEvent).failureBidders.map((b) => b.outerTransferNo),
      [`${id}T3`],
    );
    assertLedger(s, id, {
      frozen: 3_000,
      committed: 0,
      platform,
      fees,
      publisher: 2_000 + frozen - 3_000,
      winners: { [D]: 0 },
      external: -external,
    });
    s.clearFaults();
    await s.confirmLeftover(
      client.form(
        buildLeftAmountHandle({
          outerTaskId: id,
          outerAccountId: 'admin',
          refund: { serialNo: `${id}RF3`, amountFen: 3_000 },
          notifyUrl: receiver.url,
          returnUrl: 'http://127.0.0.1:9/return',
        }),
      ),
    );
    assert.deepEqual(kinds(await flush()), ['left_amount_handle', 'refund_transfer']);
    assertLedger(s, id, {
      frozen: 0,
      committed: 0,
      platform,
      fees,
      publisher: 10_000 - 1_000 - 1_500,
      winners: { [C]: c.winner, [D]: 0 },
      external: -external,
    });
  });

  test('a refused request uses up no fault; times counts failed transfers; matching is per winner / transfer / task', async () => {
    const id = 'AF6';
    const [A, B, C, D] = winnersOf(6);
    const publisher = await paidTask(id, 5_000, T0 + 3 * DAY);
    const fault = s.injectFault({ target: 'winner', kind: 'accountAbnormal', outerTaskId: id, times: 2 });
    await assert.rejects(s.confirm(confirmUrl(id, publisher, [[`${id}T1`, 9_000, A]])), {
      code: 'WITKEY_TASK_LEF_AMOUNT_NOT_ENOUGH',
    });
    assert.equal(s.faults().find((f) => f.id === fault.id)?.used, 0, 'nothing used by a refused request');
    await s.confirm(
      confirmUrl(id, publisher, [
        [`${id}T1`, 1_000, A],
        [`${id}T2`, 1_000, B],
        [`${id}T3`, 1_000, C],
      ]),
    );
    assert.deepEqual(
      s.transfers(id).map((t) => t.status),
      ['F', 'F', 'I'],
      'two transfers fail, the third is paid',
    );
    assert.equal(s.faults().length, 0);
    // a fault for another winner / transfer / task does not touch these
    s.injectFault({ target: 'winner', kind: 'accountAbnormal', alipayUserId: D });
    s.injectFault({ target: 'winner', kind: 'accountAbnormal', outerTransferNo: 'NOPE' });
    s.injectFault({ target: 'winner', kind: 'accountAbnormal', outerTaskId: 'OTHER' });
    await s.confirm(confirmUrl(id, publisher, [[`${id}T4`, 1_000, A]]));
    assert.equal(s.transfers(id).at(-1)!.status, 'I');
    assert.equal(s.faults().length, 3);
    s.clearFaults();
    const c = split(1_000);
    platform += 2 * c.platform;
    fees += 2 * c.fees;
    await flush();
    assertLedger(s, id, {
      frozen: 3_000,
      committed: 0,
      platform,
      fees,
      publisher: 0,
      winners: { [A]: c.winner, [B]: 0, [C]: c.winner },
      external: -external,
    });
  });

  test('HTTP control API: POST /sandbox/faults takes a winner fault; bad ones are 400', async () => {
    const [A] = winnersOf(7);
    const post = (body: unknown): Promise<Response> =>
      fetch(`${s.url}/sandbox/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const ok = await post({
      target: 'winner',
      kind: 'accountAbnormal',
      stage: 'leftover',
      alipayUserId: A,
      errorCode: 'ACCOUNT_NOT_EXIST',
      times: 0,
    });
    assert.equal(ok.status, 201);
    const fault = (await ok.json()) as {
      id: string;
      target: string;
      stage: string;
      alipayUserId: string;
      times: number;
    };
    assert.deepEqual([fault.target, fault.stage, fault.alipayUserId, fault.times], ['winner', 'leftover', A, 0]);
    const listed = (await (await fetch(`${s.url}/sandbox/faults`)).json()) as { faults: Array<{ id: string }> };
    assert.deepEqual(
      listed.faults.map((f) => f.id),
      [fault.id],
    );
    for (const bad of [
      { target: 'winner', kind: 'accountAbnormal', stage: 'later' },
      { target: 'winner', kind: 'accountAbnormal', alipayUserId: '2099000000000000' },
      { target: 'winner', kind: 'accountAbnormal', errorCode: 'lower case' },
      { target: 'winner', kind: 'drop' },
      { target: 'winner', kind: 'accountAbnormal', unknown: 1 },
    ]) {
      const r = await post(bad);
      assert.equal(r.status, 400, JSON.stringify(bad));
    }
    assert.throws(() => s.injectFault({ target: 'winner', kind: 'accountAbnormal', stage: 'later' as never }), /stage/);
    assert.equal((await fetch(`${s.url}/sandbox/faults/${fault.id}`, { method: 'DELETE' })).status, 200);
    assert.equal(s.faults().length, 0);

    // a fault injected over HTTP works like one injected in process
    const id = 'AF7';
    const publisher = await paidTask(id, 2_000, T0 + DAY);
    assert.equal((await post({ target: 'winner', kind: 'accountAbnormal', outerTransferNo: `${id}T1` })).status, 201);
    const r = await fetch(`${s.url}/sandbox/confirm`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ request: confirmUrl(id, publisher, [[`${id}T1`, 2_000, A]]) }),
    });
    assert.equal(r.status, 200);
    const result = (await r.json()) as { event: TaskConfirmEvent };
    assert.deepEqual(
      result.event.transfers.map((t) => [t.status, t.errorCode]),
      [['F', 'ACCOUNT_NOT_EXIST']],
    );
    const transfers = (await (await fetch(`${s.url}/sandbox/transfers?outerTaskId=${id}`)).json()) as {
      transfers: Array<{ status: string; errorCode: string }>;
    };
    assert.deepEqual(
      transfers.transfers.map((t) => [t.status, t.errorCode]),
      [['F', 'ACCOUNT_NOT_EXIST']],
    );
    await flush();
    assertLedger(s, id, {
      frozen: 2_000,
      committed: 0,
      platform,
      fees,
      publisher: 0,
      winners: { [A]: 0 },
      external: -external,
    });
  });

  test('a restart loads the F transfers and the conserved ledger back', async () => {
    const before = { transfers: s.transfers(), ledger: s.ledger() };
    await s.stop();
    s = (await startTestSandbox({ dataDir, clock, feeRates: RATES })).sandbox;
    assert.deepEqual(s.transfers(), before.transfers);
    assert.deepEqual(s.ledger(), before.ledger);
    const failed = s.transfers().filter((t) => t.status === 'F');
    assert.equal(failed.length, 9, 'AF1-AF4 and AF7 one each, AF5 and AF6 two each');
    assert.ok(
      failed.every((t) => typeof t.errorCode === 'string' && t.errorCode.length > 0 && t.failedAt !== undefined),
    );
    assert.deepEqual(s.ledger().violations, []);
  });
});
