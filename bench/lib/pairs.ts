/**
 * Interleaved A/B runs: A, B, A, B, ... so a drift of the shared machine's speed (other agents' builds, a chaos
 * run) falls on both sides alike instead of on whichever ran last. Each run returns named figures; the medians are
 * taken per figure and per side.
 */
import { median } from './stats';

export type Figures = Record<string, number>;

export interface PairRuns {
  a: Figures[];
  b: Figures[];
}

export async function interleave(
  pairs: number,
  runA: (pair: number) => Promise<Figures>,
  runB: (pair: number) => Promise<Figures>,
  onPair: (pair: number, a: Figures, b: Figures) => void = () => undefined,
): Promise<PairRuns> {
  const out: PairRuns = { a: [], b: [] };
  for (let i = 0; i < pairs; i++) {
    const a = await runA(i);
    const b = await runB(i);
    out.a.push(a);
    out.b.push(b);
    onPair(i, a, b);
  }
  return out;
}

/** The median of each figure over the runs of one side. */
export function medians(runs: readonly Figures[]): Figures {
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r)))];
  return Object.fromEntries(keys.map((k) => [k, median(runs.map((r) => r[k]).filter((v) => v !== undefined))]));
}
