/** `witkey worker`: the worker alone (real deployments): workflows and the Alipay activities on the task queue. */
import { createActivities } from '../../activities';
import { createWitkeyWorker } from '../../worker';
import type { Values } from '../args';
import type { CommandSpec } from '../command';
import { say, waitForStopSignal } from '../output';
import { dataConverterOf, describeCodec } from '../codec-config';
import { alipaySettings, auditDirOf, loadSettings, sandboxUrlOf } from '../runtime';
import { createLogger, installWorkerRuntime, loadTelemetrySettings } from '../telemetry';
import { describeTracing, loadTracingSettings, startProcessTracing } from '../tracing-config';
import { describeWorkerMemory, heapLimitMiB, maxCachedWorkflowsOf } from '../worker-memory';
import { connectNative, connectPatiently, describeSecurity, startupWaitMs } from '../temporal';

export const workerCommand: CommandSpec = {
  summary: 'run the worker alone (workflows + Alipay activities) against TEMPORAL_ADDRESS',
  help: `witkey worker [--sandbox-url URL]

Runs the witkey worker: the bounty-task and inbox workflows and the activities that call Alipay, polling
WITKEY_TASK_QUEUE (default witkey) in TEMPORAL_NAMESPACE on TEMPORAL_ADDRESS (default localhost:7233; TLS and
API key from TEMPORAL_TLS_* / TEMPORAL_API_KEY; each of them also from a Temporal profile: TEMPORAL_PROFILE,
TEMPORAL_CONFIG_FILE). Ctrl-C lets running activities finish and stops.

The Alipay side comes from ALIPAY_GATEWAY_URL, ALIPAY_PARTNER, ALIPAY_SIGN_TYPE and the key files (README,
"Configuration"). Without ALIPAY_GATEWAY_URL the worker refuses to start unless it is pointed at a running
sandbox: it never falls back to an emulator silently.

  --sandbox-url URL   use the running "witkey sandbox" at URL (env WITKEY_SANDBOX_URL), with the partner keys
                      it generated (its data folder must be readable on this machine)

notify_url / return_url sent to Alipay are WITKEY_PUBLIC_URL/alipay/notify and /alipay/return. The audit record of
every closed task is written to WITKEY_AUDIT_DIR (default WITKEY_DATA_DIR/audit).

Payloads (inputs, results, state, signals) are encrypted with the keys of WITKEY_CODEC_KEYS_DIR (current key
WITKEY_CODEC_KEY_ID); every worker, webhook and client of the same tasks needs the same keys (docs/CODEC.md).

Logs are JSON lines on stdout (WITKEY_LOG_FILE: to that file; WITKEY_LOG_LEVEL, default info), the workflows' and
activities' with the task's outerTaskId; progress lines on stderr. WITKEY_METRICS_ADDR=IP:PORT (e.g.
127.0.0.1:9464) serves the Temporal SDK's Prometheus metrics at http://IP:PORT/metrics (default: none).
WITKEY_MAX_CACHED_WORKFLOWS (default 300) bounds the tasks kept in memory (about 1.6 MiB each). Start the worker
with a heap limit, as docker-compose.yml and "witkey cluster" do: node --max-old-space-size=512 bin/witkey.js worker
(or NODE_OPTIONS=--max-old-space-size=512); with Node's default it says so with a warning.

example: TEMPORAL_ADDRESS=temporal:7233 WITKEY_PUBLIC_URL=https://shop.example.com witkey worker`,
  options: { 'sandbox-url': { type: 'string' } },
  run: (v) => worker(v),
};

async function worker(v: Values): Promise<void> {
  const settings = loadSettings();
  const telemetry = loadTelemetrySettings();
  const tracingSettings = loadTracingSettings();
  const waitMs = startupWaitMs();
  const cacheSize = maxCachedWorkflowsOf();
  const alipay = await alipaySettings(settings.site, sandboxUrlOf(v['sandbox-url']), { waitMs, onWaiting: say });
  installWorkerRuntime(createLogger(telemetry).child({ component: 'worker' }), telemetry.metricsAddr);
  if (telemetry.metricsAddr) say(`worker metrics (Prometheus) on http://${telemetry.metricsAddr}/metrics`);
  const { stack } = settings;
  say(
    `connecting to Temporal at ${settings.address} (${describeSecurity(stack.security)}), namespace ${stack.namespace}...`,
  );
  const connection = await connectPatiently(
    () => connectNative(settings.address, stack.security),
    (err) => say(`${err.message}; trying again for up to ${waitMs / 1000} s`),
    waitMs,
  );
  const tracing = startProcessTracing(tracingSettings, 'witkey-worker');
  try {
    say('bundling the workflows...');
    const w = await createWitkeyWorker(
      connection,
      {
        namespace: stack.namespace,
        taskQueue: stack.taskQueue,
        dataConverter: dataConverterOf(settings.codec),
        tracing,
        maxCachedWorkflows: cacheSize,
      },
      createActivities(alipay.gateway, { auditDir: auditDirOf(settings) }),
    );
    const running = w.run();
    say(
      `worker polling task queue "${stack.taskQueue}"; activities talk to the ${alipay.source}; notify_url ${alipay.gateway.notifyUrl}; audit records in ${auditDirOf(settings)}; ${describeCodec(settings.codec)}; ${describeTracing(tracingSettings)}`,
    );
    const memory = describeWorkerMemory(cacheSize, heapLimitMiB());
    say(`worker memory: ${memory.line}`);
    if (memory.warning) say(`warning: ${memory.warning}`);
    say('press Ctrl-C to stop');
    const stopped = await Promise.race([
      waitForStopSignal().then(() => 'signal' as const),
      running.then(() => 'ended' as const),
    ]);
    if (stopped === 'signal') {
      say('stopping the worker (letting running activities finish)...');
      if (w.getState() === 'RUNNING') w.shutdown(); // the SDK may already have begun on the same signal
    }
    await running;
    say('worker stopped');
  } finally {
    await tracing.shutdown().catch(() => undefined);
    // the SDK releases the worker's hold on the connection a moment after run() resolves
    await connection.close().catch(() => undefined);
  }
}
