// The local Alipay gateway emulator: `startSandbox(options)` starts it in-process (tests) and returns a `Sandbox`
// with its URLs, configuration, in-process controls and inspection. `witkey sandbox` runs it as its own process.
// See docs/SANDBOX.md.

import type { AddressInfo } from 'node:net';
import type { FeeRates } from '../alipay/core/fees';
import { eventXml } from '../alipay/notify';
import { wallClock, type SandboxClock } from './clock';
import { ensureSandboxConfig, type SandboxConfig } from './config';
import type { CompleteOptions, CompletionKind, ControlApi } from './control';
import { SandboxCore } from './core';
import { GatewayRefusal, InjectedHttpFault } from './errors';
import type { Fault, FaultSpec } from './faults';
import { Gateway, type PageCompletion } from './gateway';
import type { InspectionApi, NotificationFilter } from './inspect';
import { ledgerSummary, type LedgerSummary } from './ledger';
import { OpenApiGateway } from './openapi';
import { followReturn, rawRequestOf, type FollowedReturn, type PageRequest } from './page-requests';
import { buildServer, GATEWAY_PATH, OPENAPI_PATH } from './server';
import { StateStore } from './store';
import type { AttemptRecord, NotificationRecord, Posting, SandboxState, TaskRecord, TransferRecord } from './state';

export { ManualClock, wallClock, RESEND_INTERVALS_MS, resendDelayMs, type SandboxClock } from './clock';
export { KEY_FILES, DEFAULT_FEE_RATES, type SandboxConfig } from './config';
export { GatewayRefusal, InjectedHttpFault, ConservationError } from './errors';
export type {
  Fault,
  FaultSpec,
  RequestFaultSpec,
  NotificationFaultSpec,
  WinnerFaultSpec,
  WinnerFaultStage,
} from './faults';
export { DEFAULT_ACCOUNT_ERROR_CODE } from './faults';
export type { PageRequest, FollowedReturn } from './page-requests';
export type { PageCompletion } from './gateway';
export type { LedgerSummary } from './ledger';
export type { AttemptRecord, NotificationRecord, Posting, SandboxState, TaskRecord, TransferRecord } from './state';

export interface SandboxOptions {
  /** The data folder: keys, sandbox.json, state.json. Created when missing. */
  dataDir: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (a free port). */
  port?: number;
  /** Default: the wall clock. In time-skipping tests: `{ now: async () => testEnv.currentTimeMs() }`-like. */
  clock?: SandboxClock;
  /** Divides the resend schedule (2m, 10m, ...). Default: sandbox.json's value, else 1. */
  timeFactor?: number;
  /** Commission and Alipay fee in basis points. Default: sandbox.json's value, else 1000 / 100. */
  feeRates?: Partial<FeeRates>;
  /** Deliver notifications on a poll loop. Default: true with the wall clock, false with an injected clock. */
  autoDeliver?: boolean;
  /** Poll interval of the delivery loop, ms (default 100). */
  pollMs?: number;
  /** Timeout of one notification POST, ms (default 15000). */
  notifyTimeoutMs?: number;
  /** Request body limit, bytes (default 64 KiB). */
  bodyLimit?: number;
  log?: (line: string) => void;
}

/** What other programs need to talk to the sandbox (GET /sandbox/config). */
export interface PublicConfig {
  url: string;
  gatewayUrl: string;
  openApiUrl: string;
  dataDir: string;
  partnerId: string;
  appId: string;
  feeRates: FeeRates;
  timeFactor: number;
  configFile: string;
  keyFiles: SandboxConfig['keyFiles'];
}

export interface PageResult extends PageCompletion {
  /** An injected drop fault: the request was processed but the browser got no answer (no return callback). */
  dropped: boolean;
  /** With followReturn: the site's answer to the return callback. */
  followed?: FollowedReturn;
}

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
  readonly #core: SandboxCore;
  readonly #gateway: Gateway;
  readonly #close: () => Promise<void>;
  #stopped = false;

  /** @internal use startSandbox */
  constructor(url: string, core: SandboxCore, gateway: Gateway, close: () => Promise<void>) {
    this.url = url;
    this.gatewayUrl = `${url}${GATEWAY_PATH}`;
    this.openApiUrl = `${url}${OPENAPI_PATH}`;
    this.config = core.config;
    this.#core = core;
    this.#gateway = gateway;
    this.#close = close;
  }

  /** Stop the server and the notifier (pending notifications stay in the data folder for the next start). */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await this.#core.notifier.stop();
    await this.#close();
    await this.#core.store.idle();
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
    return this.#core.now();
  }

  /** Move the sandbox clock forward by `ms` (a persisted offset on top of the injected clock). */
  async advanceClock(ms: number): Promise<number> {
    if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError('ms must be a non-negative integer');
    await this.#core.store.mutate((s) => {
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
    return this.#core.faults.add(spec);
  }

  faults(): Fault[] {
    return this.#core.faults.list();
  }

  removeFault(id: string): boolean {
    return this.#core.faults.remove(id);
  }

  clearFaults(): void {
    this.#core.faults.clear();
  }

  // ------------------------------------------------------------------------------------------ notifications

  /** Deliver every notification due by the sandbox clock and wait for the answers. */
  flushNotifications(): Promise<AttemptRecord[]> {
    return this.#core.notifier.flush();
  }

  // ------------------------------------------------------------------------------------------ inspection

  ledger(): LedgerSummary {
    return this.#core.store.read((s) => ledgerSummary(s as SandboxState));
  }

  journal(outerTaskId?: string): Posting[] {
    return this.#core.store.read((s) =>
      s.journal.filter((p) => outerTaskId === undefined || p.outerTaskId === outerTaskId).map((p) => ({ ...p })),
    );
  }

  tasks(): TaskRecord[] {
    return this.#core.store.read((s) => Object.values(s.tasks).map((t) => structuredClone(t)));
  }

  task(outerTaskId: string): TaskRecord | undefined {
    return this.#core.store.read((s) => {
      const t = s.tasks[`${this.config.partnerId}:${outerTaskId}`];
      return t ? structuredClone(t) : undefined;
    });
  }

  transfers(outerTaskId?: string): TransferRecord[] {
    return this.#core.store.read((s) =>
      Object.values(s.transfers)
        .filter((t) => outerTaskId === undefined || t.outerTaskId === outerTaskId)
        .map((t) => structuredClone(t)),
    );
  }

  notifications(filter: NotificationFilter = {}): Array<NotificationRecord & { xml: string }> {
    return this.#core.store.read((s) =>
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
    return this.#core.store.read((s) => {
      const n = s.notifications[notifyId];
      return n ? { ...structuredClone(n), xml: eventXml(n.event) } : undefined;
    });
  }

  state(): SandboxState {
    return this.#core.store.snapshot();
  }

  /** @internal tests: replace the conservation check to prove a failing check refuses the operation. */
  setConservationCheck(check: ((state: SandboxState) => string[]) | undefined): void {
    this.#core.store.checkHook = check;
  }
}

/** Start the sandbox: keys and config in the data folder (generated on first start), state loaded, server listening. */
export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const log = options.log ?? (() => undefined);
  const { config, keys } = ensureSandboxConfig(options.dataDir, {
    ...(options.feeRates ? { feeRates: options.feeRates } : {}),
    ...(options.timeFactor !== undefined ? { timeFactor: options.timeFactor } : {}),
    log,
  });
  const store = new StateStore(options.dataDir);
  const core = new SandboxCore({
    config,
    keys,
    store,
    clock: options.clock ?? wallClock,
    ...(options.notifyTimeoutMs !== undefined ? { notifyTimeoutMs: options.notifyTimeoutMs } : {}),
    log,
  });
  const gateway = new Gateway(core);
  const openApi = new OpenApiGateway(core);
  // The routes are registered before the URL is known; they reach the Sandbox through this holder.
  const holder: { sandbox?: Sandbox } = {};
  const api = new Proxy({} as Sandbox, {
    get: (_t, p) => {
      const target = holder.sandbox!;
      const v = Reflect.get(target, p, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  const app = buildServer({
    gateway,
    openApi,
    control: api,
    inspection: api,
    bodyLimit: options.bodyLimit ?? 64 * 1024,
    log,
  });
  await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  const addr = app.server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const sandbox = new Sandbox(`http://${host}:${addr.port}`, core, gateway, () => app.close());
  holder.sandbox = sandbox;
  const autoDeliver = options.autoDeliver ?? options.clock === undefined;
  if (autoDeliver) core.notifier.startAutoDelivery(options.pollMs ?? 100);
  const pending = store.read((s) => Object.values(s.notifications).filter((n) => n.status === 'pending').length);
  log(
    `sandbox listening on ${sandbox.url} (data ${options.dataDir}, partner ${config.partnerId}, ${pending} pending notifications, ${autoDeliver ? 'auto delivery' : 'manual delivery'})`,
  );
  return sandbox;
}
