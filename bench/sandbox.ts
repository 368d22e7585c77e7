/**
 * `npm run bench -- sandbox [sizes] [batch] [rounds]`: the sandbox's cost per operation at its smallest against
 * its largest number of tasks (bench/sandbox-scale.ts, written with the sandbox's persistence; its own arguments are
 * passed through). This entry runs it as a process when it is built and turns its result into the suite's verdict
 * line: the wall milliseconds per operation, largest size over smallest, target <= 1.2 ("flat"). A script that
 * ends with a verdict line of its own is taken at its word.
 */
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { BenchResult } from './lib/report';
import { atMost, formatTarget, VERDICT_LINE, verdictLine } from './lib/stats';

const SANDBOX_SCALE = join(__dirname, 'sandbox-scale.js');
export const SANDBOX_TARGET = atMost(1.2);

export async function runSandbox(
  args: readonly string[],
  say: (line: string) => void,
): Promise<BenchResult | undefined> {
  if (!existsSync(SANDBOX_SCALE)) {
    say('bench sandbox: not available (dist/bench/sandbox-scale.js is not built)');
    return undefined;
  }
  const res = spawnSync(process.execPath, [SANDBOX_SCALE, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const out = (res.stdout ?? '').trimEnd();
  if (out) say(out);
  if (res.status !== 0) throw new Error(`sandbox-scale ended with status ${res.status}`);
  const last = out.split('\n').pop() ?? '';
  const own = VERDICT_LINE.exec(last);
  if (own)
    return {
      name: 'sandbox',
      ratio: Number(own[2]),
      target: { op: own[3] as '>=' | '<=', value: Number(own[4]) },
      line: last,
    };
  const { wallRatio } = JSON.parse(last) as { wallRatio?: number };
  const ratio = typeof wallRatio === 'number' ? wallRatio : Number.NaN;
  const line = verdictLine('sandbox', ratio, SANDBOX_TARGET);
  say(`wall ms per operation, largest size over smallest (target ${formatTarget(SANDBOX_TARGET)})`);
  say(line);
  return { name: 'sandbox', ratio, target: SANDBOX_TARGET, line };
}
