/**
 * Worker start-up: the workflow bundle (built once per process) and the activities, wired to a connection.
 * Configuration arrives as plain typed objects; nothing here reads process.env.
 */
import { bundleWorkflowCode, NativeConnection, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { TaskActivities } from '../activities';

export interface WorkerSettings {
  namespace: string;
  taskQueue: string;
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** The witkey workflows bundled with webpack, once per process (bundling takes seconds). */
export function witkeyWorkflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: quietBundlerLogger });
  return bundle;
}

const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => process.stderr.write(`[bundler] ${message}\n`),
  error: (message: string) => process.stderr.write(`[bundler] ${message}\n`),
};

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
    workflowBundle: await witkeyWorkflowBundle(),
    activities,
  });
}
