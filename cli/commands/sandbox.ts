/** `witkey sandbox`: run the local Alipay gateway emulator as its own process until Ctrl-C. */
import { resolve } from 'node:path';
import { startSandbox } from '../../sandbox';
import { say, waitForStopSignal } from '../output';

export const sandboxHelp = `witkey sandbox [--data-dir DIR] [--host H] [--port N] [--time-factor F] [--commission-bp N] [--alipay-fee-bp N] [--manual-delivery]

Runs the local Alipay gateway emulator (legacy gateway.do, OpenAPI, cashier and admin pages, notifier with
resends, fault injection, control and inspection API under /sandbox/). On first start in an empty data folder
it generates Alipay's and the partner's keys and writes sandbox.json; later starts reuse them and resume pending
notification resends. See docs/SANDBOX.md.

  --data-dir DIR       where keys, sandbox.json and state.json live (default .data/sandbox, env WITKEY_SANDBOX_DIR)
  --host H             listen address (default 127.0.0.1)
  --port N             port (default 8290, env WITKEY_SANDBOX_PORT; 0 = any free port)
  --time-factor F      divide the resend schedule (2m, 10m, ... 15h) by F for demos (default: sandbox.json, else 1)
  --commission-bp N    platform commission in basis points (default: sandbox.json, else 1000)
  --alipay-fee-bp N    Alipay's fee in basis points (default: sandbox.json, else 100)
  --manual-delivery    do not deliver notifications on a timer (only POST /sandbox/notifications/flush)`;

function intFlag(name: string, value: string | boolean | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'string' && /^[0-9]+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer in ${min}..${max}`);
  return n;
}

export async function sandbox(flags: Record<string, string | boolean | undefined>): Promise<void> {
  const dataDir = resolve(typeof flags['data-dir'] === 'string' ? flags['data-dir'] : (process.env.WITKEY_SANDBOX_DIR ?? '.data/sandbox'));
  const host = typeof flags.host === 'string' ? flags.host : '127.0.0.1';
  const port = intFlag('port', flags.port ?? process.env.WITKEY_SANDBOX_PORT, 0, 65535) ?? 8290;
  let timeFactor: number | undefined;
  if (flags['time-factor'] !== undefined) {
    timeFactor = typeof flags['time-factor'] === 'string' ? Number(flags['time-factor']) : NaN;
    if (!Number.isFinite(timeFactor) || timeFactor <= 0) throw new Error('--time-factor must be a positive number');
  }
  const commissionBp = intFlag('commission-bp', flags['commission-bp'], 0, 10000);
  const alipayFeeBp = intFlag('alipay-fee-bp', flags['alipay-fee-bp'], 0, 10000);
  const feeRates = { ...(commissionBp !== undefined ? { commissionBp } : {}), ...(alipayFeeBp !== undefined ? { alipayFeeBp } : {}) };

  const s = await startSandbox({
    dataDir,
    host,
    port,
    ...(timeFactor !== undefined ? { timeFactor } : {}),
    ...(Object.keys(feeRates).length > 0 ? { feeRates } : {}),
    autoDeliver: flags['manual-delivery'] !== true,
    log: (line) => say(`sandbox: ${line}`),
  });
  const c = s.config;
  process.stdout.write(
    [
      `Alipay sandbox: ${s.url}`,
      `  legacy gateway   ${s.gatewayUrl}`,
      `  OpenAPI gateway  ${s.openApiUrl}`,
      `  control API      ${s.url}/sandbox/config, /sandbox/ledger, /sandbox/notifications, ...`,
      `  data folder      ${c.dataDir}`,
      `  config           ${c.configFile}`,
      `  partner id       ${c.partnerId}    app id ${c.appId}`,
      `  fee rates        commission ${c.feeRates.commissionBp} bp, Alipay fee ${c.feeRates.alipayFeeBp} bp; time factor ${c.timeFactor}`,
      '  keys:',
      ...Object.entries(c.keyFiles).map(([name, path]) => `    ${name.padEnd(18)} ${path}`),
      '',
    ].join('\n'),
  );
  say('sandbox serving; press Ctrl-C to stop');
  await waitForStopSignal();
  say('stopping the sandbox...');
  await s.stop();
  say('sandbox stopped');
}
