// The notifier: POSTs every queued notification to its notify_url (form-encoded in the request's charset, signed),
// and resends on 2m, 10m, 10m, 1h, 2h, 6h, 15h (divided by the time factor) until the answer body is exactly
// `success`. Every attempt and its answer is recorded in the persisted state, so a restarted sandbox resumes the
// pending resends. Delivery runs on `flush()` (due by the sandbox clock) and, with autoDeliver, on a poll loop.

import { resendDelayMs } from './clock';
import { postBody } from './http-post';
import type { AttemptRecord, NotificationRecord } from './notification-records';
import type { SandboxLog } from './log';
import type { StateStore } from './state-store';

export interface EncodedNotification {
  body: Buffer;
  contentType: string;
}

export interface NotifierOptions {
  store: StateStore;
  /** The sandbox clock (offset included). */
  now: () => Promise<number>;
  timeFactor: number;
  /** Render the signed body of an attempt. */
  encode: (n: NotificationRecord, opts: { now: number; badSignature: boolean; charset: string }) => EncodedNotification;
  timeoutMs?: number;
  /** Tasks whose notifications are delivered at the same time (default 8). */
  concurrency?: number;
  log?: SandboxLog;
}

const DEFAULT_CONCURRENCY = 8;

export const SUCCESS_ANSWER = 'success';

export class Notifier {
  readonly #o: NotifierOptions;
  #chain: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: NotifierOptions) {
    this.#o = options;
  }

  /** Deliver every notification due by the sandbox clock (one attempt each); resolves with the attempts made. */
  flush(): Promise<AttemptRecord[]> {
    const run = (): Promise<AttemptRecord[]> => this.#flushOnce();
    const next = this.#chain.then(run, run);
    this.#chain = next.catch(() => undefined);
    return next;
  }

  /** Poll for due notifications every `pollMs` until stop(). */
  startAutoDelivery(pollMs: number): void {
    const tick = (): void => {
      if (this.#stopped) return;
      this.flush()
        .catch((err: unknown) => this.#o.log?.(`notifier: ${(err as Error).message}`))
        .finally(() => {
          if (!this.#stopped) this.#timer = setTimeout(tick, pollMs).unref();
        });
    };
    this.#timer = setTimeout(tick, 0).unref();
  }

  /** Stop the loop and wait for a delivery in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#chain.catch(() => undefined);
  }

  /** The due notifications in delivery order (reorder fault: the flagged ones of the batch reversed in place). */
  dueNow(now: number): NotificationRecord[] {
    // From the database's index of pending notifications: a poll costs what is due, not the number of tasks.
    const due = this.#o.store
      .dueNotifications(now)
      .sort((a, b) => a.dueAt! - b.dueAt! || a.seq - b.seq)
      .map((n) => structuredClone(n));
    const flagged = due.map((n, i) => (n.faults.reorder ? i : -1)).filter((i) => i >= 0);
    const reversed = flagged.map((i) => due[i]).reverse();
    flagged.forEach((pos, k) => {
      due[pos] = reversed[k]!;
    });
    return due;
  }

  /**
   * One attempt for each due notification: the tasks' lanes run side by side (at most `concurrency` at once, as
   * Alipay's notifier does not wait for one site's answer before calling about another task), the notifications
   * of one task one after the other in due order. The attempts are returned in due order.
   */
  async #flushOnce(): Promise<AttemptRecord[]> {
    const now = await this.#o.now();
    const due = this.dueNow(now);
    const results: AttemptRecord[][] = due.map(() => []);
    let made = 0;
    await inLanes(lanesByTask(due), this.#o.concurrency ?? DEFAULT_CONCURRENCY, async (i) => {
      if (this.#stopped && made > 0) return false;
      results[i] = await this.#attempt(due[i], now);
      made += 1;
      return true;
    });
    return results.flat();
  }

  async #attempt(n: NotificationRecord, now: number): Promise<AttemptRecord[]> {
    const timeoutMs = this.#o.timeoutMs ?? 15_000;
    const attempts: AttemptRecord[] = [];
    const base = n.attempts.length;
    const sentSoFar = n.attempts.filter((a) => a.kind === 'sent').length;
    const droppedSoFar = n.attempts.filter((a) => a.kind === 'dropped').length;
    const charset = n.faults.gbk ? 'gbk' : n.charset;
    let success = false;
    if (droppedSoFar < (n.faults.dropAttempts ?? 0)) {
      attempts.push({ n: base + 1, at: now, wallAt: Date.now(), kind: 'dropped', success: false });
    } else {
      const badSignature = sentSoFar < (n.faults.badSignatureAttempts ?? 0);
      const copies = 1 + (base === 0 || sentSoFar === 0 ? (n.faults.duplicate ?? 0) : 0);
      for (let i = 0; i < copies; i++) {
        const encoded = this.#o.encode(n, { now, badSignature, charset });
        const r = await postBody(n.url, encoded.body, encoded.contentType, timeoutMs);
        const ok = r.body === SUCCESS_ANSWER;
        success ||= ok;
        attempts.push({
          n: base + attempts.length + 1,
          at: now,
          wallAt: Date.now(),
          kind: i === 0 ? 'sent' : 'duplicate',
          ...(r.status !== undefined ? { httpStatus: r.status } : {}),
          ...(r.body !== undefined ? { answer: r.body.slice(0, 500) } : {}),
          ...(r.error ? { error: r.error } : {}),
          success: ok,
          ...(badSignature ? { badSignature } : {}),
          charset,
        });
      }
    }
    await this.#o.store.mutate((s) => {
      const rec = s.notifications[n.notifyId];
      if (!rec) return;
      rec.attempts.push(...attempts);
      if (success) {
        rec.status = 'delivered';
        rec.deliveredAt = now;
        delete rec.dueAt;
        return;
      }
      const delay = resendDelayMs(rec.resends, this.#o.timeFactor);
      if (delay === undefined) {
        rec.status = 'exhausted';
        delete rec.dueAt;
      } else {
        rec.resends += 1;
        rec.dueAt = now + delay;
      }
    });
    const last = attempts[attempts.length - 1];
    this.#o.log?.(
      `notify ${n.notifyType}${n.notifySubType ? `/${n.notifySubType}` : ''} ${n.notifyId} -> ${last?.kind} ${last?.httpStatus ?? last?.error ?? ''} ${success ? 'success' : 'not acknowledged'}`,
      {
        outerTaskId: n.outerTaskId,
        notifyId: n.notifyId,
        notifyType: n.notifyType,
        attempt: last?.kind,
        httpStatus: last?.httpStatus,
        acknowledged: success,
      },
    );
    return attempts;
  }
}

/** The indices of `due`, grouped by task, each group in due order; groups in order of their first notification. */
function lanesByTask(due: NotificationRecord[]): number[][] {
  const lanes = new Map<string, number[]>();
  due.forEach((n, i) => {
    const lane = lanes.get(n.outerTaskId) ?? [];
    lane.push(i);
    lanes.set(n.outerTaskId, lane);
  });
  return [...lanes.values()];
}

/** Runs every lane, at most `width` at once; a lane stops early when `step` answers false. */
async function inLanes(lanes: number[][], width: number, step: (i: number) => Promise<boolean>): Promise<void> {
  let next = 0;
  const runner = async (): Promise<void> => {
    while (next < lanes.length) {
      const lane = lanes[next++];
      for (const i of lane) if (!(await step(i))) return;
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, lanes.length) }, runner));
}
