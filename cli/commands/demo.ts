/**
 * `witkey demo`: the demo scenario against a RUNNING stack: the tasks go through Temporal (TEMPORAL_ADDRESS) to
 * its worker, and the publisher's and admin's browser steps are played on its sandbox over the sandbox's HTTP
 * control API (--sandbox-url). "witkey up" runs the same scenario in process.
 */
import type { PageRequest, PageResult, TaskRecord } from '../../sandbox';
import type { Values } from '../args';
import type { CommandSpec } from '../command';
import { DEMO_TIMES, runScenario, type DemoSandbox } from '../demo/scenario';
import { out } from '../format';
import { say } from '../output';
import { fetchSandboxConfig, loadSettings, openSession, sandboxUrlOf } from '../runtime';
import { WitkeyTasks } from '../../client/tasks';

export const demoCommand: CommandSpec = {
  summary: 'run the demo scenario against a running stack (its sandbox over HTTP)',
  help: `witkey demo [--sandbox-url URL]

Runs the scenario of "witkey up" (three tasks: two winner rounds with a cancellation, payouts with commission,
an immediate payment, a three-way leftover, an unpaid task closed via the OpenAPI path; time compressed, about
1.5 minutes) against a stack that is already running: Temporal at TEMPORAL_ADDRESS (default localhost:7233) with
a witkey worker, webhook and sandbox, e.g. "witkey up --no-demo" in another terminal, or "witkey sandbox",
"witkey worker --sandbox-url ..." and "witkey webhook --sandbox-url ...". The browser steps (cashier, confirmation
and admin pages) are played on the sandbox through its HTTP control API. Prints each task's progress and the
ledger table (sandbox and workflow side by side); exit code 1 if they differ.

  --sandbox-url URL   the running sandbox (default WITKEY_SANDBOX_URL, else http://127.0.0.1:WITKEY_SANDBOX_PORT,
                      port 8290 by default)`,
  options: { 'sandbox-url': { type: 'string' } },
  run: (v) => demo(v),
};

/** The sandbox's browser steps and task records over its control API (docs/SANDBOX.md). */
export function httpSandbox(baseUrl: string): DemoSandbox {
  const post = async (path: string, body: object): Promise<PageResult> => {
    const res = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`sandbox ${path}: HTTP ${res.status} ${text.slice(0, 200)}`);
    return JSON.parse(text) as PageResult;
  };
  const request = (r: PageRequest): PageRequest => r;
  return {
    pay: (r, opts = {}) => post('/sandbox/pay', { request: request(r), ...opts }),
    confirm: (r, opts = {}) => post('/sandbox/confirm', { request: request(r), ...opts }),
    confirmLeftover: (r, opts = {}) => post('/sandbox/leftover/confirm', { request: request(r), ...opts }),
    openPage: async (r) => await post('/sandbox/pages/open', { request: request(r) }),
    task: async (id) => {
      const res = await fetch(`${baseUrl}/sandbox/tasks/${encodeURIComponent(id)}`, {
        signal: AbortSignal.timeout(10_000),
      });
      if (res.status === 404) return undefined;
      if (!res.ok) throw new Error(`sandbox /sandbox/tasks/${id}: HTTP ${res.status}`);
      return (await res.json()) as TaskRecord;
    },
  };
}

async function demo(v: Values): Promise<void> {
  const settings = loadSettings();
  if (settings.site.alipay)
    say(
      'note: ALIPAY_GATEWAY_URL is set here, but the demo plays the browser steps on a sandbox; the worker of the running stack must use that sandbox',
    );
  const url = sandboxUrlOf(v['sandbox-url']) ?? `http://127.0.0.1:${settings.site.sandboxPort}`;
  const sandboxConfig = await fetchSandboxConfig(url);
  say(
    `sandbox ${sandboxConfig.url} (partner ${sandboxConfig.partnerId}); fee rates commission ${sandboxConfig.feeRates.commissionBp} bp, Alipay fee ${sandboxConfig.feeRates.alipayFeeBp} bp`,
  );
  const session = await openSession(settings);
  try {
    say(
      `Temporal at ${settings.address}, namespace ${settings.stack.namespace}, task queue ${settings.stack.taskQueue}`,
    );
    // the tasks carry the sandbox's fee rates and the demo's compressed deadlines
    const tasks = new WitkeyTasks(session.client, {
      taskQueue: settings.stack.taskQueue,
      feeRates: sandboxConfig.feeRates,
      settings: { resendWindowMs: DEMO_TIMES.resendWindowMs, paymentTimeoutMs: DEMO_TIMES.paymentTimeoutMs },
    });
    const result = await runScenario(tasks, httpSandbox(url.replace(/\/+$/, '')), say);
    out(`\nLedger per task (yuan), workflow and sandbox side by side:\n${result.table}\n`);
    say(
      result.allEqual
        ? 'scenario complete: the sandbox ledger and the workflow ledger agree to the fen'
        : 'scenario complete, BUT THE LEDGERS DIFFER (see the table)',
    );
    if (!result.allEqual) process.exitCode = 1;
  } finally {
    await session.close();
  }
}
