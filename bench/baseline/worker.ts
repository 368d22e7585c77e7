/**
 * The baseline worker process (bench/lib/cluster.ts starts it): bench/baseline/workflows.ts bundled on its own at
 * start, no-op activities, the cluster's codec key (payloads encrypted like the witkey worker's, so the comparison
 * does not count encryption as the task's own cost). Configured by TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
 * WITKEY_TASK_QUEUE and WITKEY_CODEC_KEYS_DIR.
 */
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { loadKeyring, witkeyDataConverter } from '../../codec';
import { quietBundlerLogger } from '../../worker/create-worker';
import { baselineActivities } from './activities';

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const env = process.env;
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('./workflows'),
    logger: quietBundlerLogger,
  });
  const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233' });
  const worker = await Worker.create({
    connection,
    namespace: env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue: env.WITKEY_TASK_QUEUE ?? 'bench-baseline',
    workflowBundle: { code },
    activities: baselineActivities,
    ...(env.WITKEY_CODEC_KEYS_DIR
      ? { dataConverter: witkeyDataConverter(loadKeyring(env.WITKEY_CODEC_KEYS_DIR)) }
      : {}),
  });
  process.once('SIGTERM', () => worker.shutdown());
  process.stdout.write('baseline worker polling\n');
  await worker.run();
  await connection.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`baseline worker: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
