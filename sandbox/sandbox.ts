// The sandbox as a program sees it in process: its URLs and configuration, the controls (pages, faults, clock,
// notification delivery) and the inspection (books, tasks, transfers, notifications). The HTTP control and
// inspection APIs (http/) call the same methods.

import { eventXml } from '../alipay/notify';
import { ledgerSummary, type LedgerSummary } from './books/balance-sheet';
import type { Posting } from './books/journal';
import type { Gateway } from './gateway/mapi-gateway';
import { followReturn, rawRequestOf, type PageRequest } from './gateway/page-requests';
import type { CompleteOptions, CompletionKind, ControlApi } from './http/control-routes';
import { GATEWAY_PATH, OPENAPI_PATH } from './http/gateway-routes';
import type { InspectionApi, NotificationFilter } from './http/inspection-routes';
import type { SandboxConfig } from './runtime/config';
import type { PageResult, PublicConfig } from './http/control-results';
import { InjectedHttpFault, type Fault, type FaultSpec } from './runtime/fault-specs';
import type { AttemptRecord, NotificationRecord } from './runtime/notification-records';
import type { SandboxState } from './runtime/persisted-state';
import type { SandboxRuntime } from './runtime/sandbox-runtime';
import { GatewayRefusal } from './services/refusal';
import type { TaskRecord, TransferRecord } from './services/task-records';

const KIND_SERVICES: Record<CompletionKind, readonly string[] | undefined> = {
  pay: ['alipay.witkey.task.create', 'alipay.witkey.task.amount.append'],
  confirm: ['alipay.witkey.task.confirm', 'alipay.witkey.task.amount.append'],
  leftover: ['alipay.witkey.task.left.amount.handle'],
  any: undefined,
};

export class Sandbox implements ControlApi, InspectionApi {
  readonly url: string;
  readonly gatewayUrl: string;
  readonly openApiUrl: string;
  readonly config: SandboxConfig;
  readonly #runtime: SandboxRuntime;
  readonly #gateway: Gateway;
  readonly #close: () => Promise<void>;
  #stopped = false;

  /** @internal use startSandbox */
  constructor(url: string, runtime: SandboxRuntime, gateway: Gateway, close: () => Promise<void>) {
    this.url = url;
    this.gatewayUrl = `${url}${GATEWAY_PATH}`;
    this.openApiUrl = `${url}${OPENAPI_PATH}`;
    this.config = runtime.config;
    this.#runtime = runtime;
    this.#gateway = gateway;
    this.#close = close;
  }

  /** Stop the server and the notifier (pending notifications stay in the data folder for the next start). */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await this.#runtime.notifier.stop();
    await this.#close();
    await this.#runtime.store.close();
  }

  publicConfig(): PublicConfig {
    const c = this.config;
    return {
      url: this.url,
      gatewayUrl: this.gatewayUrl,
      openApiUrl: this.openApiUrl,
      dataDir: c.dataDir,
      partnerId: c.partnerId,
      appId: c.appId,
      feeRates: c.feeRates,
      timeFactor: c.timeFactor,
      configFile: c.configFile,
      keyFiles: c.keyFiles,
    };
  }

  // ------------------------------------------------------------------------------------------ clock

  /** The sandbox clock (the injected clock plus the advanceClock offset). */
  now(): Promise<number> {
    return this.#runtime.now();
  }

  /** Move the sandbox clock forward by `ms` (a persisted offset on top of the injected clock). */
  async advanceClock(ms: number): Promise<number> {
    if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError('ms must be a non-negative integer');
    await this.#runtime.store.mutate((s) => {
      s.clockOffsetMs += ms;
    });
    return this.now();
  }

  // ------------------------------------------------------------------------------------------ pages

  /** Visit a page interface without completing it (task.create / amount.append: the trade becomes WAIT_BUYER_PAY). */
  async openPage(request: PageRequest): Promise<{ service: string; alreadyDone: boolean }> {
    const out = await this.#gateway.handle(rawRequestOf(request));
    if (out.type === 'page') return { service: out.service, alreadyDone: out.alreadyDone };
    if (out.type === 'page-error') throw new GatewayRefusal(out.code, out.message);
    throw new GatewayRefusal('ILLEGAL_SERVICE', 'not a page interface');
  }

  async completePage(kind: CompletionKind, request: PageRequest, opts: CompleteOptions = {}): Promise<PageResult> {
    const raw = rawRequestOf(request);
    const allowed = KIND_SERVICES[kind];
    if (allowed) {
      const service = new URLSearchParams(raw).get('service') ?? '';
      if (!allowed.includes(service))
        throw new GatewayRefusal(
          'ILLEGAL_SERVICE',
          `${kind} completes ${allowed.join(' or ')}, not ${service.slice(0, 80) || 'nothing'}`,
        );
    }
    const out = await this.#gateway.complete(raw, opts.payerUserId ? { payerUserId: opts.payerUserId } : {});
    if (out.type === 'http') throw new InjectedHttpFault(out.status);
    if (out.type === 'refused') throw new GatewayRefusal(out.code, out.message);
    const result: PageResult = { ...out.completion, dropped: out.dropped };
    if (opts.followReturn && !out.dropped) result.followed = await followReturn(out.completion);
    return result;
  }

  /** Pay a task.create cashier (or an amount.append) from its signed URL / form, as the publisher. */
  pay(request: PageRequest, opts: CompleteOptions = {}): Promise<PageResult> {
    return this.completePage('pay', request, opts);
  }

  /** Confirm a task.confirm (or amount.append) page, as the publisher. */
  confirm(request: PageRequest, opts: CompleteOptions = {}): Promise<PageResult> {
    return this.completePage('confirm', request, opts);
  }

  /** Confirm a left.amount.handle admin page. */
  confirmLeftover(request: PageRequest, opts: CompleteOptions = {}): Promise<PageResult> {
    return this.completePage('leftover', request, opts);
  }

  // ------------------------------------------------------------------------------------------ faults

  injectFault(spec: FaultSpec): Fault {
    return this.#runtime.faults.add(spec);
  }

  faults(): Fault[] {
    return this.#runtime.faults.list();
  }

  removeFault(id: string): boolean {
    return this.#runtime.faults.remove(id);
  }

  clearFaults(): void {
    this.#runtime.faults.clear();
  }

  // ------------------------------------------------------------------------------------------ notifications

  /** Deliver every notification due by the sandbox clock and wait for the answers. */
  flushNotifications(): Promise<AttemptRecord[]> {
    return this.#runtime.notifier.flush();
  }

  // ------------------------------------------------------------------------------------------ inspection

  ledger(): LedgerSummary {
    return this.#runtime.store.read((s) => ledgerSummary(s as SandboxState));
  }

  journal(outerTaskId?: string): Posting[] {
    if (outerTaskId !== undefined) return this.#runtime.store.postingsOf(outerTaskId);
    return this.#runtime.store.read((s) => s.journal.map((p) => ({ ...p })));
  }

  tasks(): TaskRecord[] {
    return this.#runtime.store.read((s) => Object.values(s.tasks).map((t) => structuredClone(t)));
  }

  task(outerTaskId: string): TaskRecord | undefined {
    return this.#runtime.store.read((s) => {
      const t = s.tasks[`${this.config.partnerId}:${outerTaskId}`];
      return t ? structuredClone(t) : undefined;
    });
  }

  transfers(outerTaskId?: string): TransferRecord[] {
    return this.#runtime.store.read((s) =>
      Object.values(s.transfers)
        .filter((t) => outerTaskId === undefined || t.outerTaskId === outerTaskId)
        .map((t) => structuredClone(t)),
    );
  }

  notifications(filter: NotificationFilter = {}): Array<NotificationRecord & { xml: string }> {
    return this.#runtime.store.read((s) =>
      Object.values(s.notifications)
        .filter(
          (n) =>
            (filter.outerTaskId === undefined || n.outerTaskId === filter.outerTaskId) &&
            (filter.notifyType === undefined || n.notifyType === filter.notifyType) &&
            (filter.status === undefined || n.status === filter.status),
        )
        .sort((a, b) => a.seq - b.seq)
        .map((n) => ({ ...structuredClone(n), xml: eventXml(n.event) })),
    );
  }

  notification(notifyId: string): (NotificationRecord & { xml: string }) | undefined {
    return this.#runtime.store.read((s) => {
      const n = s.notifications[notifyId];
      return n ? { ...structuredClone(n), xml: eventXml(n.event) } : undefined;
    });
  }

  state(): SandboxState {
    return this.#runtime.store.snapshot();
  }

  /** @internal tests: replace the conservation check to prove a failing check refuses the operation. */
  setConservationCheck(check: ((state: SandboxState) => string[]) | undefined): void {
    this.#runtime.store.checkHook = check;
  }
}
