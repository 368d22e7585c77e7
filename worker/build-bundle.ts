/** `node dist/worker/build-bundle.js` (run by `npm run build`): bundles the workflows once, for every worker start. */
import { bundleWorkflowCode } from '@temporalio/worker';
import { BUNDLE_SOURCES, writePrebuiltBundle } from './prebuilt-bundle';
import { quietBundlerLogger } from './create-worker';

async function main(): Promise<void> {
  const started = Date.now();
  const { code } = await bundleWorkflowCode({ ...BUNDLE_SOURCES, logger: quietBundlerLogger });
  const path = await writePrebuiltBundle(code);
  process.stdout.write(
    `workflow bundle: ${path} (${Math.round(code.length / 1024)} KiB, ${Date.now() - started} ms)\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`workflow bundle: ${(err as Error).message}\n`);
  process.exit(1);
});
