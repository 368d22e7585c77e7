/**
 * `npm run bench -- <name>|all [flags]`: the benchmarks of docs/BENCHMARKS.md. Each interleaves A/B runs, prints
 * its medians, the ratio and the load average, and ends with `bench NAME: ratio R target T met|missed`; `all` runs
 * every one in turn and repeats their verdict lines at the end. Exit status 0 when every benchmark ran (a missed
 * target is a figure to read, not a failure); 1 when one could not run; 2 for a bad command line.
 */
import { parseFlags, type Flags } from './lib/args';
import type { BenchResult } from './lib/report';
import { runCrypto } from './crypto';
import { runIngestion } from './ingestion';
import { runLifecycle } from './lifecycle';
import { runOpenTasks } from './open-tasks';
import { runSandbox } from './sandbox';
import { runWorkerStart } from './worker-start';

type Bench = (flags: Flags, say: (line: string) => void) => Promise<BenchResult | undefined>;

export const BENCHES: Record<string, Bench> = {
  crypto: runCrypto,
  ingestion: runIngestion,
  'worker-start': runWorkerStart,
  lifecycle: runLifecycle,
  'open-tasks': runOpenTasks,
  // its script takes positional arguments (sizes, batch, rounds), passed as given; none under `all`
  sandbox: (_flags, say) => runSandbox(process.argv[2] === 'sandbox' ? process.argv.slice(3) : [], say),
};

const say = (line: string): void => void process.stdout.write(`${line}\n`);

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || (name !== 'all' && !BENCHES[name])) {
    process.stderr.write(`usage: npm run bench -- <${Object.keys(BENCHES).join('|')}|all> [--flags]\n`);
    return 2;
  }
  const flags = name === 'sandbox' ? {} : parseFlags(rest);
  const names = name === 'all' ? Object.keys(BENCHES) : [name];
  const lines: string[] = [];
  let failed = false;
  for (const n of names) {
    try {
      const result = await BENCHES[n](flags, say);
      if (result) lines.push(result.line);
    } catch (err) {
      failed = true;
      say(`bench ${n}: could not run: ${(err as Error).stack ?? String(err)}`);
    }
  }
  if (names.length > 1) for (const l of lines) say(l);
  return failed ? 1 : 0;
}

if (require.main === module)
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
