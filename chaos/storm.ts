/**
 * Notification storm: every notification of every task arrives many times, out of order and late. The sandbox
 * duplicates each one (up to 7 copies: 8 deliveries), reverses each batch and delays some by a day (the freeze
 * and the confirmation arrive after the next phase began; their return pages already told the task); on top, the
 * scenario keeps every genuine notification it saw and POSTs it again itself, 1 to 8 times, shuffled, after the
 * next phase and again after every task closed. A share of forgeries goes with them: a bad signature, a tampered
 * amount (re-serialised without a new signature), another partner, an unknown sign_type, a genuine body replayed
 * to another task, and a notification signed with Alipay's own key under a notify_id Alipay never issued (the
 * webhook asks notify_verify, which must refuse it). Every task must end exactly where its life says, and no
 * forgery may be answered `success` or change anything.
 */
import { randomBytes } from 'node:crypto';
import { alipaySigner, forgerSigner, post, rawBody, signedBody } from '../test/webhook/helpers';
import { startTestStack, type TestStack } from '../test/support/stack';
import type { NotifyEvent } from '../alipay';
import type { NotificationRecord } from '../sandbox';
import { reflectedNotifyIds } from './checks';
import { seeded } from './monkey';
import {
  appendAll,
  CALENDAR,
  cancelAll,
  DAY,
  HOUR,
  leftoverAll,
  newDriver,
  passTo,
  planLives,
  publishAll,
  selectAll,
  settle,
  untilClosed,
  type Driver,
  type Life,
} from './lifecycles';
import { FaultLedger, finalChecks, watchCrashes, webhookInternalErrors } from './observe';
import { emptyRow, type Scenario, type ScenarioOptions, type ScenarioRow } from './row';
import { inboxItemWorkflowId } from '../workflows/inbox-item';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';

type Genuine = Pick<NotificationRecord, 'notifyId' | 'outerTaskId' | 'event' | 'notifyType'>;
type ForgeryKind =
  | 'bad_signature'
  | 'tampered_amount'
  | 'wrong_partner'
  | 'unknown_sign_type'
  | 'replayed_to_another_task'
  | 'never_issued';
const FORGERIES: readonly ForgeryKind[] = [
  'bad_signature',
  'tampered_amount',
  'wrong_partner',
  'unknown_sign_type',
  'replayed_to_another_task',
  'never_issued',
];

interface Post {
  body: string;
  /** Set for a forgery: what it is and the notify_id it carries when that is its own. */
  forged?: { kind: ForgeryKind; ownNotifyId?: string; outerTaskId: string };
  notifyId: string;
}

class Storm {
  readonly #rnd: () => number;
  readonly #seen = new Map<string, Genuine>();
  /** Seen at the previous stage, held back for after the next one. */
  #held: Genuine[] = [];
  readonly #forgedIds = new Set<string>();
  forgedSent = 0;
  forgedAccepted = 0;
  genuineSent = 0;
  serverErrors = 0;
  readonly problems: string[] = [];
  /** Answers by kind of notification: `genuine 200`, `never_issued 403`, ... */
  readonly answers = new Map<string, number>();

  constructor(
    private readonly stack: TestStack,
    private readonly client: Client,
    seed: number,
  ) {
    this.#rnd = seeded(seed); // the same storm on every run
  }

  #pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.#rnd() * list.length)];
  }

  #shuffle<T>(list: T[]): T[] {
    for (let i = list.length - 1; i > 0; i--) {
      const j = Math.floor(this.#rnd() * (i + 1));
      [list[i], list[j]] = [list[j], list[i]];
    }
    return list;
  }

  /** The sandbox's notifications not seen before: held back for the next stage. */
  collect(): void {
    for (const n of this.stack.sandbox.notifications()) {
      if (this.#seen.has(n.notifyId)) continue;
      const g = { notifyId: n.notifyId, outerTaskId: n.outerTaskId, event: n.event, notifyType: n.notifyType };
      this.#seen.set(n.notifyId, g);
      this.#held.push(g);
    }
  }

  #genuine(g: Genuine): Post {
    return { body: signedBody(g.notifyId, g.event, alipaySigner(this.stack.sandbox)).body, notifyId: g.notifyId };
  }

  #freshId(): string {
    const id = `${randomBytes(16).toString('hex')}${randomBytes(8).toString('hex')}`;
    this.#forgedIds.add(id);
    return id;
  }

  #forgery(kind: ForgeryKind, g: Genuine, lives: Life[]): Post {
    const sandbox = this.stack.sandbox;
    const forged = (body: string, ownNotifyId?: string): Post => ({
      body,
      notifyId: ownNotifyId ?? g.notifyId,
      forged: { kind, outerTaskId: g.outerTaskId, ...(ownNotifyId ? { ownNotifyId } : {}) },
    });
    switch (kind) {
      case 'bad_signature': {
        const id = this.#freshId();
        return forged(signedBody(id, g.event, forgerSigner()).body, id);
      }
      case 'tampered_amount': {
        const { fields } = signedBody(g.notifyId, g.event, alipaySigner(sandbox));
        const tampered = fields.xml.replace(
          />(\d+)\.(\d{2})</,
          (_m, y: string, f: string) => `>${Number(y) + 100}.${f}<`,
        );
        return forged(rawBody({ ...fields, xml: tampered === fields.xml ? `${fields.xml} ` : tampered }));
      }
      case 'wrong_partner': {
        const id = this.#freshId();
        const event = { ...g.event, partner: '2088000000000009' } as NotifyEvent;
        return forged(signedBody(id, event, alipaySigner(sandbox)).body, id);
      }
      case 'unknown_sign_type': {
        const { fields } = signedBody(g.notifyId, g.event, alipaySigner(sandbox));
        return forged(rawBody({ ...fields, sign_type: 'SHA1WITHDSA' }));
      }
      case 'replayed_to_another_task': {
        const other = this.#pick(lives.filter((l) => l.id !== g.outerTaskId));
        const { fields } = signedBody(g.notifyId, g.event, alipaySigner(sandbox));
        return forged(rawBody({ ...fields, xml: fields.xml.split(g.outerTaskId).join(other.id) }));
      }
      case 'never_issued': {
        // signed with Alipay's own key: only notify_verify can tell; aimed at another task so that it would move it
        const other = this.#pick(lives);
        const id = this.#freshId();
        const event = { ...g.event, outerTaskId: other.id } as NotifyEvent;
        return {
          ...forged(signedBody(id, event, alipaySigner(sandbox)).body, id),
          forged: { kind, ownNotifyId: id, outerTaskId: other.id },
        };
      }
    }
  }

  /**
   * The held-back genuine notifications, each 1 to 8 times, and `forgeries` forgeries of each kind, all shuffled
   * and sent 8 at a time; `all` sends every notification seen so far instead of the held-back ones.
   */
  async burst(lives: Life[], opts: { all?: boolean; forgeriesPerKind: number }): Promise<void> {
    const genuine = opts.all ? [...this.#seen.values()] : this.#held;
    this.#held = [];
    const posts: Post[] = [];
    for (const g of genuine) {
      const copies = 1 + Math.floor(this.#rnd() * 8);
      for (let i = 0; i < copies; i++) posts.push(this.#genuine(g));
    }
    const pool = [...this.#seen.values()];
    if (pool.length)
      for (const kind of FORGERIES)
        for (let i = 0; i < opts.forgeriesPerKind; i++) {
          const p = this.#forgery(kind, this.#pick(pool), lives);
          const copies = 1 + Math.floor(this.#rnd() * 3);
          for (let c = 0; c < copies; c++) posts.push(p);
        }
    this.#shuffle(posts);
    let next = 0;
    const url = `${this.stack.webhookUrl}/alipay/notify`;
    const runner = async (): Promise<void> => {
      while (next < posts.length) {
        const p = posts[next++];
        const a = await post(url, p.body).catch((err: Error) => ({ status: 0, text: err.message }));
        if (a.status >= 500) this.serverErrors++;
        const key = `${p.forged?.kind ?? 'genuine'} ${a.status}`;
        this.answers.set(key, (this.answers.get(key) ?? 0) + 1);
        if (p.forged) {
          this.forgedSent++;
          if (a.text === 'success') {
            this.forgedAccepted++;
            this.problems.push(`forged (${p.forged.kind}) about ${p.forged.outerTaskId} answered success`);
          }
        } else {
          this.genuineSent++;
          if (a.text !== 'success')
            this.problems.push(`genuine ${p.notifyId} answered ${a.status} ${a.text.slice(0, 80)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, runner));
  }

  /** Forged notify_ids found in a task or in the operators' inbox: forgeries that got in. */
  async forgedReflected(lives: Life[]): Promise<number> {
    let n = 0;
    for (const life of lives) {
      const ids = await reflectedNotifyIds(this.client, life.id);
      for (const id of ids)
        if (this.#forgedIds.has(id)) {
          n++;
          this.problems.push(`${life.id}: forged notify_id ${id} is in the task`);
        }
    }
    for (const id of this.#forgedIds) {
      const inInbox = await this.client.workflow
        .getHandle(inboxItemWorkflowId(id))
        .describe()
        .then(
          () => true,
          (err: unknown) => {
            if (err instanceof WorkflowNotFoundError) return false;
            throw err;
          },
        );
      if (inInbox) {
        n++;
        this.problems.push(`forged notify_id ${id} is in the operators' inbox`);
      }
    }
    return n;
  }
}

/** The sandbox's own storm: duplicates (up to 8 deliveries), reversed batches, some first attempts a day late. */
function stormFaults(faults: FaultLedger, lives: Life[]): void {
  for (const life of lives) {
    faults.inject({
      target: 'notification',
      kind: 'duplicate',
      outerTaskId: life.id,
      count: 1 + (life.index % 7),
      times: 0,
    });
    faults.inject({ target: 'notification', kind: 'reorder', outerTaskId: life.id, times: 0 });
    if (life.index % 3 === 0)
      faults.inject({
        target: 'notification',
        kind: 'delay',
        outerTaskId: life.id,
        notifyType: 'task_freeze',
        delayMs: DAY,
        times: 0,
      });
    if (life.index % 3 === 1)
      faults.inject({
        target: 'notification',
        kind: 'delay',
        outerTaskId: life.id,
        notifyType: 'task_confirm',
        delayMs: DAY,
        times: 0,
      });
  }
}

async function run(opts: ScenarioOptions): Promise<ScenarioRow> {
  const row = emptyRow('notification storm');
  const crashes = watchCrashes();
  const started = Date.now();
  const stack = await startTestStack({ notifyVerify: true });
  try {
    const d: Driver = await newDriver(stack, opts.say);
    const lives = planLives(`ns${Date.now().toString(36)}`, opts.short ? 12 : 60);
    row.tasks = lives.length;
    const faults = new FaultLedger(stack);
    stormFaults(faults, lives);
    const storm = new Storm(stack, d.client, 14);
    const forgeriesPerKind = opts.short ? 2 : 6;
    const stage = async (name: string, step: () => Promise<void>): Promise<void> => {
      // what the previous stage's notifications said, again, while the next phase begins, and after it
      await Promise.all([step(), storm.burst(lives, { forgeriesPerKind })]);
      await settle(d);
      storm.collect();
      await storm.burst(lives, { forgeriesPerKind });
      await settle(d, 10);
      opts.say(`notification storm: ${name} done (${Math.round((Date.now() - started) / 1000)} s)`);
    };
    await stage('publish and pay', () => publishAll(d, lives));
    await stage('amount.append', () => appendAll(d, lives));
    await stage('payment deadline', () => d.stack.pass(2 * HOUR + 5_000));
    await stage('winners', () => selectAll(d, lives));
    await stage('cancellations', () => cancelAll(d, lives));
    await stage('delayed notifications', () => passTo(d, 1.5));
    await stage('payouts', () => passTo(d, CALENDAR.announceDay + 2 / 24));
    await stage('expiry', () => passTo(d, CALENDAR.expiryDay + 1 / 24));
    await stage('leftover', () => leftoverAll(d, lives));
    await untilClosed(d, lives);
    storm.collect();
    // every notification ever sent, again, to closed tasks
    await storm.burst(lives, { all: true, forgeriesPerKind });
    await d.stack.flush();
    row.faultsInjected = faults.hits() + storm.genuineSent + storm.forgedSent;
    stack.sandbox.clearFaults();
    await finalChecks(d, lives, row);
    row.forgedAccepted = storm.forgedAccepted + (await storm.forgedReflected(lives));
    row.serverErrors = Math.max(storm.serverErrors, await webhookInternalErrors(stack));
    row.problems.push(...storm.problems);
    opts.say(
      `notification storm: ${storm.genuineSent} genuine and ${storm.forgedSent} forged notifications sent by hand; answers: ${[...storm.answers].map(([k, n]) => `${k}: ${n}`).join(', ')}`,
    );
    const metrics = (await stack.webhook.inject({ method: 'GET', url: '/metrics' })).body;
    opts.say(
      `notification storm: webhook: ${metrics
        .split('\n')
        .filter((l) => /^witkey_notifications_(delivered|duplicate|recorded_for_operator)_total/.test(l))
        .join(', ')}`,
    );
  } catch (err) {
    row.problems.push(`scenario stopped: ${(err as Error).stack ?? String(err)}`);
  } finally {
    crashes.stop();
    row.crashes += crashes.count();
    await stack.stop();
  }
  return row;
}

export const notificationStorm: Scenario = { name: 'notification storm', run };
