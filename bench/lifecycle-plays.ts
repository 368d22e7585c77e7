/**
 * The two sides of `npm run bench -- lifecycle`, one lifecycle each.
 * A: a witkey task: publish, pay at the sandbox's cashier, one winner paid immediately, expiry, the leftover
 *    refunded through the admin page, close after the resend window. The browser follows each return page, so the
 *    task has the event before the next call: no waiting on a poll between steps, except for the expiry.
 * B: the baseline workflow (bench/baseline/) with the counts A's history showed, its updates, signals and queries
 *    sent by the bench client: as many queries as A asked (A counts its polls), so that queries cost alike.
 * The publish-and-pay step is shared with `ingestion` and `open-tasks`.
 */
import { taskWorkflowId } from '../workflows/messages';
import { countsQuery, eventSignal, stepUpdate, type BaselineInput } from './baseline/workflows';
import { BASELINE_TASK_QUEUE, type BenchCluster } from './lib/cluster';

const PUBLISHER = '2088102000000001';
const WINNER = '2088203000000001';

export interface LifecycleTimes {
  expiryMs: number;
  pollMs: number;
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Publishes a task and pays it at the cashier (the return page delivers the freeze before this returns). */
export async function publishAndPay(c: BenchCluster, id: string, expiryMs: number): Promise<number> {
  const expiresAtMs = Date.now() + expiryMs;
  const published = await c.tasks.publish({
    outerTaskId: id,
    title: `bench ${id}`,
    taskType: 'DESIGN',
    publisherId: 'bench',
    publisherAlipayUserId: PUBLISHER,
    bountyFen: 12_000,
    valueAddedFeeFen: 0,
    expiresAtMs,
  });
  await c.sandbox.pay(published.cashierUrl, { payerUserId: PUBLISHER, followReturn: true });
  return expiresAtMs;
}

export async function playTask(c: BenchCluster, id: string, times: LifecycleTimes): Promise<{ queries: number }> {
  const expiresAtMs = await publishAndPay(c, id, times.expiryMs);
  const round = await c.tasks.selectWinners(id, {
    winners: [{ alipayUserId: WINNER, nickname: 'Quick', amountFen: 10_000 }],
  });
  await c.sandbox.confirm(round.confirmUrl, { followReturn: true });
  await delay(Math.max(0, expiresAtMs - Date.now()));
  let queries = 0;
  for (;;) {
    queries += 1;
    const v = await c.tasks.status(id);
    // expired, with the winner and the commission paid: what is left is the leftover to plan
    if (v.phase === 'expired' && v.transfers.every((t) => t.status === 'paid' && t.commissionSettled)) {
      const plan = await c.tasks.planLeftover(id, { refundFen: v.availableFen, platformFen: 0, winners: [] });
      await c.sandbox.confirmLeftover(plan.adminPage.fields, { followReturn: true });
      break;
    }
    await delay(times.pollMs);
  }
  await c.client.workflow.getHandle(taskWorkflowId(id)).result();
  return { queries };
}

export async function playBaseline(
  c: BenchCluster,
  id: string,
  counts: Omit<BaselineInput, 'untilMs'> & { queries: number },
  times: LifecycleTimes,
): Promise<void> {
  const handle = await c.client.workflow.start('baseline', {
    workflowId: id,
    taskQueue: BASELINE_TASK_QUEUE,
    args: [{ ...counts, untilMs: Date.now() + times.expiryMs }],
  });
  for (let i = 0; i < counts.updates; i++) await handle.executeUpdate(stepUpdate, { args: [i] });
  for (let i = 0; i < counts.signals; i++) await handle.signal(eventSignal, { n: i });
  for (let i = 0; i < counts.queries; i++) await handle.query(countsQuery);
  await handle.result();
}
