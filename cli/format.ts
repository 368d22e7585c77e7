/** Human output of the task commands: amounts in yuan (exact, from integer fen) with the fen figure, times in ISO. */
import { formatYuan } from '../alipay/core/money';
import type { TaskView } from '../workflows/messages';
import type { LedgerFigures } from '../workflows/task/types';

export const yuan = (fen: number): string => `¥${formatYuan(fen)}`;
export const iso = (ms: number | undefined): string => (ms === undefined ? '-' : new Date(ms).toISOString().replace('.000Z', 'Z'));

export function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function json(value: unknown): void {
  out(JSON.stringify(value, null, 2));
}

export const LEDGER_LINES: [keyof LedgerFigures, string][] = [
  ['bountyFrozenFen', 'bounty frozen'],
  ['valueAddedFeePaidFen', 'value-added fee paid'],
  ['winnersReceivedFen', 'winners received'],
  ['platformReceivedFen', 'platform received'],
  ['alipayFeesFen', 'Alipay fees'],
  ['refundedFen', 'refunded to publisher'],
  ['stillFrozenFen', 'still frozen'],
];

function table(rows: string[][], indent = '  '): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => indent + r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd());
}

export function statusText(v: TaskView): string {
  const s = v.spec;
  const lines = [
    `task ${v.outerTaskId}: ${s.title}`,
    `  phase        ${v.phase}${v.needsAttention ? '   ** NEEDS ATTENTION **' : ''}`,
    `  publisher    ${s.publisherId}${s.publisherName ? ` (${s.publisherName})` : ''}${s.publisherAlipayUserId ? `, Alipay ${s.publisherAlipayUserId}` : ''}`,
    `  bounty       ${yuan(s.bountyFen)}${s.valueAddedFeeFen ? ` + value-added fee ${yuan(s.valueAddedFeeFen)}` : ''}, type ${s.taskType}, freeze no ${v.freezeNo}`,
    `  expires      ${iso(s.expiresAtMs)}`,
    `  available    ${yuan(v.availableFen)} (frozen, not yet given to a winner)`,
    '  ledger:',
    ...table(LEDGER_LINES.map(([k, label]) => [label, formatYuan(v.ledger[k]), `${v.ledger[k]} fen`]), '    '),
  ];
  if (v.transfers.length) {
    lines.push('  transfers:');
    lines.push(...table([['no', 'winner', 'nickname', 'gross', 'status', 'path', 'round'], ...v.transfers.map((t) => [t.transferNo, t.winnerAlipayUserId, t.winnerNickname, formatYuan(t.grossFen), `${t.status}${t.status === 'paid' && !t.commissionSettled ? ' (commission pending)' : ''}${t.errorCode ? ` ${t.errorCode}` : ''}`, t.path, String(t.round)])], '    '));
  }
  const ends = v.rounds.filter((r) => r.announceEndMs !== undefined).map((r) => `round ${r.round} until ${iso(r.announceEndMs)} (${r.status})`);
  if (ends.length) lines.push(`  announcement ${ends.join('; ')}`);
  const open = v.attention.filter((a) => !a.resolved);
  if (open.length) {
    lines.push('  attention:');
    for (const a of open) lines.push(`    ${a.code}: ${a.message}`);
  }
  if (v.operatorActions.length) {
    lines.push('  operator actions:');
    for (const a of v.operatorActions) lines.push(`    ${iso(a.atMs)} ${a.action} by ${a.operator} (${a.reason}): ${a.outcome}`);
  }
  if (v.pendingActions.length) lines.push(`  next         ${v.pendingActions.join('; ')}`);
  lines.push(`  notifications processed: ${v.notificationsProcessed}`);
  return lines.join('\n');
}
