/** `witkey sandbox`: run the local Alipay gateway emulator as its own process until Ctrl-C. */
import { join, resolve } from 'node:path';
import { startSandbox } from '../../sandbox';
import { str, type Values } from '../args';
import type { CommandSpec } from '../command';
import { STACK_DEFAULTS } from '../config';
import { UsageError } from '../input-errors';
import { parseBasisPoints, parsePort } from '../parse';
import { say, waitForStopSignal } from '../output';
import { createLogger, loadTelemetrySettings } from '../telemetry';

export const sandboxCommand: CommandSpec = {
  summary: 'run the local Alipay gateway emulator alone',
  help: `witkey sandbox [--data-dir DIR] [--host H] [--port N] [--time-factor F] [--commission-bp N] [--alipay-fee-bp N] [--manual-delivery]

Runs the local Alipay gateway emulator (legacy gateway.do, OpenAPI, cashier and admin pages, notifier with
resends, fault injection, control and inspection API under /sandbox/). On first start in an empty data folder
it generates Alipay's and the partner's keys and writes sandbox.json; later starts reuse them and resume pending
notification resends. See docs/SANDBOX.md.

  --data-dir DIR       where keys, sandbox.json and state.sqlite live (default env WITKEY_SANDBOX_DIR, else
                       WITKEY_DATA_DIR/sandbox, else .data/sandbox in the project: the folder "witkey up" uses)
  --host H             listen address (default 127.0.0.1)
  --port N             port (default 8290, env WITKEY_SANDBOX_PORT; 0 = any free port)
  --time-factor F      divide the resend schedule (2m, 10m, ... 15h) by F for demos (default: sandbox.json, else 1)
  --commission-bp N    platform commission in basis points (default env WITKEY_COMMISSION_BP, else sandbox.json,
                       else 1000): the same rate as the site's, so that both ledgers agree
  --alipay-fee-bp N    Alipay's fee in basis points (default env WITKEY_ALIPAY_FEE_BP, else sandbox.json, else 100)
  --manual-delivery    do not deliver notifications on a timer (only POST /sandbox/notifications/flush)

Its log (every notification attempt with the task's outerTaskId, gateway errors) is JSON lines on stdout after the
summary (WITKEY_LOG_FILE: to that file; WITKEY_LOG_LEVEL, default info); progress lines on stderr.`,
  options: {
    'data-dir': { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string' },
    'time-factor': { type: 'string' },
    'commission-bp': { type: 'string' },
    'alipay-fee-bp': { type: 'string' },
    'manual-delivery': { type: 'boolean' },
  },
  run: (v) => sandbox(v),
};

async function sandbox(flags: Values): Promise<void> {
  const env = process.env;
  const logger = createLogger(loadTelemetrySettings(env)).child({ component: 'sandbox' });
  const dataDir = resolve(
    str(flags, 'data-dir') ??
      (env.WITKEY_SANDBOX_DIR || join(env.WITKEY_DATA_DIR || STACK_DEFAULTS.dataDir, 'sandbox')),
  );
  const host = str(flags, 'host') ?? '127.0.0.1';
  const port =
    parsePort('--port', str(flags, 'port'), { anyFree: true }) ??
    parsePort('WITKEY_SANDBOX_PORT', env.WITKEY_SANDBOX_PORT, { anyFree: true }) ??
    8290;
  const timeFactorRaw = str(flags, 'time-factor');
  let timeFactor: number | undefined;
  if (timeFactorRaw !== undefined) {
    timeFactor = Number(timeFactorRaw);
    if (timeFactorRaw.trim() === '' || !Number.isFinite(timeFactor) || timeFactor <= 0)
      throw new UsageError(`--time-factor=${JSON.stringify(timeFactorRaw)} must be a positive number`);
  }
  const commissionBp =
    parseBasisPoints('--commission-bp', str(flags, 'commission-bp')) ??
    parseBasisPoints('WITKEY_COMMISSION_BP', env.WITKEY_COMMISSION_BP);
  const alipayFeeBp =
    parseBasisPoints('--alipay-fee-bp', str(flags, 'alipay-fee-bp')) ??
    parseBasisPoints('WITKEY_ALIPAY_FEE_BP', env.WITKEY_ALIPAY_FEE_BP);
  const feeRates = {
    ...(commissionBp !== undefined ? { commissionBp } : {}),
    ...(alipayFeeBp !== undefined ? { alipayFeeBp } : {}),
  };

  const s = await startSandbox({
    dataDir,
    host,
    port,
    ...(timeFactor !== undefined ? { timeFactor } : {}),
    ...(Object.keys(feeRates).length > 0 ? { feeRates } : {}),
    autoDeliver: flags['manual-delivery'] !== true,
    log: (line, fields) => logger.info(fields ?? {}, line),
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
