/**
 * One worker process for `npm run bench -- worker-start`: started fresh for every measurement, it connects, takes
 * its workflow bundle — the pre-built one (`witkeyWorkflowBundle()`, dist/workflow-bundle) or webpack's at start
 * (`bundleWorkflowCode`) — and polls until the parent, having seen its first workflow task done, stops it.
 *   node dist/bench/worker-start-child.js <prebuilt|webpack> <address> <namespace> <taskQueue>
 */
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { workerTracing } from '../tracing';
import { witkeyWorkflowBundle } from '../worker';
import { quietBundlerLogger } from '../worker/create-worker';
import { BUNDLE_SOURCES } from '../worker/prebuilt-bundle';

async function main([mode, address, namespace, taskQueue]: string[]): Promise<void> {
  // ERROR: the worker's "no activities registered" warning is expected (the measured workflow calls none)
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const workflowBundle =
    mode === 'webpack'
      ? await bundleWorkflowCode({ ...BUNDLE_SOURCES, logger: quietBundlerLogger })
      : await witkeyWorkflowBundle();
  const connection = await NativeConnection.connect({ address });
  // the sinks every witkey worker registers (the workflows' tracing exporter), whichever bundle
  const worker = await Worker.create({ connection, namespace, taskQueue, workflowBundle, ...workerTracing() });
  process.once('SIGTERM', () => worker.shutdown());
  await worker.run();
  await connection.close();
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`worker-start child: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
