// Starting the sandbox: keys and config in the data folder (generated on first start), state loaded, the runtime,
// the gateways and the HTTP server wired together, notifications delivered on a poll loop when the clock is the
// wall clock.

import type { AddressInfo } from 'node:net';
import type { FeeRates } from '../alipay/core/fees';
import { Gateway } from './gateway/mapi-gateway';
import { OpenApiGateway } from './gateway/openapi-gateway';
import { buildServer } from './http/server';
import { wallClock, type SandboxClock } from './runtime/clock';
import { ensureSandboxConfig } from './runtime/config';
import type { SandboxLog } from './runtime/log';
import { SandboxRuntime } from './runtime/sandbox-runtime';
import { StateStore } from './runtime/state-store';
import { Sandbox } from './sandbox';

export interface SandboxOptions {
  /** The data folder: keys, sandbox.json, the state database (state.sqlite). Created when missing. */
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
  /** Where the sandbox's log lines go (with fields such as outerTaskId where known); default: nowhere. */
  log?: SandboxLog;
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
  const runtime = new SandboxRuntime({
    config,
    keys,
    store,
    clock: options.clock ?? wallClock,
    ...(options.notifyTimeoutMs !== undefined ? { notifyTimeoutMs: options.notifyTimeoutMs } : {}),
    log,
  });
  const gateway = new Gateway(runtime);
  const openApi = new OpenApiGateway(runtime);
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
  const sandbox = new Sandbox(`http://${host}:${addr.port}`, runtime, gateway, () => app.close());
  holder.sandbox = sandbox;
  const autoDeliver = options.autoDeliver ?? options.clock === undefined;
  if (autoDeliver) runtime.notifier.startAutoDelivery(options.pollMs ?? 100);
  const pending = store.read((s) => Object.values(s.notifications).filter((n) => n.status === 'pending').length);
  log(
    `sandbox listening on ${sandbox.url} (data ${options.dataDir}, partner ${config.partnerId}, ${pending} pending notifications, ${autoDeliver ? 'auto delivery' : 'manual delivery'})`,
    { url: sandbox.url, pendingNotifications: pending },
  );
  return sandbox;
}
