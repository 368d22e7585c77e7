/**
 * Many task lifecycles played side by side on the in-process stack (test/support/stack.ts: time-skipping Temporal,
 * the sandbox, the webhook, a real worker), in lock step, with time compressed by skipping: every task does a stage
 * (pay, select winners, cancel one, leftover, ...), then server time jumps to the next stage. The scenarios inject
 * their faults between the stages. Kinds (as cli/demo/plays.ts, on the skipped clock):
 *   announce   paid; two winners with an announcement period; one cancelled during it; payout after it; after
 *              expiry the leftover split into refund, platform share and a late winner → settled;
 *   immediate  paid; one winner paid at once; the rest refunded after expiry → settled;
 *   append     paid; an amount.append (more bounty); one winner paid at once; the rest refunded → settled;
 *   unpaid     the cashier opened and never paid: trade.query / trade.cancel at the payment deadline → cancelled.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@temporalio/client';
import { WitkeyTasks } from '../client/tasks';
import type { PlayedTask } from './checks';
import type { TestStack } from '../test/support/stack';
import { taskWorkflowId, type TaskView } from '../workflows/messages';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
/** The resend window startTestStack gives the workflow (settings.resendWindowMs). */
const RESEND_WINDOW_MS = DAY;

export type LifeKind = 'announce' | 'immediate' | 'append' | 'unpaid';
const KIND_CYCLE: readonly LifeKind[] = ['announce', 'immediate', 'unpaid', 'announce', 'append'];

export interface Life extends PlayedTask {
  kind: LifeKind;
  index: number;
  /** Announcement end, days after the start (announce only). */
  announceDay: number;
  transferNos: string[];
}

/** The compressed calendar, days after the start (payment deadline: the stack's 2 h). */
export const CALENDAR = { announceDay: 2, expiryDay: 6, closeAfterDays: 2 } as const;

const PUBLISHER = '2088100000000077';
/** A winner's 2088 id, distinct per task and seat. */
export function winnerId(index: number, seat: number): string {
  return `20884${String(index).padStart(9, '0')}${String(seat).padStart(2, '0')}`;
}

export function planLives(prefix: string, count: number): Life[] {
  return Array.from({ length: count }, (_, i) => {
    const kind = KIND_CYCLE[i % KIND_CYCLE.length];
    return {
      id: `${prefix}-${String(i).padStart(3, '0')}-${kind}`,
      kind,
      index: i,
      expected: kind === 'unpaid' ? 'cancelled' : 'settled',
      announceDay: CALENDAR.announceDay,
      transferNos: [],
    };
  });
}

export interface Driver {
  stack: TestStack;
  /**
   * A client of the stack's server without the time-skipping interceptor, and the tasks API on it: the stack's own
   * client unlocks time skipping while it waits for a workflow's result (a closed task's status), and the server
   * then races running tasks years ahead. Only `pass` moves server time here.
   */
  client: Client;
  tasks: WitkeyTasks;
  say: (line: string) => void;
  /** Server time at the start (day 0). */
  t0: number;
  /** Errors of the stages (a page or request that never went through), one line each. */
  problems: string[];
}

export async function newDriver(stack: TestStack, say: (line: string) => void): Promise<Driver> {
  const client = new Client({ connection: stack.server.env.connection, namespace: stack.server.namespace });
  const tasks = new WitkeyTasks(client, {
    taskQueue: stack.taskQueue,
    feeRates: stack.sandbox.config.feeRates,
    auditDir: stack.auditDir,
    settings: { resendWindowMs: RESEND_WINDOW_MS },
  });
  return { stack, client, tasks, say, t0: await stack.now(), problems: [] };
}

/** Runs `step` for every life, `width` at a time, while server time creeps on (activity retries need it). */
export async function eachLife(
  d: Driver,
  lives: Life[],
  what: string,
  step: (life: Life) => Promise<void>,
  width = 6,
): Promise<void> {
  let next = 0;
  let done = false;
  const runner = async (): Promise<void> => {
    while (next < lives.length) {
      const life = lives[next++];
      await step(life).catch((err: Error) => {
        d.problems.push(`${life.id}: ${what}: ${err.message}`);
      });
    }
  };
  const clock = (async () => {
    while (!done) {
      await sleep(250);
      if (!done) await d.stack.server.env.sleep(2_000);
    }
  })();
  try {
    await Promise.all(Array.from({ length: Math.min(width, lives.length) }, runner));
  } finally {
    done = true;
    await clock;
  }
}

/** Skip server time to `day` days after the start (a no-op when it is already later), delivering notifications. */
export async function passTo(d: Driver, day: number): Promise<void> {
  const ms = d.t0 + day * DAY - (await d.stack.now());
  if (ms > 0) await d.stack.pass(ms);
}

/** Lets retries and resends run: `minutes` of server time in steps. */
export async function settle(d: Driver, minutes = 30): Promise<void> {
  for (let m = 0; m < minutes; m += 10) await d.stack.pass(10 * 60_000);
}

/**
 * A page the browser completes (cashier, confirmation, admin form), repeated as a person would while the gateway
 * fails (HTTP 5xx, SYSTEM_ERROR, no answer): the sandbox answers a page done once with the same outcome.
 */
export async function completePage(complete: () => Promise<{ dropped: boolean }>, attempts = 8): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      const r = await complete();
      if (!r.dropped) return;
    } catch (err) {
      if (i >= attempts) throw err;
    }
    if (i >= attempts) throw new Error(`no answer after ${attempts} attempts`);
    await sleep(50);
  }
}

/** An update that may be refused while an activity retries: repeated a few times. */
async function repeated<T>(call: () => Promise<T>, attempts = 4): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await call();
    } catch (err) {
      if (i >= attempts) throw err;
      await sleep(300);
    }
  }
}

export async function publishAll(d: Driver, lives: Life[]): Promise<void> {
  await eachLife(d, lives, 'publish', async (life) => {
    const bountyFen = life.kind === 'announce' ? 20_000 + life.index * 10 : 8_000 + life.index;
    const published = await d.tasks.publish({
      outerTaskId: life.id,
      title: `chaos ${life.kind} ${life.index}`,
      taskType: 'DESIGN',
      publisherId: `pub-${life.index}`,
      publisherAlipayUserId: PUBLISHER,
      bountyFen,
      valueAddedFeeFen: life.kind === 'announce' ? 500 : 0,
      expiresAtMs: d.t0 + CALENDAR.expiryDay * DAY,
    });
    if (life.kind === 'unpaid') {
      await completePage(async () => {
        await d.stack.sandbox.openPage(published.cashierUrl);
        return { dropped: false };
      });
      return;
    }
    await completePage(() => d.stack.sandbox.pay(published.cashierUrl, { payerUserId: PUBLISHER, followReturn: true }));
  });
}

/** The append kind: 3 000 more bounty through amount.append. */
export async function appendAll(d: Driver, lives: Life[]): Promise<void> {
  await eachLife(
    d,
    lives.filter((l) => l.kind === 'append'),
    'amount.append',
    async (life) => {
      const view = await d.tasks.status(life.id);
      const ext = await repeated(() =>
        d.tasks.extend(
          life.id,
          { addBountyFen: 3_000, addValueAddedFeeFen: 0, newExpiresAtMs: view.spec.expiresAtMs },
          `append-${life.id}`,
        ),
      );
      await completePage(() => d.stack.sandbox.pay(ext.appendUrl, { payerUserId: PUBLISHER, followReturn: true }));
    },
  );
}

export async function selectAll(d: Driver, lives: Life[]): Promise<void> {
  await eachLife(
    d,
    lives.filter((l) => l.kind !== 'unpaid'),
    'select winners',
    async (life) => {
      const announce = life.kind === 'announce';
      const winners = announce
        ? [
            { alipayUserId: winnerId(life.index, 1), nickname: 'A', amountFen: 6_000 },
            { alipayUserId: winnerId(life.index, 2), nickname: 'B', amountFen: 3_000 },
          ]
        : [{ alipayUserId: winnerId(life.index, 1), nickname: 'Q', amountFen: 5_000 }];
      const r = await repeated(() =>
        d.tasks.selectWinners(
          life.id,
          { winners, ...(announce ? { announceEndMs: d.t0 + life.announceDay * DAY } : {}) },
          `round-${life.id}`,
        ),
      );
      life.transferNos = r.transferNos;
      await completePage(() => d.stack.sandbox.confirm(r.confirmUrl, { followReturn: true }));
    },
  );
}

/** The announce kind: the second winner cancelled during the announcement (refused when it already failed). */
export async function cancelAll(d: Driver, lives: Life[]): Promise<void> {
  await eachLife(
    d,
    lives.filter((l) => l.kind === 'announce'),
    'cancel a winner',
    async (life) => {
      const no = life.transferNos[1];
      const t = (await d.tasks.status(life.id)).transfers.find((x) => x.transferNo === no);
      if (!no || t?.status !== 'waiting') return; // an abnormal account failed at task.confirm: nothing to cancel
      await d.tasks.cancelWinners(life.id, [no]);
    },
  );
}

/**
 * After expiry: announce → refund + platform share + a late winner; the others → all refunded. A plan whose late
 * winner failed (an abnormal account) leaves money frozen: the next round refunds it, once its failure is known.
 */
export async function leftoverAll(d: Driver, lives: Life[]): Promise<void> {
  for (let plan = 1; plan <= 3; plan++) {
    await eachLife(
      d,
      lives.filter((l) => l.kind !== 'unpaid'),
      'leftover',
      async (life) => {
        const view = await d.tasks.status(life.id);
        if (view.phase !== 'expired' || view.availableFen === 0) return;
        if (view.leftovers.some((p) => p.status === 'planned')) return;
        const left = view.availableFen;
        const split = plan === 1 && life.kind === 'announce' && left >= 3_000;
        const input = split
          ? {
              refundFen: left - 2_000,
              platformFen: 1_000,
              winners: [{ alipayUserId: winnerId(life.index, 3), nickname: 'Late', amountFen: 1_000 }],
            }
          : { refundFen: left, platformFen: 0, winners: [] };
        const p = await repeated(() => d.tasks.planLeftover(life.id, input, `leftover-${plan}-${life.id}`));
        await completePage(() => d.stack.sandbox.confirmLeftover(p.adminPage.fields, { followReturn: true }));
      },
    );
    await settle(d);
  }
}

/** Waits (skipping server time) until every life is closed or needs an operator; at most `maxDays`. */
export async function untilClosed(d: Driver, lives: Life[], maxDays = 4): Promise<void> {
  for (let h = 0; h < maxDays * 24; h += 6) {
    const open = await openLives(d, lives);
    if (open.length === 0) return;
    await d.stack.pass(6 * HOUR);
  }
}

/** The lives whose workflow is still running and that do not need attention. */
export async function openLives(d: Driver, lives: Life[]): Promise<Life[]> {
  const open: Life[] = [];
  for (const life of lives) {
    const desc = await d.client.workflow.getHandle(taskWorkflowId(life.id)).describe();
    if (desc.status.name !== 'RUNNING') continue;
    const view = await d.tasks.status(life.id);
    if (!view.needsAttention) open.push(life);
  }
  return open;
}

export function isClosedView(v: TaskView): boolean {
  return v.phase === 'settled' || v.phase === 'cancelled';
}
