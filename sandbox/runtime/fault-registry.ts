// The live faults: added, listed and removed through the control API; met by requests (gateway.do services, OpenAPI
// methods, page completions), by notifications as they are queued, and by winners when Alipay looks at their
// account. A fault with `times` n is used up after n hits (0 = until removed). The kinds are in fault-specs.ts.

import { randomBytes } from 'node:crypto';
import {
  DEFAULT_ACCOUNT_ERROR_CODE,
  validateFault,
  type Fault,
  type FaultSpec,
  type RequestFaultSpec,
  type WinnerFaultStage,
  type WinnerFaultSubject,
} from './fault-specs';
import type { NotificationRecord } from './notification-records';

export class FaultRegistry {
  #faults: Fault[] = [];

  add(spec: FaultSpec): Fault {
    const fault = { ...validateFault(spec), id: randomBytes(6).toString('hex'), used: 0 };
    this.#faults.push(fault);
    return fault;
  }

  list(): Fault[] {
    return this.#faults.map((f) => ({ ...f }));
  }

  remove(id: string): boolean {
    const before = this.#faults.length;
    this.#faults = this.#faults.filter((f) => f.id !== id);
    return this.#faults.length !== before;
  }

  clear(): void {
    this.#faults = [];
  }

  #consume(f: Fault): void {
    f.used += 1;
    const times = f.times ?? 1;
    if (times > 0 && f.used >= times) this.#faults = this.#faults.filter((x) => x !== f);
  }

  /**
   * The request faults met by this request, consumed (their `times` count down): every matching delay (they add
   * up) and the first matching fault of another kind.
   */
  takeRequestFaults(
    service: string,
    params: Readonly<Record<string, string | undefined>>,
  ): { delayMs: number; fault?: RequestFaultSpec } {
    let delayMs = 0;
    let fault: RequestFaultSpec | undefined;
    for (const f of [...this.#faults]) {
      if (f.target !== 'request') continue;
      if (f.service && f.service !== service) continue;
      if (f.match && !Object.entries(f.match).every(([k, v]) => params[k] === v)) continue;
      if (f.kind === 'delay') delayMs += f.delayMs ?? 1000;
      else if (fault) continue;
      else fault = f;
      this.#consume(f);
    }
    return fault ? { delayMs, fault } : { delayMs };
  }

  /**
   * The first winner fault that meets this transfer at this stage, without consuming it: `pending` counts the hits
   * of the operation still running (a fault with `times` n fails at most n transfers). The operation consumes its
   * hits with `consumeWinnerHits` once it is committed, so a refused operation uses up nothing.
   */
  peekWinnerFault(
    stage: WinnerFaultStage,
    w: WinnerFaultSubject,
    pending: ReadonlyMap<string, number>,
  ): { id: string; errorCode: string } | undefined {
    for (const f of this.#faults) {
      if (f.target !== 'winner') continue;
      if (f.stage && f.stage !== stage) continue;
      if (f.alipayUserId && f.alipayUserId !== w.alipayUserId) continue;
      if (f.outerTransferNo && f.outerTransferNo !== w.outerTransferNo) continue;
      if (f.outerTaskId && f.outerTaskId !== w.outerTaskId) continue;
      const times = f.times ?? 1;
      if (times > 0 && f.used + (pending.get(f.id) ?? 0) >= times) continue;
      return { id: f.id, errorCode: f.errorCode ?? DEFAULT_ACCOUNT_ERROR_CODE };
    }
    return undefined;
  }

  /** Consume the winner-fault hits of a committed operation. */
  consumeWinnerHits(hits: ReadonlyMap<string, number>): void {
    for (const [id, n] of hits) {
      const f = this.#faults.find((x) => x.id === id);
      for (let i = 0; f && i < n; i++) this.#consume(f);
    }
  }

  /** Apply every matching notification fault to a notification being queued. */
  applyToNotification(n: NotificationRecord): void {
    for (const f of [...this.#faults]) {
      if (f.target !== 'notification') continue;
      if (f.notifyType && f.notifyType !== n.notifyType) continue;
      if (f.notifySubType && f.notifySubType !== n.notifySubType) continue;
      if (f.outerTaskId && f.outerTaskId !== n.outerTaskId) continue;
      this.#consume(f);
      switch (f.kind) {
        case 'duplicate':
          n.faults.duplicate = (n.faults.duplicate ?? 0) + (f.count ?? 1);
          break;
        case 'reorder':
          n.faults.reorder = true;
          break;
        case 'delay':
          n.dueAt = (n.dueAt ?? n.createdAt) + (f.delayMs ?? 0);
          break;
        case 'drop':
          n.faults.dropAttempts = (n.faults.dropAttempts ?? 0) + (f.count ?? 1);
          break;
        case 'badSignature':
          n.faults.badSignatureAttempts = (n.faults.badSignatureAttempts ?? 0) + (f.count ?? 1);
          break;
        case 'gbk':
          n.faults.gbk = true;
          break;
      }
    }
  }
}
