/**
 * The model test's view of a test stack (test/support/stack.ts: time-skipping server, sandbox, webhook, worker),
 * with what a model run needs on top and nothing changed underneath: facts about a task's workflow (status, pending
 * activities, history length), a `settle` that waits until nothing moves any more (notifications delivered, activities
 * done, history still), time jumps, worker restarts, and the operators' inbox whatever its page shape.
 */
import { untilAnswered } from '../../client/retries';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { WitkeyTasks } from '../../client/tasks';
import { buildWebhook } from '../../client/webhook/server';
import { siteSettingsForSandbox } from '../../cli/sandbox-gateway';
import { freePort } from '../../devstack/ports';
import { startSandbox } from '../../sandbox';
import { witkeyWorkflowOptions } from '../../worker';
import type { TaskResult, TaskView } from '../../workflows/messages';
import { taskWorkflowId } from '../../workflows/messages';
import { saveHistory } from '../support/histories';
import { timeSkippingServer } from '../support/servers';
import type { TestStack } from '../support/stack';

export const RESEND_WINDOW_MS = 86_400_000; // what startTestStack gives the workflow (settings.resendWindowMs)
export const PAYMENT_TIMEOUT_MS = 2 * 3_600_000; // the workflow's default payment deadline

export interface PendingActivityFact {
  type: string;
  state: number;
  attempt: number;
  lastFailure?: string;
}

export interface WorkflowFacts {
  /** RUNNING, COMPLETED, FAILED, TERMINATED, CONTINUED_AS_NEW, TIMED_OUT, CANCELLED. */
  status: string;
  pendingActivities: PendingActivityFact[];
  historyLength: number;
  runId: string;
}

export interface InboxEntry {
  notifyId: string;
  outerTaskId?: string;
  reason?: string;
  resolved: boolean;
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A promise with a deadline: a harness step that does not answer in `ms` is a finding, not a hang of the run. */
export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StepTimeout(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export class StepTimeout extends Error {
  override name = 'StepTimeout';
}

/**
 * The Java time-skipping server sometimes records a workflow task's update events in an order the SDK cannot replay
 * ("[TMPRL1100] Nondeterminism error: Update machine does not handle this event"); the model's cache-less workers
 * replay on every task, so the task is stuck from then on, and its failing task also stops server time. Such a
 * sequence proves nothing either way: it is counted as inconclusive, and the task is terminated.
 */
export class Inconclusive extends Error {
  override name = 'Inconclusive';
}

export const TEST_SERVER_REPLAY_ARTEFACT = /Update machine does not handle this event/;

export class ModelStack {
  /** Sequences run on this stack (the long run starts a fresh stack every so often). */
  sequences = 0;
  /** Set by the sequence watchdog: every loop here stops at its next turn. */
  aborted = false;

  private checkAborted(): void {
    if (this.aborted) throw new StepTimeout('the sequence ran out of time (watchdog)');
  }
  private constructor(readonly stack: ModelTestStack) {}

  static async start(): Promise<ModelStack> {
    return new ModelStack(await startModelTestStack());
  }

  get sandbox(): TestStack['sandbox'] {
    return this.stack.sandbox;
  }

  get tasks(): TestStack['tasks'] {
    return this.stack.tasks;
  }

  now(): Promise<number> {
    return this.stack.now();
  }

  private handle(outerTaskId: string) {
    return this.stack.client.workflow.getHandle(taskWorkflowId(outerTaskId));
  }

  /** Status, pending activities and history length of the task's current run; undefined if there is no workflow. */
  async facts(outerTaskId: string): Promise<WorkflowFacts | undefined> {
    try {
      const d = await withTimeout(this.handle(outerTaskId).describe(), 30_000, `describe ${outerTaskId}`);
      const raw = d.raw;
      return {
        status: d.status.name,
        historyLength: Number(raw.workflowExecutionInfo?.historyLength ?? 0),
        runId: d.runId,
        pendingActivities: (raw.pendingActivities ?? []).map((a) => ({
          type: a.activityType?.name ?? '?',
          state: Number(a.state ?? 0),
          attempt: Number(a.attempt ?? 0),
          ...(a.lastFailure?.message ? { lastFailure: a.lastFailure.message } : {}),
        })),
      };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }

  /** The task's state: the `state` query while it runs, its result's view once it completed. */
  async view(outerTaskId: string): Promise<TaskView | undefined> {
    const facts = await this.facts(outerTaskId);
    if (!facts) return undefined;
    if (facts.status === 'COMPLETED') return (await this.result(outerTaskId))?.view;
    if (facts.status !== 'RUNNING') return undefined;
    return withTimeout(this.stack.status(outerTaskId), 30_000, `state query of ${outerTaskId}`);
  }

  async result(outerTaskId: string): Promise<TaskResult | undefined> {
    const facts = await this.facts(outerTaskId);
    if (facts?.status !== 'COMPLETED') return undefined;
    return (await withTimeout(this.handle(outerTaskId).result(), 30_000, `result of ${outerTaskId}`)) as TaskResult;
  }

  /**
   * Workflow tasks of the task's current run that failed because of the workflow code (an exception in a workflow
   * task, non-determinism): EVENT_TYPE_WORKFLOW_TASK_FAILED (9) with cause WORKFLOW_WORKER_UNHANDLED_FAILURE (14) or
   * NON_DETERMINISTIC_ERROR (24). Other causes (an update or signal racing the completion) are the server's business.
   */
  async workflowTaskFailures(outerTaskId: string): Promise<string[]> {
    const history = await withTimeout(this.handle(outerTaskId).fetchHistory(), 30_000, `history of ${outerTaskId}`);
    const out: string[] = [];
    for (const e of history.events ?? []) {
      if (Number(e.eventType) !== 9) continue;
      const a = e.workflowTaskFailedEventAttributes;
      const cause = Number(a?.cause ?? 0);
      if (cause === 14 || cause === 24)
        out.push(`${cause === 24 ? 'non-determinism' : 'workflow code failed'}: ${a?.failure?.message ?? '?'}`);
    }
    return out;
  }

  /** Delivers the sandbox's due notifications until none is due; the number of attempts. */
  async deliver(): Promise<number> {
    return this.stack.flush();
  }

  /** Lets server time pass (instantly on the time-skipping server); the workflows' timers fire on the way. */
  async sleep(ms: number): Promise<void> {
    if (ms <= 0) return;
    // one jump at a time (a jump and a nudge running together could leave the server waiting for both)
    const run = (): Promise<void> =>
      withTimeout(this.stack.server.env.sleep(Math.ceil(ms)), 60_000, `time jump of ${Math.ceil(ms)} ms`);
    const next = this.sleeping.then(run, run);
    this.sleeping = next.catch(() => undefined);
    await next;
  }
  private sleeping: Promise<unknown> = Promise.resolve();

  /**
   * Lets `ms` of server time pass the way it passes with Alipay around: the jump stops at every moment a notification
   * of the given tasks falls due (first attempts and resends), and the due notifications are delivered then, not all at
   * the end. Returns the number of delivery attempts.
   */
  async advance(ms: number, outerTaskIds: string[]): Promise<number> {
    const target = (await this.now()) + ms;
    let attempts = 0;
    for (let i = 0; i < 500; i++) {
      this.checkAborted();
      const now = await this.now();
      const due = Math.min(
        ...outerTaskIds.flatMap((id) =>
          this.sandbox
            .notifications({ outerTaskId: id, status: 'pending' })
            .map((n) => n.dueAt ?? Number.POSITIVE_INFINITY),
        ),
      );
      const next = Math.min(due, target);
      if (next > now) await this.sleep(next - now);
      attempts += await this.deliver();
      if (next >= target) break;
    }
    return attempts;
  }

  /**
   * Waits until nothing moves for the given tasks: due notifications delivered (unless `deliver: false`), no activity
   * pending, history length unchanged over two polls. An activity that stays pending (retry backoff, or an attempt abandoned by a killed
   * worker waiting for its timeout) is helped along with short time jumps, growing up to 10 minutes.
   */
  async settle(
    outerTaskIds: string[],
    opts: { maxWallMs?: number; deliver?: boolean } = {},
  ): Promise<{ quiet: boolean; nudgedMs: number }> {
    const deadline = Date.now() + (opts.maxWallMs ?? 45_000);
    let last = '';
    let quiet = 0;
    let pendingSince: number | undefined;
    let nudge = 2_000;
    let nudgedMs = 0;
    while (Date.now() < deadline) {
      this.checkAborted();
      const delivered = opts.deliver === false ? 0 : await this.deliver();
      const facts = await Promise.all(outerTaskIds.map((id) => this.facts(id)));
      const pending = facts.some((f) => f && f.pendingActivities.length > 0);
      if (pending) {
        quiet = 0;
        pendingSince ??= Date.now();
        if (Date.now() - pendingSince > 600) {
          await this.sleep(nudge);
          nudgedMs += nudge;
          nudge = Math.min(nudge * 2, 600_000);
        } else {
          await delay(60);
        }
        continue;
      }
      pendingSince = undefined;
      nudge = 2_000;
      const fp = facts.map((f) => (f ? `${f.runId}:${f.status}:${f.historyLength}` : '-')).join('|');
      quiet = delivered === 0 && fp === last ? quiet + 1 : 0;
      last = fp;
      if (quiet >= 2) return { quiet: true, nudgedMs };
      await delay(60);
    }
    return { quiet: false, nudgedMs };
  }

  /** Writes the task's history (JSON, as the Web UI downloads it) to `dir`; returns the file. */
  async dumpHistory(outerTaskId: string, dir: string): Promise<string> {
    const history = await this.handle(outerTaskId).fetchHistory();
    await mkdir(dir, { recursive: true });
    const file = join(dir, `${outerTaskId}.history.json`);
    await writeFile(file, historyToJSON(history));
    return file;
  }

  /** Ends a task's workflow (after its sequence: its later timers must not run into the next sequences). */
  async terminate(outerTaskId: string, reason: string): Promise<void> {
    await withTimeout(this.handle(outerTaskId).terminate(reason), 30_000, `terminate ${outerTaskId}`).catch(
      () => undefined,
    );
  }

  /**
   * Whether the task is stuck on an artefact of the Java test server rather than on its own code: its workflow tasks
   * fail on the update replay artefact (a query shows it), or a workflow task stays started and never completes or
   * times out (seen after a worker kill: server time then stops, and every time jump waits forever).
   */
  async serverArtefact(outerTaskId: string): Promise<string | undefined> {
    try {
      await withTimeout(
        untilAnswered(() => this.handle(outerTaskId).query('state')),
        15_000,
        'query',
      );
    } catch (err) {
      const message = (err as Error)?.message ?? '';
      if (TEST_SERVER_REPLAY_ARTEFACT.test(message)) return message;
    }
    try {
      const first = await withTimeout(this.handle(outerTaskId).fetchHistory(), 15_000, 'history');
      const last = first.events?.[first.events.length - 1];
      if (Number(last?.eventType) !== 6) return undefined; // EVENT_TYPE_WORKFLOW_TASK_STARTED
      await delay(3_000);
      const again = await withTimeout(this.handle(outerTaskId).fetchHistory(), 15_000, 'history');
      if ((again.events?.length ?? 0) === (first.events?.length ?? 0))
        return `the test server keeps workflow task ${String(last?.eventId)} started and never completes or times it out`;
    } catch {
      return undefined;
    }
    return undefined;
  }

  /** Stops the worker abruptly (activities abandoned) and starts a new one. */
  async restartWorker(): Promise<void> {
    await this.stack.crashWorker();
    await this.stack.startWorker();
  }

  /**
   * Every item of the operators' inbox. `WitkeyTasks.inbox()` returned an array; it is becoming a page
   * `{ items, nextPageToken }` read from the visibility store: both are read here, every page.
   */
  async inbox(): Promise<InboxEntry[]> {
    const tasks = this.stack.tasks as unknown as {
      inbox(options?: { limit?: number; pageToken?: string }): Promise<unknown>;
    };
    const out: InboxEntry[] = [];
    let pageToken: string | undefined;
    for (let page = 0; page < 100; page++) {
      const answer = await tasks.inbox(pageToken ? { limit: 1000, pageToken } : { limit: 1000 });
      const items = (Array.isArray(answer) ? answer : ((answer as { items?: unknown[] }).items ?? [])) as Array<
        Record<string, unknown>
      >;
      for (const item of items) {
        const n = item.notification as { notifyId?: string; event?: { outerTaskId?: string } } | undefined;
        const task = item.task as { outerTaskId?: string } | undefined;
        const notifyId = n?.notifyId ?? (item.notifyId as string | undefined);
        if (!notifyId) continue;
        out.push({
          notifyId,
          outerTaskId: n?.event?.outerTaskId ?? task?.outerTaskId ?? (item.outerTaskId as string | undefined),
          reason: item.reason as string | undefined,
          resolved: item.resolution !== undefined,
        });
      }
      pageToken = Array.isArray(answer) ? undefined : (answer as { nextPageToken?: string }).nextPageToken;
      if (!pageToken) break;
    }
    return out;
  }

  async stop(): Promise<void> {
    await this.stack.stop();
  }
}

/**
 * test/support/stack.ts's startTestStack, with two differences. (1) Every client call goes through a plain client, not
 * the time-skipping environment's: that one unlocks time skipping while it waits for a result, and even the result of
 * an already completed workflow (`WitkeyTasks.status`, the webhook delivering a late notification) let the server jump
 * to its next timer, ten years ahead when an open task has none (the default run timeout) — measured here. Server time
 * now moves only by `sleep`. (2) The workers keep no workflow cache
 * (`maxCachedWorkflows: 0`, so no sticky task queue). On the Java time-skipping server a query (and an update) sent
 * after a worker was killed goes to the dead worker's sticky queue and never comes back (measured: still no answer
 * after 5 minutes; a real server falls back to the normal queue after the sticky timeout). Without a cache every
 * workflow task replays the task's history from the start, which also checks determinism at every step.
 */
export type ModelTestStack = TestStack & {
  /** A client without the time-skipping interceptor: only `sleep` moves server time. */
  client: Client;
};

export async function startModelTestStack(): Promise<ModelTestStack> {
  const server = await timeSkippingServer();
  const client = new Client({ connection: server.env.connection, namespace: server.namespace });
  const dataDir = await mkdtemp(join(tmpdir(), 'witkey-model-'));
  const sandbox = await startSandbox({ dataDir, clock: { now: () => server.env.currentTimeMs() }, autoDeliver: false });
  const taskQueue = `model-${process.pid}-${Date.now()}`;
  const port = await freePort();
  const webhookUrl = `http://127.0.0.1:${port}`;
  const settings = siteSettingsForSandbox(sandbox.publicConfig(), webhookUrl);
  const webhook = buildWebhook({
    client,
    taskQueue,
    inbound: settings.inbound,
    logger: process.env.WITKEY_TEST_VERBOSE ? { level: 'info' } : false,
  });
  await webhook.listen({ host: '127.0.0.1', port });
  const auditDir = join(dataDir, 'audit');
  const newWorker = async (): Promise<{ worker: Worker; running: Promise<void> }> => {
    const worker = await Worker.create({
      connection: server.env.nativeConnection,
      namespace: server.namespace,
      taskQueue,
      ...(await witkeyWorkflowOptions()),
      activities: createActivities(settings.gateway, { auditDir }),
      shutdownGraceTime: '100ms',
      maxCachedWorkflows: 0,
    });
    return { worker, running: worker.run() };
  };
  let current = await newWorker();
  const tasks = new WitkeyTasks(client, {
    taskQueue,
    feeRates: sandbox.config.feeRates,
    auditDir,
    settings: { resendWindowMs: RESEND_WINDOW_MS },
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
    client,
    gateway: settings.gateway,
    server,
    sandbox,
    webhook,
    webhookUrl,
    tasks,
    taskQueue,
    auditDir,
    now: () => server.env.currentTimeMs(),
    flush,
    async pass(ms) {
      await server.env.sleep(ms);
      for (let quiet = 0; quiet < 2;) {
        await delay(100);
        quiet = (await flush()) === 0 ? quiet + 1 : 0;
      }
    },
    result: (id) => client.workflow.getHandle(taskWorkflowId(id)).result() as Promise<TaskResult>,
    status: (id) => tasks.status(id),
    saveHistory: (id, name) => saveHistory(client, id, name),
    async crashWorker() {
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
