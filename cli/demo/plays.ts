/**
 * The three kinds of task the demo plays, each from publication to its final phase against the sandbox, with time
 * compressed (seconds instead of days):
 *   A  paid through the cashier; winners in two rounds with an announcement period; one winner cancelled during
 *      it; payouts with commission and fees; after expiry the leftover split into refund, platform share and
 *      another winner → settled;
 *   B  a winner paid immediately (no announcement), the rest refunded after expiry → settled;
 *   C  a payment that never completes, closed through the OpenAPI path (trade.query, trade.cancel) → cancelled.
 * `witkey up` and `witkey demo` play one of each; `witkey cluster --check` plays a batch of them.
 */
import { formatYuan } from '../../alipay/core/money';
import { TaskClosedError, TaskRequestError, type WitkeyTasks } from '../../client/tasks';
import type { Sandbox } from '../../sandbox';
import type { TaskView } from '../../workflows/messages';
import type { SandboxTasks } from './sandbox-ledger';

/** What the plays need of the sandbox: the in-process Sandbox, or an adapter over its HTTP control API. */
export type DemoSandbox = Pick<Sandbox, 'pay' | 'confirm' | 'confirmLeftover' | 'openPage'> & SandboxTasks;

/** The compressed clock (real Alipay: hours and days). */
export interface DemoTimes {
  announcementMs: number;
  expiryMs: number;
  paymentTimeoutMs: number;
  resendWindowMs: number;
  /** The sandbox's resend schedule 2m, 10m, ... 15h divided by this. */
  sandboxTimeFactor: number;
}

export const DEMO_TIMES: DemoTimes = {
  announcementMs: 15_000,
  expiryMs: 45_000,
  paymentTimeoutMs: 12_000,
  resendWindowMs: 8_000,
  sandboxTimeFactor: 720,
};

export type TaskKind = 'A' | 'B' | 'C';
export const TASK_KINDS: readonly TaskKind[] = ['A', 'B', 'C'];
/** Where each kind of task must end. */
export const FINAL_PHASE: Record<TaskKind, 'settled' | 'cancelled'> = { A: 'settled', B: 'settled', C: 'cancelled' };

export interface PlayContext {
  tasks: WitkeyTasks;
  sandbox: DemoSandbox;
  times: DemoTimes;
  say: (line: string) => void;
  /** How often a play asks for its task's state while it waits (default 250 ms; a big batch asks less often). */
  pollMs?: number;
}

const PUBLISHER = '2088102000000001';
const WINNER = (n: number): string => `20882030000000${String(n).padStart(2, '0')}`;
const yuan = (fen: number): string => `¥${formatYuan(fen)}`;

/** Polls the task until `pred` holds; fails on an attention flag or after `timeoutMs`. */
export async function waitForTask(
  ctx: PlayContext,
  id: string,
  what: string,
  pred: (v: TaskView) => boolean,
  timeoutMs = 120_000,
): Promise<TaskView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await statusOrUndefined(ctx, id, deadline);
    if (v === undefined) continue; // Temporal briefly unreachable (a node restarting): ask again
    if (pred(v)) return v;
    if (v.needsAttention)
      throw new Error(`${id} needs attention: ${v.attention.map((a) => `${a.code} ${a.message}`).join('; ')}`);
    if (Date.now() > deadline)
      throw new Error(`${id}: timed out waiting for ${what} (phase ${v.phase}; ${v.pendingActions.join('; ')})`);
    await new Promise((r) => setTimeout(r, ctx.pollMs ?? 250));
  }
}

async function statusOrUndefined(ctx: PlayContext, id: string, deadline: number): Promise<TaskView | undefined> {
  try {
    return await ctx.tasks.status(id);
  } catch (err) {
    if (Date.now() > deadline) throw err;
    await new Promise((r) => setTimeout(r, 1_000));
    return undefined;
  }
}

/**
 * A call that must get through a restart (a Temporal node, the sandbox): retried while it fails for want of a
 * connection; a refusal (TaskRequestError, TaskClosedError, an HTTP answer of the sandbox) is thrown at once. The
 * updates that create something carry a request id (`requestIdOf`), so a retry after a lost answer returns the
 * first call's result instead of doing it twice.
 */
async function steady<T>(fn: () => Promise<T>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (!isTransient(err) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
}

function isTransient(err: unknown): boolean {
  if (err instanceof TaskRequestError || err instanceof TaskClosedError) return false;
  const message = (err as Error).message ?? '';
  if (/^sandbox \/.*: HTTP [1-4]\d\d/.test(message)) return false; // the sandbox answered: a refusal
  return true; // gRPC UNAVAILABLE / DEADLINE_EXCEEDED, fetch failed, connection reset, HTTP 5xx of a restarting piece
}

const requestIdOf = (id: string, step: string): string => `${id}:${step}`;

/**
 * A page step at the sandbox (pay, confirm): retried through a restart; a refusal on a retry means the first try
 * went through before its answer was lost, so the play goes on and the task's state decides.
 */
async function pageStep(fn: () => Promise<unknown>): Promise<void> {
  let tries = 0;
  await steady(async () => {
    tries += 1;
    try {
      await fn();
    } catch (err) {
      if (tries > 1 && !isTransient(err)) return;
      throw err;
    }
  });
}

/** The task has reached the end of its kind: settled, or cancelled with nothing pending. */
export function isFinal(v: TaskView): boolean {
  return v.phase === 'settled' || (v.phase === 'cancelled' && v.pendingActions.length === 0);
}

export function playTask(ctx: PlayContext, kind: TaskKind, id: string): Promise<void> {
  return { A: playA, B: playB, C: playC }[kind](ctx, id);
}

async function publishAndPay(
  ctx: PlayContext,
  id: string,
  title: string,
  bountyFen: number,
  valueAddedFeeFen: number,
): Promise<void> {
  const expiresAtMs = Date.now() + ctx.times.expiryMs; // the same on a retry: a different one is refused
  const published = await steady(() =>
    ctx.tasks.publish({
      outerTaskId: id,
      title,
      taskType: 'DESIGN',
      publisherId: 'demo-publisher',
      publisherName: '小猪',
      publisherAlipayUserId: PUBLISHER,
      bountyFen,
      valueAddedFeeFen,
      expiresAtMs,
    }),
  );
  ctx.say(
    `${id}: published "${title}", bounty ${yuan(bountyFen)}${valueAddedFeeFen ? ` + value-added fee ${yuan(valueAddedFeeFen)}` : ''}; cashier ${published.cashierUrl.slice(0, 60)}...`,
  );
  await pageStep(() => ctx.sandbox.pay(published.cashierUrl, { payerUserId: PUBLISHER, followReturn: true }));
  await waitForTask(ctx, id, 'the freeze', (v) => v.phase === 'open');
  ctx.say(`${id}: paid at the cashier: bounty frozen (task_freeze), phase open`);
}

async function playA(ctx: PlayContext, id: string): Promise<void> {
  await publishAndPay(ctx, id, 'Logo design / 标志设计', 80_000, 3_000);
  const round1 = {
    winners: [
      { alipayUserId: WINNER(1), nickname: '天之蓝', amountFen: 30_000 },
      { alipayUserId: WINNER(2), nickname: 'Tom', amountFen: 15_000 },
    ],
    announceEndMs: Date.now() + ctx.times.announcementMs,
  };
  const r1 = await steady(() => ctx.tasks.selectWinners(id, round1, requestIdOf(id, 'round-1')));
  await pageStep(() => ctx.sandbox.confirm(r1.confirmUrl, { followReturn: true }));
  await waitForTask(ctx, id, 'round 1 confirmed', (v) =>
    r1.transferNos.every((no) => v.transfers.find((t) => t.transferNo === no)?.status === 'waiting'),
  );
  ctx.say(`${id}: round 1: winners ${r1.transferNos.join(', ')} confirmed by the publisher, announcement running`);
  const round2 = {
    winners: [{ alipayUserId: WINNER(3), nickname: '红彤彤', amountFen: 20_000 }],
    announceEndMs: Date.now() + ctx.times.announcementMs,
  };
  const r2 = await steady(() => ctx.tasks.selectWinners(id, round2, requestIdOf(id, 'round-2')));
  await pageStep(() => ctx.sandbox.confirm(r2.confirmUrl, { followReturn: true }));
  await waitForTask(
    ctx,
    id,
    'round 2 confirmed',
    (v) => v.transfers.find((t) => t.transferNo === r2.transferNos[0])?.status === 'waiting',
  );
  ctx.say(`${id}: round 2: winner ${r2.transferNos[0]} confirmed`);
  await cancelSecondWinner(ctx, id, r1.transferNos[1]);
  await waitForTask(
    ctx,
    id,
    'payouts',
    (v) => v.transfers.filter((t) => t.status !== 'cancelled').every((t) => t.status === 'paid' && t.commissionSettled),
    ctx.times.announcementMs + 120_000, // the announcement of round 2 runs first
  );
  ctx.say(`${id}: announcement over: paid out by confirm.by.platform; winners and commission arrived`);
  await handleLeftoverA(ctx, id);
}

/**
 * The operator cancels a winner during the announcement. On a slow day the announcement may already be over: the
 * workflow refuses (WITKEY_NOT_ALLOW), the winner is paid, and the play goes on as an operator would.
 */
async function cancelSecondWinner(ctx: PlayContext, id: string, transferNo: string): Promise<void> {
  try {
    const cancel = await steady(() => ctx.tasks.cancelWinners(id, [transferNo]));
    ctx.say(`${id}: cancelled winner ${cancel.cancelled.join(', ')} during the announcement: ${yuan(15_000)} back`);
  } catch (err) {
    if (!(err instanceof TaskRequestError)) throw err;
    const transfer = (await steady(() => ctx.tasks.status(id))).transfers.find((t) => t.transferNo === transferNo);
    if (transfer?.status === 'cancelled') return; // a retry of a cancellation whose answer was lost
    if (err.code !== 'WITKEY_NOT_ALLOW' || transfer?.status === 'waiting') throw err;
    ctx.say(`${id}: too late to cancel ${transferNo} (${err.message}); the winner is paid instead`);
  }
}

async function handleLeftoverA(ctx: PlayContext, id: string): Promise<void> {
  const expired = await waitForTask(ctx, id, 'expiry', (v) => v.phase === 'expired', ctx.times.expiryMs + 60_000);
  const left = expired.availableFen;
  const threeWays = left >= 20_000; // not when the cancellation came too late and the winner was paid
  const leftover = threeWays
    ? {
        refundFen: left - 20_000,
        platformFen: 5_000,
        winners: [{ alipayUserId: WINNER(4), nickname: 'Late Ann', amountFen: 15_000 }],
      }
    : { refundFen: left, platformFen: 0, winners: [] };
  const plan = await steady(() => ctx.tasks.planLeftover(id, leftover, requestIdOf(id, 'leftover')));
  ctx.say(
    threeWays
      ? `${id}: expired with ${yuan(left)} left: refund ${yuan(left - 20_000)}, platform share ${yuan(5_000)}, another winner ${yuan(15_000)} (left.amount.handle page for the admin)`
      : `${id}: expired with ${yuan(left)} left: all refunded (left.amount.handle page for the admin)`,
  );
  await pageStep(() => ctx.sandbox.confirmLeftover(plan.adminPage.fields, { followReturn: true }));
  await waitForTask(ctx, id, 'leftover done', (v) => v.phase === 'closing' || v.phase === 'settled');
  ctx.say(`${id}: leftover handled: every fen moved`);
}

async function playB(ctx: PlayContext, id: string): Promise<void> {
  await publishAndPay(ctx, id, 'Translation / 翻译', 12_000, 0);
  const r = await steady(() =>
    ctx.tasks.selectWinners(
      id,
      { winners: [{ alipayUserId: WINNER(5), nickname: 'Quick', amountFen: 10_000 }] },
      requestIdOf(id, 'winner'),
    ),
  );
  await pageStep(() => ctx.sandbox.confirm(r.confirmUrl, { followReturn: true }));
  await waitForTask(ctx, id, 'immediate payment', (v) =>
    v.transfers.every((t) => t.status === 'paid' && t.commissionSettled),
  );
  ctx.say(`${id}: winner ${r.transferNos[0]} paid immediately (no announcement period, transfer_status I)`);
  const expired = await waitForTask(ctx, id, 'expiry', (v) => v.phase === 'expired', ctx.times.expiryMs + 60_000);
  const refund = { refundFen: expired.availableFen, platformFen: 0, winners: [] };
  const plan = await steady(() => ctx.tasks.planLeftover(id, refund, requestIdOf(id, 'leftover')));
  await pageStep(() => ctx.sandbox.confirmLeftover(plan.adminPage.fields, { followReturn: true }));
  await waitForTask(ctx, id, 'refund', (v) => v.phase === 'closing' || v.phase === 'settled');
  ctx.say(`${id}: expired: ${yuan(expired.availableFen)} refunded to the publisher`);
}

async function playC(ctx: PlayContext, id: string): Promise<void> {
  const expiresAtMs = Date.now() + ctx.times.expiryMs;
  const published = await steady(() =>
    ctx.tasks.publish({
      outerTaskId: id,
      title: 'Never paid / 未支付',
      taskType: 'DESIGN',
      publisherId: 'demo-publisher',
      publisherAlipayUserId: PUBLISHER,
      bountyFen: 5_000,
      valueAddedFeeFen: 0,
      expiresAtMs,
    }),
  );
  await pageStep(() => ctx.sandbox.openPage(published.cashierUrl));
  ctx.say(`${id}: published; the publisher opened the cashier and walked away`);
  await waitForTask(ctx, id, 'cancellation', (v) => v.phase === 'cancelled', ctx.times.paymentTimeoutMs + 60_000);
  ctx.say(`${id}: payment deadline passed: trade.query found it unpaid, trade.cancel closed it; nothing charged`);
}
