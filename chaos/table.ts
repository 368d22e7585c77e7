/** The chaos table and its verdict line (`npm run chaos`). */
import type { ScenarioRow } from './row';

const COLUMNS: [string, (r: ScenarioRow) => string][] = [
  ['scenario', (r) => r.scenario],
  ['tasks', (r) => String(r.tasks)],
  ['faults injected', (r) => String(r.faultsInjected)],
  ['completed', (r) => String(r.completed)],
  ['needs-attention', (r) => String(r.needsAttention)],
  ['money conserved', (r) => (r.moneyConserved ? 'yes' : 'NO')],
  ['duplicates executed', (r) => String(r.duplicatesExecuted)],
  ['notifications lost', (r) => String(r.notificationsLost)],
  ['forged accepted', (r) => String(r.forgedAccepted)],
  ['5xx', (r) => String(r.serverErrors)],
  ['crashes', (r) => String(r.crashes)],
];

/** A markdown table (README keeps the latest full one). */
export function chaosTable(rows: ScenarioRow[]): string {
  const cells = rows.map((r) => COLUMNS.map(([, cell]) => cell(r)));
  const widths = COLUMNS.map(([h], i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (values: string[]) => `| ${values.map((v, i) => v.padEnd(widths[i])).join(' | ')} |`;
  return [
    line(COLUMNS.map(([h]) => h)),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...cells.map(line),
  ].join('\n');
}

export interface Verdict {
  ok: boolean;
  line: string;
}

/** `chaos: S scenarios, T tasks, money conserved: yes|no, double transfers: N, lost: N, forged accepted: N, crashes: N`. */
export function chaosVerdict(rows: ScenarioRow[]): Verdict {
  const sum = (f: (r: ScenarioRow) => number) => rows.reduce((n, r) => n + f(r), 0);
  const conserved = rows.every((r) => r.moneyConserved);
  const doubles = sum((r) => r.duplicatesExecuted);
  const lost = sum((r) => r.notificationsLost);
  const forged = sum((r) => r.forgedAccepted);
  const crashes = sum((r) => r.crashes);
  const problems = sum((r) => r.problems.length);
  const errors = sum((r) => r.serverErrors);
  return {
    ok: conserved && doubles === 0 && lost === 0 && forged === 0 && crashes === 0 && problems === 0 && errors === 0,
    line: `chaos: ${rows.length} scenarios, ${sum((r) => r.tasks)} tasks, money conserved: ${conserved ? 'yes' : 'no'}, double transfers: ${doubles}, lost: ${lost}, forged accepted: ${forged}, crashes: ${crashes}`,
  };
}
