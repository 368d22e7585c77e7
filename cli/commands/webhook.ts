/** `witkey webhook`: the notify / return webhook alone (real deployments), JSON logs on stdout. */
import { Client } from '@temporalio/client';
import { buildWebhook } from '../../client/webhook/server';
import { str, type Values } from '../args';
import type { CommandSpec } from '../command';
import { ConfigError } from '../input-errors';
import { say, waitForStopSignal } from '../output';
import { dataConverterOf, describeCodec } from '../codec-config';
import { alipaySettings, loadSettings, sandboxUrlOf, workerPolls } from '../runtime';
import { parseHost } from '../site-config';
import { createLogger, loadTelemetrySettings } from '../telemetry';
import { describeTracing, loadTracingSettings, startProcessTracing } from '../tracing-config';
import { clientTracing } from '../../tracing';
import { connectClient, connectPatiently, describeSecurity, startupWaitMs } from '../temporal';

export const webhookCommand: CommandSpec = {
  summary: 'run the Alipay notify / return webhook alone on WITKEY_HTTP_PORT (JSON logs on stdout)',
  help: `witkey webhook [--host H] [--sandbox-url URL]

Serves, on WITKEY_HTTP_PORT (default 8280):
  POST /alipay/notify        Alipay's notifications: verified, delivered durably, answered "success" only after
                             Temporal accepted them; 4xx "fail" when not verified; 503 "fail" when Temporal is down
  GET|POST /alipay/return    the publisher's / admin's browser coming back from Alipay: a small page
  GET /healthz               200 {"status":"ok"} when Temporal answers and a worker polls the task queue, else 503
  GET /metrics               Prometheus: notifications received / verified / refused by reason / delivered /
                             duplicate, delivery latency, tasks per phase and needing attention (docs/OPERATIONS.md)
Logs are JSON lines on stdout (WITKEY_LOG_FILE: to that file; WITKEY_LOG_LEVEL, default info), with the task id
(outerTaskId) on every line about a task. Ctrl-C stops cleanly.

The verification settings come from ALIPAY_PARTNER, ALIPAY_SIGN_TYPE, ALIPAY_PUBLIC_KEY_FILE / ALIPAY_MD5_KEY,
ALIPAY_INPUT_CHARSET and ALIPAY_NOTIFY_VERIFY (with ALIPAY_GATEWAY_URL). Without ALIPAY_GATEWAY_URL it refuses to
start unless pointed at a running sandbox; ALIPAY_SIGN_TYPE, ALIPAY_INPUT_CHARSET and ALIPAY_NOTIFY_VERIFY take
effect with the sandbox too (its keys for that sign type). Notifications go into Temporal encrypted with the keys
of WITKEY_CODEC_KEYS_DIR, the worker's (docs/CODEC.md).

  --host H            listen address (default 127.0.0.1, env WITKEY_HTTP_HOST; 0.0.0.0 behind a proxy)
  --sandbox-url URL   verify with the keys of the running "witkey sandbox" at URL (env WITKEY_SANDBOX_URL)

example: ALIPAY_GATEWAY_URL=https://mapi.alipay.com/gateway.do ALIPAY_PARTNER=2088... witkey webhook --host 0.0.0.0`,
  options: { host: { type: 'string' }, 'sandbox-url': { type: 'string' } },
  run: (v) => webhook(v),
};

async function webhook(v: Values): Promise<void> {
  const settings = loadSettings();
  const telemetry = loadTelemetrySettings();
  const tracingSettings = loadTracingSettings();
  const host = parseHost('--host', str(v, 'host')) ?? settings.site.httpHost;
  const waitMs = startupWaitMs();
  const alipay = await alipaySettings(settings.site, sandboxUrlOf(v['sandbox-url']), { waitMs, onWaiting: say });
  const { stack, site } = settings;
  say(
    `connecting to Temporal at ${settings.address} (${describeSecurity(stack.security)}), namespace ${stack.namespace}...`,
  );
  const connection = await connectPatiently(
    () => connectClient(settings.address, stack.security),
    (err) => say(`${err.message}; trying again for up to ${waitMs / 1000} s`),
    waitMs,
  );
  const tracing = startProcessTracing(tracingSettings, 'witkey-webhook');
  const client = new Client({
    connection,
    namespace: stack.namespace,
    dataConverter: dataConverterOf(settings.codec),
    interceptors: clientTracing(tracing),
  });
  const app = buildWebhook({
    client,
    taskQueue: stack.taskQueue,
    inbound: alipay.inbound,
    notifyVerify: alipay.notifyVerify
      ? { gatewayUrl: alipay.gateway.gatewayUrl, partner: alipay.gateway.partner, timeoutMs: 10_000 }
      : undefined,
    logger: createLogger(telemetry).child({ component: 'webhook' }),
    tracer: tracing.tracer,
    workerPolling: () => workerPolls(client, stack.namespace, stack.taskQueue),
  });
  try {
    const url = await app.listen({ host, port: site.httpPort });
    say(
      `webhook on ${url}: verifying with the ${alipay.source}, notify_verify ${alipay.notifyVerify ? 'on' : 'off (ALIPAY_NOTIFY_VERIFY=false)'}; ${describeCodec(settings.codec)}; ${describeTracing(tracingSettings)}; Alipay calls ${site.publicUrl}/alipay/notify; health at ${url}/healthz, metrics at ${url}/metrics`,
    );
    say('press Ctrl-C to stop');
    await waitForStopSignal();
    say('stopping the webhook (finishing requests in flight)...');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new ConfigError(
        `the webhook port ${site.httpPort} is already in use; choose another with WITKEY_HTTP_PORT.`,
      );
    throw err;
  } finally {
    await app.close();
    await tracing.shutdown().catch(() => undefined);
    await connection.close();
  }
  say('webhook stopped');
}
