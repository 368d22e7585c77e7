/** The final ledger table of the demo: sandbox and workflow side by side, in yuan (exact, from integer fen). */
import { formatYuan } from '../../alipay/core/money';
import type { LedgerFigures } from '../../workflows/task/types';
import { textTable } from '../text-table';

export const LEDGER_COLUMNS: [keyof LedgerFigures, string][] = [
  ['bountyFrozenFen', 'frozen'],
  ['valueAddedFeePaidFen', 'value-added'],
  ['winnersReceivedFen', 'winners'],
  ['platformReceivedFen', 'platform'],
  ['alipayFeesFen', 'Alipay fees'],
  ['refundedFen', 'refunded'],
  ['stillFrozenFen', 'still frozen'],
];

export interface LedgerRow {
  task: string;
  phase: string;
  workflow: LedgerFigures;
  sandbox?: LedgerFigures;
}

export function ledgerTable(rows: LedgerRow[]): string {
  const header = ['task', 'phase', 'side', ...LEDGER_COLUMNS.map(([, label]) => label), 'equal'];
  const lines: string[][] = [header];
  for (const r of rows) {
    const equal = r.sandbox ? LEDGER_COLUMNS.every(([k]) => r.sandbox![k] === r.workflow[k]) : undefined;
    lines.push([
      r.task,
      r.phase,
      'workflow',
      ...LEDGER_COLUMNS.map(([k]) => formatYuan(r.workflow[k])),
      equal === undefined ? '' : equal ? 'yes' : 'NO',
    ]);
    if (r.sandbox) lines.push(['', '', 'sandbox', ...LEDGER_COLUMNS.map(([k]) => formatYuan(r.sandbox![k])), '']);
  }
  return textTable(lines, { rightAligned: header.map((_, i) => i).filter((i) => i >= 3) }).join('\n');
}
