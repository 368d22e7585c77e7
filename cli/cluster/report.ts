/** The batch's report: one row per task (outcome, then both ledgers in yuan), and the one-line verdict. */
import { formatYuan } from '../../alipay/core/money';
import { LEDGER_COLUMNS } from '../demo/table';
import { textTable } from '../text-table';
import type { BatchReport, TaskOutcome } from './batch';

export function ledgersEqual(o: TaskOutcome): boolean {
  return (
    o.workflow !== undefined &&
    o.sandbox !== undefined &&
    LEDGER_COLUMNS.every(([k]) => o.workflow![k] === o.sandbox![k])
  );
}

export function outcomeTable(report: BatchReport): string {
  const header = ['task', 'expected', 'phase', 'final', 'side', ...LEDGER_COLUMNS.map(([, label]) => label), 'equal'];
  const rows: string[][] = [header];
  const figures = (f: TaskOutcome['workflow']): string[] => LEDGER_COLUMNS.map(([k]) => (f ? formatYuan(f[k]) : '-'));
  for (const o of report.outcomes) {
    rows.push([
      o.id,
      o.expected,
      o.phase,
      o.final ? 'yes' : 'NO',
      'workflow',
      ...figures(o.workflow),
      ledgersEqual(o) ? 'yes' : 'NO',
    ]);
    rows.push(['', '', '', '', 'sandbox', ...figures(o.sandbox), '']);
  }
  const firstFigure = 5;
  const lines = textTable(rows, { rightAligned: header.map((_, i) => i).filter((i) => i >= firstFigure) });
  const problems = report.outcomes.filter((o) => o.error).map((o) => `  ${o.id}: ${o.error}`);
  return [...lines, ...(problems.length ? ['plays that stopped early:', ...problems] : [])].join('\n');
}

export function verdict(report: BatchReport): { line: string; ok: boolean } {
  const allFinal = report.outcomes.every((o) => o.final);
  const equal = report.outcomes.every(ledgersEqual);
  const yn = (b: boolean): string => (b ? 'yes' : 'no');
  return {
    line: `cluster: ${report.outcomes.length} tasks, ${report.killed.length} processes killed, all final: ${yn(allFinal)}, ledgers equal: ${yn(equal)}`,
    ok: allFinal && equal,
  };
}
