import type { Flags } from './lib/args';
import type { BenchResult } from './lib/report';

export async function runIngestion(_flags: Flags, _say: (line: string) => void): Promise<BenchResult> {
  throw new Error('not written yet');
}
