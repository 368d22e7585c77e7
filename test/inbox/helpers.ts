/** The inbox tests' harness: a dev server, the witkey worker, the client API, and notifications no task takes. */
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { WitkeyTasks, type InboxItem } from '../../client/tasks';
import type { StartedServer } from '../../devstack/servers';
import { witkeyWorkflowOptions } from '../../worker';
import type { TaskNotification } from '../../workflows/messages';
import { devServer, timeSkippingServer } from '../support/servers';

export interface InboxHarness {
  server: StartedServer;
  tasks: WitkeyTasks;
  taskQueue: string;
  /** Starts a worker on `taskQueue` with the witkey workflows (default) or the fixtures' (old inbox, stand-ins). */
  worker(taskQueue: string, which?: 'witkey' | 'fixtures'): Promise<{ stop(): Promise<void> }>;
  stop(): Promise<void>;
}

let fixtures: Promise<WorkflowBundleWithSourceMap> | undefined;
const quiet = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (m: string) => process.stderr.write(`${m}\n`),
};

/** A dev server (with `dynamicConfig`), or the time-skipping test server (no list queries, no counting). */
export async function startInboxHarness(
  dynamicConfig: Record<string, string | number | boolean> = {},
  opts: { timeSkipping?: boolean } = {},
): Promise<InboxHarness> {
  const server = opts.timeSkipping ? await timeSkippingServer() : await devServer({ dynamicConfig });
  const taskQueue = `inbox-${process.pid}-${Date.now()}`;
  const stops: (() => Promise<void>)[] = [];
  const worker = async (queue: string, which: 'witkey' | 'fixtures' = 'witkey') => {
    const workflows =
      which === 'witkey'
        ? await witkeyWorkflowOptions()
        : {
            workflowBundle: await (fixtures ??= bundleWorkflowCode({
              workflowsPath: require.resolve('./fixtures/workflows'),
              logger: quiet,
            })),
          };
    const w = await Worker.create({
      connection: server.env.nativeConnection,
      namespace: server.namespace,
      taskQueue: queue,
      ...workflows,
      shutdownGraceTime: '100ms',
    });
    const running = w.run();
    let stopped = false;
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      w.shutdown();
      await running;
    };
    stops.push(stop);
    return { stop };
  };
  await worker(taskQueue);
  const tasks = new WitkeyTasks(server.env.client, { taskQueue, feeRates: { commissionBp: 1000, alipayFeeBp: 100 } });
  return {
    server,
    tasks,
    taskQueue,
    worker,
    stop: async () => {
      for (const s of stops.reverse()) await s();
      await server.env.teardown();
    },
  };
}

/** A verified task_freeze for a task no workflow knows (money: the publisher paid `amountFen`). */
export function orphanFreeze(notifyId: string, outerTaskId: string, amountFen = 1_000): TaskNotification {
  return {
    notifyId,
    notifyTime: Date.now(),
    via: 'notify',
    event: {
      type: 'task_freeze',
      partner: '2088000000000001',
      outerTaskId,
      outerTaskFreezeNo: `F${outerTaskId}`,
      taskAmountFen: amountFen,
      paidTime: Date.now() - 60_000,
      alipayUserId: '2088100000000001',
    },
  };
}

export { eventually } from '../support/eventually';

/** Every open item, page by page; also the size of each page. */
export async function listAll(tasks: WitkeyTasks, limit: number): Promise<{ items: InboxItem[]; pages: number[] }> {
  const items: InboxItem[] = [];
  const pages: number[] = [];
  let pageToken: string | undefined;
  for (let i = 0; i < 1000; i++) {
    const page = await tasks.inbox({ limit, ...(pageToken ? { pageToken } : {}) });
    items.push(...page.items);
    pages.push(page.items.length);
    pageToken = page.nextPageToken;
    if (!pageToken) break;
  }
  return { items, pages };
}

/** Runs `fn` over `xs`, `concurrency` at a time. */
export async function pool<T, R>(
  xs: readonly T[],
  concurrency: number,
  fn: (x: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(xs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, xs.length) }, async () => {
      while (next < xs.length) {
        const i = next++;
        out[i] = await fn(xs[i], i);
      }
    }),
  );
  return out;
}
