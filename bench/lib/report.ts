/**
 * How a benchmark ends: its table of medians, the load average (the machine is shared: a figure taken at load 4
 * on 2 cores is not the same figure as at load 0.2), and the verdict line last.
 */
import { cpus, loadavg } from 'node:os';
import { fmt, ratio, verdictLine, type Target } from './stats';
import { markdownTable } from './table';

export interface BenchResult {
  name: string;
  ratio: number;
  target: Target;
  /** The verdict line, as printed. */
  line: string;
}

export function loadLine(): string {
  const [one, five, fifteen] = loadavg();
  return `load average ${fmt(one)} ${fmt(five)} ${fmt(fifteen)} (1/5/15 min) on ${cpus().length} cores`;
}

/** One row per figure: A's median, B's median and A/B. */
export function comparisonTable(
  labels: { a: string; b: string },
  rows: readonly { figure: string; a: number; b: number }[],
): string {
  return markdownTable(
    ['figure', labels.a, labels.b, 'A/B'],
    rows.map((r) => [r.figure, fmt(r.a), fmt(r.b), fmt(ratio(r.a, r.b))]),
  );
}

export function finish(name: string, r: number, target: Target, say: (line: string) => void): BenchResult {
  say(loadLine());
  const line = verdictLine(name, r, target);
  say(line);
  return { name, ratio: r, target, line };
}
