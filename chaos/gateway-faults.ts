/**
 * Gateway faults: every request fault of the sandbox (outcome unknown after processing, HTTP 5xx, SYSTEM_ERROR,
 * delay, malformed reply) on every service a task calls (the cashier, amount.append, task.confirm, the winner
 * cancellation, the payout, the leftover, trade.query / trade.cancel), the first one or two requests of each task
 * to each service failing; every notification fault (duplicate, reorder, delay, drop, bad signature, GBK) on every
 * task's notifications; abnormal winner accounts at task.confirm, at the payout and in a leftover plan. A group of
 * announcement tasks meets a configuration error at its payout (a wrong partner id: ILLEGAL_PARTNER): they park in
 * needs-attention (PAYOUT_FAILED); after the fix (the right partner id again) `witkey resume
 * --retry` (the operator update) finishes them. Every task must end at its final phase with the books equal.
 */
import { startTestStack } from '../test/support/stack';
import type { RequestFaultSpec } from '../sandbox';
import { REQUEST_FAULT_KINDS, NOTIFICATION_FAULT_KINDS } from '../sandbox/runtime/fault-specs';
import {
  appendAll,
  CALENDAR,
  cancelAll,
  HOUR,
  leftoverAll,
  newDriver,
  passTo,
  planLives,
  publishAll,
  selectAll,
  settle,
  untilClosed,
  winnerId,
  type Driver,
  type Life,
} from './lifecycles';
import { FaultLedger, finalChecks, watchCrashes, webhookInternalErrors } from './observe';
import { emptyRow, type Scenario, type ScenarioOptions, type ScenarioRow } from './row';

const SERVICES: Record<Life['kind'], string[]> = {
  announce: [
    'alipay.witkey.task.create',
    'alipay.witkey.task.confirm',
    'alipay.witkey.task.cancel.confirm.by.platform',
    'alipay.witkey.task.confirm.by.platform',
    'alipay.witkey.task.left.amount.handle',
  ],
  immediate: ['alipay.witkey.task.create', 'alipay.witkey.task.confirm', 'alipay.witkey.task.left.amount.handle'],
  append: [
    'alipay.witkey.task.create',
    'alipay.witkey.task.amount.append',
    'alipay.witkey.task.confirm',
    'alipay.witkey.task.left.amount.handle',
  ],
  unpaid: [], // the cashier is opened, never completed: its faults are on trade.query / trade.cancel
};
const OPENAPI = ['alipay.trade.query', 'alipay.trade.cancel'];
const WRONG_PARTNER = '2088999999999999';
/** How long the activities wait for the gateway here (production: 15 s), so that a slow reply is cheap to play. */
const REQUEST_TIMEOUT_MS = 2_000;

function requestFault(kind: RequestFaultSpec['kind'], n: number): Omit<RequestFaultSpec, 'service' | 'match'> {
  return {
    target: 'request',
    kind,
    times: 1 + (n % 2),
    ...(kind === 'http5xx' ? { status: 500 + (n % 5) } : {}),
    ...(kind === 'delay' ? { delayMs: 200 } : {}),
  };
}

/** The task's request faults on the legacy gateway (by outer_task_id) and its notification faults. */
function faultTask(faults: FaultLedger, life: Life): void {
  // a task whose first winner fails at task.confirm has nothing to pay out (its second winner is cancelled)
  const services = SERVICES[life.kind].filter(
    (s) => !(abnormal(life) && s === 'alipay.witkey.task.confirm.by.platform'),
  );
  services.forEach((service, j) => {
    const kind = REQUEST_FAULT_KINDS[(life.index + j) % REQUEST_FAULT_KINDS.length];
    faults.inject({ ...requestFault(kind, life.index + j), service, match: { outer_task_id: life.id } });
  });
  // a reply slower than the site waits (REQUEST_TIMEOUT_MS): processed after the site gave up, then retried
  const calls = services.filter((x) => /cancel\.confirm|confirm\.by\.platform$/.test(x)); // server to server
  const slow = calls[life.index % 2] ?? calls[0];
  if (slow)
    faults.inject({
      target: 'request',
      kind: 'delay',
      service: slow,
      match: { outer_task_id: life.id },
      delayMs: REQUEST_TIMEOUT_MS + 700,
    });
  const kind = NOTIFICATION_FAULT_KINDS[life.index % NOTIFICATION_FAULT_KINDS.length];
  faults.inject({
    target: 'notification',
    kind,
    outerTaskId: life.id,
    times: 0,
    ...(kind === 'duplicate' ? { count: 3 } : {}),
    ...(kind === 'drop' ? { count: 2 } : {}),
    ...(kind === 'delay' ? { delayMs: 20 * 60_000 } : {}),
  });
  // abnormal accounts: the first winner of some tasks, at the first place its transfer reaches
  if (abnormal(life))
    faults.inject({
      target: 'winner',
      kind: 'accountAbnormal',
      alipayUserId: winnerId(life.index, life.kind === 'announce' && life.index % 8 === 1 ? 3 : 1),
    });
  // and an announcement winner whose account turns abnormal before the payout (assign_transfer F)
  if (life.kind === 'announce' && life.index % 4 === 3)
    faults.inject({
      target: 'winner',
      kind: 'accountAbnormal',
      stage: 'payment',
      alipayUserId: winnerId(life.index, 1),
      errorCode: 'ACCOUNT_FROZEN',
    });
}

function abnormal(life: Life): boolean {
  return life.kind !== 'unpaid' && life.index % 4 === 1;
}

/** The unpaid tasks' freeze trade on the OpenAPI side (by out_trade_no), once the cashier was opened. */
async function faultTrades(d: Driver, faults: FaultLedger, lives: Life[]): Promise<void> {
  for (const life of lives.filter((l) => l.kind === 'unpaid')) {
    const freezeNo = (await d.tasks.status(life.id)).freezeNo;
    OPENAPI.forEach((service, j) => {
      const kind = REQUEST_FAULT_KINDS[(life.index + j + 2) % REQUEST_FAULT_KINDS.length];
      faults.inject({ ...requestFault(kind, life.index + j), service, match: { out_trade_no: freezeNo } });
    });
    faults.inject({
      target: 'request',
      kind: 'delay',
      service: OPENAPI[life.index % 2],
      match: { out_trade_no: freezeNo },
      delayMs: REQUEST_TIMEOUT_MS + 700,
    });
  }
}

/**
 * The configuration error: the worker's partner id wrong, and later right again (the activities read their settings
 * at every call; in production the fix is a restart of the worker with the right setting).
 */
function setPartner(d: Driver, partner: string): void {
  d.stack.gateway.partner = partner;
}

async function configurationError(d: Driver, row: ScenarioRow, group: Life[]): Promise<void> {
  const partner = d.stack.gateway.partner;
  setPartner(d, WRONG_PARTNER);
  await passTo(d, CALENDAR.announceDay + 1 + 2 / 24); // the group's announcement ends: its payout is refused
  await settle(d);
  d.say("gateway faults: the group's payouts were tried");
  for (const life of group) {
    const v = await d.tasks.status(life.id);
    const item = v.attention.find((a) => a.code === 'PAYOUT_FAILED' && !a.resolved);
    if (v.needsAttention && item) row.needsAttention++;
    else
      row.problems.push(
        `${life.id}: expected PAYOUT_FAILED after the configuration error, got ${v.needsAttention ? v.attention.map((a) => a.code).join(', ') : `no attention (phase ${v.phase})`}`,
      );
  }
  d.say(`gateway faults: ${row.needsAttention} task(s) parked by the wrong partner id; fixed, resuming`);
  setPartner(d, partner);
  for (const life of group)
    await d.tasks
      .operator(life.id, { action: 'retry', operator: 'chaos', reason: 'partner id fixed' })
      .catch((err: Error) => row.problems.push(`${life.id}: resume --retry refused: ${err.message}`));
  await settle(d);
}

async function run(opts: ScenarioOptions): Promise<ScenarioRow> {
  const row = emptyRow('gateway faults');
  const crashes = watchCrashes();
  const started = Date.now();
  const stack = await startTestStack({ notifyVerify: true });
  try {
    const d = await newDriver(stack, opts.say);
    const lives = planLives(`gf${Date.now().toString(36)}`, opts.short ? 12 : 60);
    // not the tasks whose first winner's account is abnormal (it fails at task.confirm: nothing left to pay out)
    const group = lives.filter((l) => l.kind === 'announce' && l.index % 3 === 0 && !abnormal(l));
    for (const life of group) life.announceDay = CALENDAR.announceDay + 1;
    row.tasks = lives.length;
    stack.gateway.requestTimeoutMs = REQUEST_TIMEOUT_MS;
    const faults = new FaultLedger(stack);
    for (const life of lives) faultTask(faults, life);
    const stage = async (name: string, step: () => Promise<void>): Promise<void> => {
      await step();
      await settle(d);
      opts.say(`gateway faults: ${name} done (${Math.round((Date.now() - started) / 1000)} s)`);
    };
    await stage('publish and pay', () => publishAll(d, lives));
    await faultTrades(d, faults, lives);
    await stage('amount.append', () => appendAll(d, lives));
    await stage('payment deadline', () => d.stack.pass(2 * HOUR + 5_000));
    await stage('winners', () => selectAll(d, lives));
    await stage('cancellations', () => cancelAll(d, lives));
    await stage('payouts', () => passTo(d, CALENDAR.announceDay + 2 / 24));
    await stage('configuration error', () => configurationError(d, row, group));
    await stage('expiry', () => passTo(d, CALENDAR.expiryDay + 1 / 24));
    await stage('leftover', () => leftoverAll(d, lives));
    await untilClosed(d, lives);
    row.faultsInjected = faults.hits();
    const unmet = stack.sandbox.faults().filter((f) => f.target !== 'notification' && f.used === 0);
    if (unmet.length)
      opts.say(
        `gateway faults: never met: ${unmet.map((f) => `${f.kind} ${'service' in f ? f.service : ''} ${JSON.stringify('match' in f ? f.match : f)}`).join('; ')}`,
      );
    stack.sandbox.clearFaults();
    await finalChecks(d, lives, row);
    row.serverErrors = await webhookInternalErrors(stack);
  } catch (err) {
    row.problems.push(`scenario stopped: ${(err as Error).stack ?? String(err)}`);
  } finally {
    crashes.stop();
    row.crashes += crashes.count();
    await stack.stop();
  }
  return row;
}

export const gatewayFaults: Scenario = { name: 'gateway faults', run };
