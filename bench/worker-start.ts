import type { Flags } from './lib/args';
import type { BenchResult } from './lib/report';

export async function runWorkerStart(_flags: Flags, _say: (line: string) => void): Promise<BenchResult> {
  throw new Error('not written yet');
}
