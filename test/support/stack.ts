/**
 * A whole product stack for tests, on loopback and free ports: a Temporal server (time-skipping by default), the
 * sandbox gateway (its clock following the test server's time, notifications delivered on flush), the webhook,
 * and a worker with the real activities. Everything is stopped by `stop()`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { createActivities, type GatewayConfig } from '../../activities';
import { WitkeyTasks, type PublishInput } from '../../client/tasks';
import { buildWebhook } from '../../client/webhook/server';
import { siteSettingsForSandbox } from '../../cli/sandbox-gateway';
import { freePort } from '../../devstack/ports';
import type { StartedServer } from '../../devstack/servers';
import { startSandbox, type Sandbox } from '../../sandbox';
import { clientTracing, type Tracing } from '../../tracing';
import { witkeyWorkflowOptions } from '../../worker';
import { quietBundlerLogger } from '../../worker/create-worker';
import { BUNDLE_SOURCES } from '../../worker/prebuilt-bundle';
import { taskWorkflowId, type TaskResult, type TaskView } from '../../workflows/messages';
import { saveHistory } from './histories';
import { devServer, timeSkippingServer } from './servers';

/** The publish input of a plain test task: titled by its id, 10,000 fen, no value-added fee. */
export function plainTask(
  outerTaskId: string,
  publisherAlipayUserId: string,
  expiresAtMs: number,
  bountyFen = 10_000,
): PublishInput {
  return {
    outerTaskId,
    title: outerTaskId,
    taskType: 'DESIGN',
    publisherId: 'pub',
    publisherAlipayUserId,
    bountyFen,
    valueAddedFeeFen: 0,
    expiresAtMs,
  };
}

export interface TestStack {
  server: StartedServer;
  sandbox: Sandbox;
  webhook: FastifyInstance;
  webhookUrl: string;
  tasks: WitkeyTasks;
  /** The client the webhook and `tasks` use. */
  client: Client;
  /** The worker's gateway settings, read by the activities at every call: a change applies at once. */
  gateway: GatewayConfig;
  taskQueue: string;
  /** Where the worker writes the audit records of closed tasks. */
  auditDir: string;
  /** Server time (the test server's clock on the time-skipping server). */
  now(): Promise<number>;
  /** Deliver the sandbox's due notifications to the webhook, repeatedly until none is due. */
  flush(): Promise<number>;
  /** Let server time pass (time-skipping: instantly), delivering notifications as they fall due. */
  pass(ms: number): Promise<void>;
  result(outerTaskId: string): Promise<TaskResult>;
  status(outerTaskId: string): Promise<TaskView>;
  /** Saves the task's history for the replay tests (only with WITKEY_RECORD_HISTORIES set). */
  saveHistory(outerTaskId: string, name: string): Promise<void>;
  /** Stops the worker abruptly (its activities are abandoned), and starts a fresh one. */
  crashWorker(): Promise<void>;
  startWorker(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestStack(
  opts: {
    timeSkipping?: boolean;
    resendWindowMs?: number;
    tracing?: Tracing;
    /** The webhook asks the sandbox's notify_verify before accepting a notification (as ALIPAY_NOTIFY_VERIFY). */
    notifyVerify?: boolean;
    /** The workers' workflow interceptors instead of the bundle's (a test of one guard without the other). */
    workflowInterceptorModules?: string[];
  } = {},
): Promise<TestStack> {
  const timeSkipping = opts.timeSkipping ?? true;
  const server = timeSkipping ? await timeSkippingServer() : await devServer();
  // The webhook's and the tasks API's client: a plain one, as a deployment has (traced when asked). Not the
  // environment's time-skipping client: its result() unlocks the server's clock while it waits, and concurrent
  // reads of closed tasks' results unbalance the test server's lock (the clock races ahead, calls hang).
  const client = new Client({
    connection: server.env.connection,
    namespace: server.namespace,
    ...(opts.tracing ? { interceptors: clientTracing(opts.tracing) } : {}),
  });
  const dataDir = await mkdtemp(join(tmpdir(), 'witkey-stack-'));
  const sandbox = await startSandbox({ dataDir, clock: { now: () => server.env.currentTimeMs() }, autoDeliver: false });
  const taskQueue = `stack-${process.pid}-${Date.now()}`;
  // the activities need the webhook's URL (notify_url, return_url) before it listens
  const port = await freePort();
  const webhookUrl = `http://127.0.0.1:${port}`;
  const settings = siteSettingsForSandbox(sandbox.publicConfig(), webhookUrl);
  const webhook = buildWebhook({
    client,
    taskQueue,
    inbound: settings.inbound,
    ...(opts.notifyVerify
      ? {
          notifyVerify: {
            gatewayUrl: settings.gateway.gatewayUrl,
            partner: settings.gateway.partner,
            timeoutMs: 15_000,
          },
        }
      : {}),
    logger: process.env.WITKEY_TEST_VERBOSE ? { level: 'info' } : false,
    ...(opts.tracing ? { tracer: opts.tracing.tracer } : {}),
  });
  await webhook.listen({ host: '127.0.0.1', port });
  const workflowOptions = await witkeyWorkflowOptions(opts.tracing);
  if (opts.workflowInterceptorModules)
    workflowOptions.workflowBundle = await bundleWorkflowCode({
      workflowsPath: BUNDLE_SOURCES.workflowsPath,
      workflowInterceptorModules: opts.workflowInterceptorModules,
      logger: quietBundlerLogger,
    });
  const newWorker = async (): Promise<{ worker: Worker; running: Promise<void> }> => {
    const worker = await Worker.create({
      connection: server.env.nativeConnection,
      namespace: server.namespace,
      taskQueue,
      ...workflowOptions,
      activities: createActivities(settings.gateway, { auditDir: join(dataDir, 'audit') }),
      // a crash test restarts workers: a short timeout lets the new one take over an abandoned activity soon
      shutdownGraceTime: '100ms',
    });
    return { worker, running: worker.run() };
  };
  let current = await newWorker();
  const tasks = new WitkeyTasks(client, {
    taskQueue,
    feeRates: sandbox.config.feeRates,
    auditDir: join(dataDir, 'audit'),
    settings: { resendWindowMs: opts.resendWindowMs ?? 86_400_000 },
  });

  const flush = async (): Promise<number> => {
    let total = 0;
    for (let i = 0; i < 20; i++) {
      const attempts = await sandbox.flushNotifications();
      total += attempts.length;
      if (attempts.length === 0) break;
    }
    return total;
  };

  return {
    server,
    sandbox,
    webhook,
    webhookUrl,
    tasks,
    client,
    gateway: settings.gateway,
    taskQueue,
    auditDir: join(dataDir, 'audit'),
    now: () => server.env.currentTimeMs(),
    flush,
    async pass(ms) {
      await server.env.sleep(ms);
      // timers that fired start workflow tasks and activities a moment later: deliver until two quiet rounds
      for (let quiet = 0; quiet < 2;) {
        await new Promise((r) => setTimeout(r, 100));
        quiet = (await flush()) === 0 ? quiet + 1 : 0;
      }
    },
    result: (id) => server.env.client.workflow.getHandle(taskWorkflowId(id)).result() as Promise<TaskResult>,
    status: (id) => tasks.status(id),
    saveHistory: (id, name) => saveHistory(server.env.client, id, name),
    async crashWorker() {
      // a shutdown without waiting for activities to finish: what a killed process leaves behind
      current.worker.shutdown();
      await current.running.catch(() => undefined);
    },
    async startWorker() {
      current = await newWorker();
    },
    async stop() {
      if (current.worker.getState() === 'RUNNING') current.worker.shutdown();
      await current.running.catch(() => undefined);
      await webhook.close();
      await sandbox.stop();
      await server.env.teardown();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
