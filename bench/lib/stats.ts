/**
 * The figures every benchmark quotes: medians of interleaved runs, the ratio A/B, and the verdict line that ends
 * each benchmark's output (`bench NAME: ratio R target T met|missed`), which CI and docs/BENCHMARKS.md read.
 */

/** The middle value (mean of the two middle ones for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A over B; NaN when B is zero or either is not a finite number (a verdict on it is then "missed"). */
export function ratio(a: number, b: number): number {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : Number.NaN;
}

/** A target on a ratio: at least (throughput, speed-up) or at most (cost, time). */
export interface Target {
  op: '>=' | '<=';
  value: number;
}

export const atLeast = (value: number): Target => ({ op: '>=', value });
export const atMost = (value: number): Target => ({ op: '<=', value });

export function met(r: number, target: Target): boolean {
  if (!Number.isFinite(r)) return false;
  return target.op === '>=' ? r >= target.value : r <= target.value;
}

/** Figures with three significant digits at most, so tables stay narrow and comparable by eye. */
export function fmt(n: number, digits = 3): string {
  if (!Number.isFinite(n)) return 'n/a';
  if (n === 0) return '0';
  const abs = Math.abs(n);
  if (abs >= 10 ** digits) return n.toFixed(0);
  return Number(n.toPrecision(digits)).toString();
}

export function formatTarget(target: Target): string {
  return `${target.op}${target.value}`;
}

/** `FIGURE ratio R target T met|missed`: a secondary target's line, and the body of the verdict line. */
export function targetLine(figure: string, r: number, target: Target): string {
  return `${figure} ratio ${fmt(r)} target ${formatTarget(target)} ${met(r, target) ? 'met' : 'missed'}`;
}

/** The last line of a benchmark: `bench NAME: ratio R target T met|missed`. */
export function verdictLine(name: string, r: number, target: Target): string {
  return targetLine(`bench ${name}:`, r, target);
}

/** The shape of a verdict line, for the tests and for `all` to collect them. */
export const VERDICT_LINE = /^bench ([a-z-]+): ratio (\S+) target (>=|<=)([0-9.]+) (met|missed)$/;
