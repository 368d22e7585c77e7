/**
 * `npm run test:model`: the model-based test of the whole workflow, as long as asked (docs in README, "Model test").
 *   WITKEY_MODEL_RUNS=1000 npm run test:model          a long run: figures at the end, every failure with its replay line
 *   WITKEY_MODEL_SEED=… WITKEY_MODEL_PATH=… npm run test:model   replays exactly one (shrunk) failing sequence
 * Exit code 1 when an invariant was violated.
 */
import { writeFileSync } from 'node:fs';
import { formatSummary, optionsFromEnv, runModel } from './run';

let stopRequested = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopRequested) process.exit(130); // a second Ctrl-C: now
    stopRequested = true;
    process.stderr.write('model run: stopping after the current sequence (again to exit at once)\n');
  });
}

async function main(): Promise<void> {
  const options = {
    ...optionsFromEnv(process.env, { log: (line) => process.stdout.write(`${line}\n`), runs: 20, maxCommands: 30 }),
    shouldStop: () => stopRequested,
  };
  process.stdout.write(
    `model run: ${options.path ? `replaying seed ${options.seed} path ${options.path}` : `${options.runs} sequences of up to ${options.maxCommands} commands`}${options.ignore.size ? `, ignoring ${[...options.ignore].join(', ')}` : ''}\n`,
  );
  const summary = await runModel(options);
  process.stdout.write(`${formatSummary(summary)}\n`);
  if (process.env.WITKEY_MODEL_REPORT)
    writeFileSync(
      process.env.WITKEY_MODEL_REPORT,
      JSON.stringify({ ...summary, alsoSeen: Object.fromEntries(summary.alsoSeen) }, null, 2),
    );
  process.exitCode = summary.failures.length ? 1 : 0;
}

main().catch((err: unknown) => {
  process.stderr.write(`model run failed: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exitCode = 2;
});
