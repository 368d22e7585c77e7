/**
 * Worker start-up: the workflow bundle (built once per process) and the activities, wired to a connection.
 * Configuration arrives as plain typed objects; nothing here reads process.env.
 */
import type { DataConverter } from '@temporalio/common';
import {
  bundleWorkflowCode,
  NativeConnection,
  Worker,
  type WorkerOptions,
  type WorkflowBundleOption,
} from '@temporalio/worker';
import { workerTracing, type Tracing } from '../tracing';
import type { TaskActivities } from '../activities';
import { prebuiltBundle, BUNDLE_SOURCES } from './prebuilt-bundle';

export interface WorkerSettings {
  namespace: string;
  taskQueue: string;
  /**
   * The data converter of every client of the same tasks (codec/data-converter.ts: the encryption codec when keys
   * are configured). Its codecs run outside the workflow sandbox; the workflow bundle is the same either way.
   */
  dataConverter?: DataConverter;
  /** OpenTelemetry (tracing/): off by default; the workflows' spans are dropped then. */
  tracing?: Tracing;
  /** Tasks kept in memory between their workflow tasks (cli/worker-memory.ts); the SDK's default when unset. */
  maxCachedWorkflows?: number;
}

let bundle: Promise<WorkflowBundleOption> | undefined;

/**
 * The witkey workflows' bundle: the one `npm run build` made (dist/workflow-bundle/), or, when there is none made
 * from the compiled code as it is now, bundled with webpack once per process (seconds), saying why on stderr.
 */
export function witkeyWorkflowBundle(): Promise<WorkflowBundleOption> {
  bundle ??= (async () => {
    const prebuilt = prebuiltBundle();
    if ('codePath' in prebuilt) return prebuilt;
    process.stderr.write(`[bundler] ${prebuilt.stale}: bundling now\n`);
    return bundleWorkflowCode({ ...BUNDLE_SOURCES, logger: quietBundlerLogger });
  })();
  return bundle;
}

export const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => process.stderr.write(`[bundler] ${message}\n`),
  error: (message: string) => process.stderr.write(`[bundler] ${message}\n`),
};

/**
 * The workflow half of every worker's options: the bundle and what the bundle needs of the worker (the sink of the
 * workflows' tracing spans; with tracing on, the activities' interceptors). Tests' workers take it too.
 */
export async function witkeyWorkflowOptions(
  tracing?: Tracing,
): Promise<Pick<WorkerOptions, 'workflowBundle' | 'sinks' | 'interceptors'>> {
  return { workflowBundle: await witkeyWorkflowBundle(), ...workerTracing(tracing) };
}

export async function createWitkeyWorker(
  connection: NativeConnection,
  settings: WorkerSettings,
  /** The bounty task's activities, wired with their configuration (activities/index.ts, createActivities). */
  activities: TaskActivities,
): Promise<Worker> {
  return Worker.create({
    connection,
    namespace: settings.namespace,
    taskQueue: settings.taskQueue,
    ...(await witkeyWorkflowOptions(settings.tracing)),
    activities,
    ...(settings.dataConverter ? { dataConverter: settings.dataConverter } : {}),
    ...(settings.maxCachedWorkflows ? { maxCachedWorkflows: settings.maxCachedWorkflows } : {}),
  });
}
