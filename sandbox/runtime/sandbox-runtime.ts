// What every part of the sandbox shares, independent of HTTP: configuration and keys, the state store, the clock
// (with its persisted offset), the live faults, the signing keys, the notifier, and the operation context handed to
// the services (with the queue their notifications go into).

import { randomBytes } from 'node:crypto';
import type { NotificationIntent, OpContext } from '../services/operation';
import { nextSeq } from './business-numbers';
import type { SandboxClock } from './clock';
import type { SandboxConfig, SandboxKeys } from './config';
import { FaultRegistry } from './fault-registry';
import type { SandboxLog } from './log';
import type { NotificationRecord } from './notification-records';
import { Notifier } from './notifier';
import type { SandboxState } from './persisted-state';
import { Signing } from './signing';
import type { StateStore } from './state-store';

export interface RuntimeOptions {
  config: SandboxConfig;
  keys: SandboxKeys;
  store: StateStore;
  clock: SandboxClock;
  notifyTimeoutMs?: number;
  log: SandboxLog;
}

export class SandboxRuntime {
  readonly config: SandboxConfig;
  readonly store: StateStore;
  readonly faults = new FaultRegistry();
  readonly signing: Signing;
  readonly notifier: Notifier;
  readonly log: SandboxLog;
  readonly #clock: SandboxClock;
  /** Winner-fault hits of the operations under way, per context. */
  readonly #hits = new WeakMap<OpContext, Map<string, number>>();

  constructor(o: RuntimeOptions) {
    this.config = o.config;
    this.store = o.store;
    this.#clock = o.clock;
    this.log = o.log;
    this.signing = new Signing(o.config, o.keys);
    this.notifier = new Notifier({
      store: o.store,
      now: () => this.now(),
      timeFactor: o.config.timeFactor,
      encode: (n, opts) => this.signing.encodeNotification(n, n.event, opts),
      ...(o.notifyTimeoutMs !== undefined ? { timeoutMs: o.notifyTimeoutMs } : {}),
      log: o.log,
    });
  }

  /** The sandbox clock: the injected clock plus the persisted offset (advanceClock). */
  async now(): Promise<number> {
    const base = await this.#clock.now();
    return base + this.store.read((s) => s.clockOffsetMs);
  }

  /**
   * The context of one operation at `now`. Winner faults met by the operation are consumed by `commit(ctx)` after
   * the operation's change was written (a refused operation consumes nothing).
   */
  context(now: number): OpContext {
    const hits = new Map<string, number>();
    const ctx: OpContext = {
      now,
      partner: this.config.partnerId,
      feeRates: this.config.feeRates,
      enqueue: (state, intent) => this.#enqueue(state, now, intent),
      winnerFault: (stage, winner) => {
        const hit = this.faults.peekWinnerFault(stage, winner, hits);
        if (!hit) return undefined;
        hits.set(hit.id, (hits.get(hit.id) ?? 0) + 1);
        return hit.errorCode;
      },
    };
    this.#hits.set(ctx, hits);
    return ctx;
  }

  /** The operation of `ctx` was committed: consume the winner faults it met. */
  commit(ctx: OpContext): void {
    const hits = this.#hits.get(ctx);
    if (hits) this.faults.consumeWinnerHits(hits);
    this.#hits.delete(ctx);
  }

  #enqueue(state: SandboxState, now: number, intent: NotificationIntent): void {
    const seq = nextSeq(state);
    const notifyId = `${randomBytes(12).toString('hex')}${String(seq).padStart(8, '0')}`;
    const event = intent.data;
    const record: NotificationRecord = {
      notifyId,
      seq,
      partner: this.config.partnerId,
      outerTaskId: intent.outerTaskId,
      notifyType: event.type,
      ...('subType' in event ? { notifySubType: event.subType } : {}),
      event,
      url: intent.target.url,
      charset: intent.target.charset,
      signType: intent.target.signType,
      createdAt: now,
      dueAt: now,
      resends: 0,
      status: 'pending',
      attempts: [],
      faults: {},
    };
    this.faults.applyToNotification(record);
    state.notifications[notifyId] = record;
  }
}
