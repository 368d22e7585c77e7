/** `witkey up`: the embedded stack on defaults, the scenario end to end, then serve until Ctrl-C. */
import { join } from 'node:path';
import { freePort } from '../../devstack/ports';
import { str, type Values } from '../args';
import type { CommandSpec } from '../command';
import { embeddedCodecKeys, loadCodecKeys, loadCodecServerSettings } from '../codec-config';
import { loadStackConfig, refuseUnusedByEmbeddedStack, type StackFlags } from '../config';
import { DEMO_TIMES, runScenario } from '../demo/scenario';
import { loadSiteConfig } from '../site-config';
import { startStack } from '../stack';
import { say, waitForStopSignal } from '../output';
import { createLogger, installWorkerRuntime, loadTelemetrySettings } from '../telemetry';
import { describeTracing, loadTracingSettings, startProcessTracing } from '../tracing-config';

export const upCommand: CommandSpec = {
  summary: 'the embedded stack (dev server + Web UI, sandbox, worker, webhook), the demo scenario, then serve',
  help: `witkey up [--port N] [--ui-port N] [--data-dir DIR] [--no-demo] [--exit]

Brings up the embedded stack: the Temporal dev server (SQLite persistence under the data folder, Web UI on
--ui-port), the witkey search attributes and namespace retention, the Alipay sandbox (unless ALIPAY_GATEWAY_URL
is set), the worker and the webhook; then runs the demo scenario end to end (time compressed) and prints the
ledger of every task, the sandbox's and the workflow's side by side. Then it serves until Ctrl-C, which stops
everything it started. With TEMPORAL_ADDRESS set, or an address in the Temporal profile (TEMPORAL_PROFILE of
TEMPORAL_CONFIG_FILE, default "default" of ~/.config/temporalio/temporal.toml), it uses that server and starts none.
The JSON logs of the worker, the webhook and the sandbox go to DATA_DIR/logs/witkey.log (or WITKEY_LOG_FILE); the
worker's Prometheus metrics are served on WITKEY_METRICS_ADDR (default: a free loopback port, printed), the
webhook's on its /metrics.

  --port N       Temporal gRPC port (default 7233, env WITKEY_TEMPORAL_PORT)
  --ui-port N    Temporal Web UI port (default 8233, env WITKEY_UI_PORT)
  --data-dir DIR where state is kept (default .data/ in the project, env WITKEY_DATA_DIR)
  --no-demo      do not run the scenario, just serve
  --exit         stop after the scenario instead of serving (exit code 1 if the ledgers differ)

Payloads (task inputs, state, notifications) are encrypted: with the keys of WITKEY_CODEC_KEYS_DIR, else with a
key "embedded" that the first run writes to <data dir>/codec-keys (client commands using the same data folder find
it there). The Web UI decodes them through a codec server on 127.0.0.1:WITKEY_CODEC_PORT (default 8288) that
answers the UI's origin only (docs/CODEC.md). With an existing server, encryption follows WITKEY_CODEC_KEYS_DIR
(or the data folder's codec-keys when it exists) and no codec server is started.

It prints the "export TEMPORAL_ADDRESS=..." line for the client commands of another shell (they also find the
embedded server by WITKEY_TEMPORAL_PORT when TEMPORAL_ADDRESS is unset). Settings it would not use are refused:
TEMPORAL_TLS* / TEMPORAL_API_KEY (or a profile's TLS / API key) without an address, WITKEY_SANDBOX_URL (it starts
its own sandbox).

Other settings (webhook port and host, Alipay keys, fee rates...) come from the environment: see README,
"Configuration".`,
  options: {
    port: { type: 'string' },
    'ui-port': { type: 'string' },
    'data-dir': { type: 'string' },
    exit: { type: 'boolean' },
    'no-demo': { type: 'boolean' },
  },
  run: (v) => up(v),
};

async function up(v: Values): Promise<void> {
  const flags: StackFlags = { port: str(v, 'port'), 'ui-port': str(v, 'ui-port'), 'data-dir': str(v, 'data-dir') };
  const config = loadStackConfig(process.env, flags);
  const telemetry = loadTelemetrySettings(process.env);
  const site = loadSiteConfig(process.env);
  refuseUnusedByEmbeddedStack(process.env, config, !site.alipay);
  const demo = !v['no-demo'];
  if (demo && site.alipay)
    throw new Error('the demo scenario runs against the sandbox only; unset ALIPAY_GATEWAY_URL or pass --no-demo');
  // payloads are encrypted on the embedded dev server by default: with a key made under the data folder once
  const keys = config.temporalAddress
    ? loadCodecKeys(process.env, config.dataDir)
    : embeddedCodecKeys(process.env, config.dataDir);
  if (keys.created) say(`new codec key ${keys.created} (0600; kept with the data folder)`);
  const codecServer = { ...loadCodecServerSettings(process.env, config.uiPort), host: config.ip };
  const t0 = Date.now();
  // the JSON logs of the worker, the webhook and the sandbox go to a file: they would bury the scenario's lines
  const logFile = telemetry.logFile ?? join(config.dataDir, 'logs', 'witkey.log');
  const logger = createLogger(telemetry, logFile);
  const metricsAddr = telemetry.metricsAddr ?? `127.0.0.1:${await freePort()}`;
  installWorkerRuntime(logger.child({ component: 'worker' }), metricsAddr);
  const tracingSettings = loadTracingSettings(process.env);
  const tracing = startProcessTracing(tracingSettings, 'witkey');
  const stack = await startStack(config, site, say, {
    codec: { keys, server: codecServer },
    logger,
    tracing,
    ...(demo
      ? {
          sandboxTimeFactor: DEMO_TIMES.sandboxTimeFactor,
          taskSettings: { resendWindowMs: DEMO_TIMES.resendWindowMs, paymentTimeoutMs: DEMO_TIMES.paymentTimeoutMs },
        }
      : {}),
  });
  let ok = true;
  try {
    say(`stack up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    if (stack.uiUrl) say(`Temporal Web UI: ${stack.uiUrl}/namespaces/${stack.namespace}/workflows`);
    // the client commands of another shell find this server through TEMPORAL_ADDRESS (or WITKEY_TEMPORAL_PORT)
    say(
      `from another shell: export TEMPORAL_ADDRESS=${stack.address}${stack.namespace === 'default' ? '' : ` TEMPORAL_NAMESPACE=${stack.namespace}`}${stack.taskQueue === 'witkey' ? '' : ` WITKEY_TASK_QUEUE=${stack.taskQueue}`}`,
    );
    if (keys.dir && keys.keyring)
      say(
        `payloads are encrypted; from another shell the client commands need the keys: export WITKEY_CODEC_KEYS_DIR=${keys.dir}${keys.keyring.keys.size > 1 ? ` WITKEY_CODEC_KEY_ID=${keys.keyring.currentKeyId}` : ''}${keys.from === 'WITKEY_CODEC_KEYS_DIR' ? '' : ' (or the same WITKEY_DATA_DIR)'}`,
      );
    say(`JSON logs (worker, webhook, sandbox): ${logFile}`);
    say(`metrics (Prometheus): worker http://${metricsAddr}/metrics, webhook ${stack.webhookUrl}/metrics`);
    say(describeTracing(tracingSettings));
    if (demo && stack.sandbox) {
      const result = await runScenario(stack.tasks, stack.sandbox, say);
      process.stdout.write(`\nLedger per task (yuan), workflow and sandbox side by side:\n${result.table}\n\n`);
      ok = result.allEqual;
      say(
        ok
          ? 'scenario complete: the sandbox ledger and the workflow ledger agree to the fen'
          : 'scenario complete, BUT THE LEDGERS DIFFER (see the table)',
      );
    }
    if (v.exit) return;
    if (stack.uiUrl) say(`look at the tasks: ${stack.uiUrl}/namespaces/${stack.namespace}/workflows`);
    say('serving; press Ctrl-C to stop');
    await waitForStopSignal();
    say('stopping...');
  } finally {
    await stack.stop();
    await tracing.shutdown().catch(() => undefined);
    say('stopped');
  }
  if (!ok) process.exitCode = 1;
}
