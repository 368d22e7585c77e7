/**
 * The main job's scenario, end to end against the sandbox, with time compressed (seconds instead of days):
 *   A  paid through the cashier; winners in two rounds with an announcement period; one winner cancelled during
 *      it; payouts with commission and fees; after expiry the leftover split into refund, platform share and
 *      another winner;
 *   B  a winner paid immediately (no announcement), the rest refunded after expiry;
 *   C  a payment that never completes, closed through the OpenAPI path (trade.query, trade.cancel).
 * Task ids carry a per-run prefix, so a second run on the same data works.
 */
import { formatYuan } from '../../alipay/core/money';
import type { Sandbox } from '../../sandbox';
import type { WitkeyTasks } from '../../client/tasks';
import type { TaskView } from '../../workflows/messages';
import { ledgerTable, type LedgerRow } from './table';
import { sandboxLedger, type SandboxTasks } from './sandbox-ledger';

/** What the scenario needs of the sandbox: the in-process Sandbox, or an adapter over its HTTP control API (witkey demo). */
export type DemoSandbox = Pick<Sandbox, 'pay' | 'confirm' | 'confirmLeftover' | 'openPage'> & SandboxTasks;

/** The compressed clock of the demo (real Alipay: hours and days). */
export const DEMO_TIMES = {
  announcementMs: 15_000,
  expiryMs: 45_000,
  paymentTimeoutMs: 12_000,
  resendWindowMs: 8_000,
  /** The sandbox's resend schedule 2m, 10m, ... 15h divided by this. */
  sandboxTimeFactor: 720,
} as const;

const PUBLISHER = '2088102000000001';
const WINNER = (n: number): string => `20882030000000${String(n).padStart(2, '0')}`;

export interface DemoResult {
  rows: LedgerRow[];
  allEqual: boolean;
  table: string;
}

export async function runScenario(
  tasks: WitkeyTasks,
  sandbox: DemoSandbox,
  say: (line: string) => void,
): Promise<DemoResult> {
  const prefix = runPrefix(new Date());
  say(
    `scenario: time is compressed: announcement ${DEMO_TIMES.announcementMs / 1000} s (days in reality), tasks expire after ${DEMO_TIMES.expiryMs / 1000} s, payment deadline ${DEMO_TIMES.paymentTimeoutMs / 1000} s (2 h), notification resend window ${DEMO_TIMES.resendWindowMs / 1000} s (24h22m), resends ${DEMO_TIMES.sandboxTimeFactor}x faster`,
  );
  const ids = { a: `${prefix}-A`, b: `${prefix}-B`, c: `${prefix}-C` };

  const until = async (
    id: string,
    what: string,
    pred: (v: TaskView) => boolean,
    timeoutMs = 120_000,
  ): Promise<TaskView> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await tasks.status(id);
      if (pred(v)) return v;
      if (v.needsAttention)
        throw new Error(`${id} needs attention: ${v.attention.map((a) => `${a.code} ${a.message}`).join('; ')}`);
      if (Date.now() > deadline)
        throw new Error(`${id}: timed out waiting for ${what} (phase ${v.phase}; ${v.pendingActions.join('; ')})`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const log = (id: string, line: string): void => say(`${id}: ${line}`);
  const yuan = (fen: number): string => `¥${formatYuan(fen)}`;

  const publishAndPay = async (
    id: string,
    title: string,
    bountyFen: number,
    valueAddedFeeFen: number,
  ): Promise<void> => {
    const published = await tasks.publish({
      outerTaskId: id,
      title,
      taskType: 'DESIGN',
      publisherId: 'demo-publisher',
      publisherName: '小猪',
      publisherAlipayUserId: PUBLISHER,
      bountyFen,
      valueAddedFeeFen,
      expiresAtMs: Date.now() + DEMO_TIMES.expiryMs,
    });
    log(
      id,
      `published "${title}", bounty ${yuan(bountyFen)}${valueAddedFeeFen ? ` + value-added fee ${yuan(valueAddedFeeFen)}` : ''}; cashier ${published.cashierUrl.slice(0, 60)}...`,
    );
    await sandbox.pay(published.cashierUrl, { payerUserId: PUBLISHER, followReturn: true });
    await until(id, 'the freeze', (v) => v.phase === 'open');
    log(id, 'paid at the cashier: bounty frozen (task_freeze), phase open');
  };

  const taskA = async (): Promise<void> => {
    const id = ids.a;
    await publishAndPay(id, 'Logo design / 标志设计', 80_000, 3_000);
    const r1 = await tasks.selectWinners(id, {
      winners: [
        { alipayUserId: WINNER(1), nickname: '天之蓝', amountFen: 30_000 },
        { alipayUserId: WINNER(2), nickname: 'Tom', amountFen: 15_000 },
      ],
      announceEndMs: Date.now() + DEMO_TIMES.announcementMs,
    });
    await sandbox.confirm(r1.confirmUrl, { followReturn: true });
    await until(id, 'round 1 confirmed', (v) =>
      r1.transferNos.every((no) => v.transfers.find((t) => t.transferNo === no)?.status === 'waiting'),
    );
    log(id, `round 1: winners ${r1.transferNos.join(', ')} confirmed by the publisher, announcement period running`);
    const r2 = await tasks.selectWinners(id, {
      winners: [{ alipayUserId: WINNER(3), nickname: '红彤彤', amountFen: 20_000 }],
      announceEndMs: Date.now() + DEMO_TIMES.announcementMs,
    });
    await sandbox.confirm(r2.confirmUrl, { followReturn: true });
    await until(
      id,
      'round 2 confirmed',
      (v) => v.transfers.find((t) => t.transferNo === r2.transferNos[0])?.status === 'waiting',
    );
    log(id, `round 2: winner ${r2.transferNos[0]} confirmed`);
    const cancel = await tasks.cancelWinners(id, [r1.transferNos[1]]);
    log(
      id,
      `cancelled winner ${cancel.cancelled.join(', ')} during the announcement: ${yuan(15_000)} back to the frozen bounty`,
    );
    await until(id, 'payouts', (v) =>
      v.transfers.filter((t) => t.status !== 'cancelled').every((t) => t.status === 'paid' && t.commissionSettled),
    );
    log(
      id,
      'announcement over: paid out by confirm.by.platform; winners and commission arrived (assign / platform profit notifications)',
    );
    const expired = await until(id, 'expiry', (v) => v.phase === 'expired', DEMO_TIMES.expiryMs + 60_000);
    const left = expired.availableFen;
    const plan = await tasks.planLeftover(id, {
      refundFen: left - 20_000,
      platformFen: 5_000,
      winners: [{ alipayUserId: WINNER(4), nickname: 'Late Ann', amountFen: 15_000 }],
    });
    log(
      id,
      `expired with ${yuan(left)} left: refund ${yuan(left - 20_000)}, platform share ${yuan(5_000)}, another winner ${yuan(15_000)} (left.amount.handle page for the admin)`,
    );
    await sandbox.confirmLeftover(plan.adminPage.fields, { followReturn: true });
    await until(id, 'leftover done', (v) => v.phase === 'closing' || v.phase === 'settled');
    log(id, 'leftover handled: every fen moved');
  };

  const taskB = async (): Promise<void> => {
    const id = ids.b;
    await publishAndPay(id, 'Translation / 翻译', 12_000, 0);
    const r = await tasks.selectWinners(id, {
      winners: [{ alipayUserId: WINNER(5), nickname: 'Quick', amountFen: 10_000 }],
    });
    await sandbox.confirm(r.confirmUrl, { followReturn: true });
    await until(id, 'immediate payment', (v) => v.transfers.every((t) => t.status === 'paid' && t.commissionSettled));
    log(id, `winner ${r.transferNos[0]} paid immediately (no announcement period, transfer_status I)`);
    const expired = await until(id, 'expiry', (v) => v.phase === 'expired', DEMO_TIMES.expiryMs + 60_000);
    const plan = await tasks.planLeftover(id, { refundFen: expired.availableFen, platformFen: 0, winners: [] });
    await sandbox.confirmLeftover(plan.adminPage.fields, { followReturn: true });
    await until(id, 'refund', (v) => v.phase === 'closing' || v.phase === 'settled');
    log(id, `expired: ${yuan(expired.availableFen)} refunded to the publisher`);
  };

  const taskC = async (): Promise<void> => {
    const id = ids.c;
    const published = await tasks.publish({
      outerTaskId: id,
      title: 'Never paid / 未支付',
      taskType: 'DESIGN',
      publisherId: 'demo-publisher',
      publisherAlipayUserId: PUBLISHER,
      bountyFen: 5_000,
      valueAddedFeeFen: 0,
      expiresAtMs: Date.now() + DEMO_TIMES.expiryMs,
    });
    await sandbox.openPage(published.cashierUrl);
    log(id, 'published; the publisher opened the cashier and walked away');
    await until(id, 'cancellation', (v) => v.phase === 'cancelled', DEMO_TIMES.paymentTimeoutMs + 60_000);
    log(
      id,
      'payment deadline passed: trade.query found it unpaid, trade.cancel closed it (action=close); nothing charged',
    );
  };

  await Promise.all([taskA(), taskB(), taskC()]);

  say(`scenario: waiting ${DEMO_TIMES.resendWindowMs / 1000} s of resend window for the tasks to settle`);
  const rows: LedgerRow[] = [];
  for (const id of [ids.a, ids.b, ids.c]) {
    const v = await until(
      id,
      'settlement',
      (x) => x.phase === 'settled' || (x.phase === 'cancelled' && x.pendingActions.length === 0),
      60_000,
    ).catch(() => tasks.status(id));
    rows.push({ task: id, phase: v.phase, workflow: v.ledger, sandbox: await sandboxLedger(sandbox, id) });
  }
  const allEqual = rows.every((r) => r.sandbox && JSON.stringify(r.sandbox) === JSON.stringify(r.workflow));
  return { rows, allEqual, table: ledgerTable(rows) };
}

/** d + yyMMddHHmmss (UTC): short enough that business numbers keep the task id literally. */
export function runPrefix(at: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `d${String(at.getUTCFullYear()).slice(2)}${p(at.getUTCMonth() + 1)}${p(at.getUTCDate())}${p(at.getUTCHours())}${p(at.getUTCMinutes())}${p(at.getUTCSeconds())}`;
}
