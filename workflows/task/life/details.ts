/**
 * What the Web UI shows of a task, in Temporal markdown: the static summary and details given when it starts, and
 * the current details kept up to date by the life (phase, the ledger in yuan, transfers, attention, the next step).
 * No Alipay ids and no nicknames: user metadata is not where personal data belongs.
 */
import { formatYuan } from '../../../alipay/core/money';
import type { LedgerFigures, TaskTerms, TaskView } from '../../messages';

const CHINA_OFFSET_MS = 8 * 3_600_000; // China keeps UTC+8 all year

/** 2026-11-30 14:05 (China time) */
export function chinaTime(ms: number): string {
  return `${new Date(ms + CHINA_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ')} (China time)`;
}

export function yuan(fen: number): string {
  return `¥${formatYuan(fen)}`;
}

/** One line for the workflow list: title and bounty. */
export function staticSummary(terms: TaskTerms): string {
  return `${terms.title} · ${yuan(terms.bountyFen)}`;
}

export function staticDetails(terms: TaskTerms): string {
  return [
    `**${terms.title}** (${terms.taskType}), task ${terms.outerTaskId}`,
    `publisher ${terms.publisherId}; bounty ${yuan(terms.bountyFen)}${terms.valueAddedFeeFen ? ` + value-added fee ${yuan(terms.valueAddedFeeFen)}` : ''}`,
    `expires ${chinaTime(terms.expiresAtMs)}`,
  ].join('\n\n');
}

const LEDGER_ROWS: [keyof LedgerFigures, string][] = [
  ['bountyFrozenFen', 'frozen'],
  ['valueAddedFeePaidFen', 'value-added fee'],
  ['winnersReceivedFen', 'to winners'],
  ['platformReceivedFen', 'to the platform'],
  ['alipayFeesFen', "Alipay's fees"],
  ['refundedFen', 'refunded'],
  ['stillFrozenFen', 'still frozen'],
];

export function currentDetails(view: TaskView, next: { atMs: number; what: string }): string {
  const open = view.attention.filter((a) => !a.resolved);
  return [
    `**phase ${view.phase}**${view.needsAttention ? ' · **needs attention**' : ''} · available ${yuan(view.availableFen)}`,
    [
      '| money | yuan |',
      '|---|---:|',
      ...LEDGER_ROWS.map(([k, label]) => `| ${label} | ${formatYuan(view.ledger[k])} |`),
    ].join('\n'),
    view.transfers.length
      ? ['| transfer | round | yuan | status |', '|---|---:|---:|---|', ...view.transfers.map(transferRow)].join('\n')
      : 'no transfers',
    open.length ? ['**attention**', ...open.map((a) => `- ${a.code}: ${a.message}`)].join('\n') : '',
    Number.isFinite(next.atMs) ? `**next**: ${next.what} at ${chinaTime(next.atMs)}` : `**next**: ${waitingFor(view)}`,
  ]
    .filter((part) => part !== '')
    .join('\n\n');
}

function transferRow(t: TaskView['transfers'][number]): string {
  return `| ${t.transferNo} | ${t.path === 'leftover' ? 'leftover' : t.round} | ${formatYuan(t.grossFen)} | ${t.status}${t.payoutHeld ? ' (held)' : ''} |`;
}

function waitingFor(view: TaskView): string {
  return view.pendingActions.join('; ') || 'nothing';
}
