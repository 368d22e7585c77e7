/** Human output of the task commands: amounts in yuan (exact, from integer fen) with the fen figure, times in ISO. */
import { formatYuan } from '../alipay/core/money';
import type { TaskTerminatedError } from '../client/tasks';
import type { AdminPage, TaskView } from '../workflows/messages';
import type { LedgerFigures } from '../workflows/task/types';
import { textTable } from './text-table';

export const yuan = (fen: number): string => `¥${formatYuan(fen)}`;
export const iso = (ms: number | undefined): string =>
  ms === undefined ? '-' : new Date(ms).toISOString().replace('.000Z', 'Z');

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

export function statusText(v: TaskView): string {
  const s = v.spec;
  const lines = [
    `task ${v.outerTaskId}: ${s.title}`,
    `  phase        ${v.phase}${v.needsAttention ? '   ** NEEDS ATTENTION **' : ''}`,
    `  publisher    ${s.publisherId}${s.publisherName ? ` (${s.publisherName})` : ''}${s.publisherAlipayUserId ? `, Alipay ${s.publisherAlipayUserId}` : ''}`,
    `  bounty       ${yuan(s.bountyFen)}${s.valueAddedFeeFen ? ` + value-added fee ${yuan(s.valueAddedFeeFen)}` : ''}, type ${s.taskType}, freeze no ${v.freezeNo}`,
    `  expires      ${iso(s.expiresAtMs)}`,
    ...lifeLines(v),
    `  available    ${yuan(v.availableFen)} (frozen, not yet given to a winner)`,
    '  ledger:',
    ...textTable(
      LEDGER_LINES.map(([k, label]) => [label, formatYuan(v.ledger[k]), `${v.ledger[k]} fen`]),
      { indent: '    ' },
    ),
  ];
  if (v.transfers.length) {
    lines.push('  transfers:');
    lines.push(
      ...textTable(
        [
          ['no', 'winner', 'nickname', 'gross', 'status', 'path', 'round'],
          ...v.transfers.map((t) => [
            t.transferNo,
            t.winnerAlipayUserId,
            t.winnerNickname,
            formatYuan(t.grossFen),
            `${t.status}${t.status === 'paid' && !t.commissionSettled ? ' (commission pending)' : ''}${t.errorCode ? ` ${t.errorCode}` : ''}`,
            t.path,
            String(t.round),
          ]),
        ],
        { indent: '    ' },
      ),
    );
  }
  const ends = v.rounds
    .filter((r) => r.announceEndMs !== undefined)
    .map((r) => `round ${r.round} until ${iso(r.announceEndMs)} (${r.status})`);
  if (ends.length) lines.push(`  announcement ${ends.join('; ')}`);
  const open = v.attention.filter((a) => !a.resolved);
  if (open.length) {
    lines.push('  attention:');
    for (const a of open) lines.push(`    ${a.code}: ${a.message}`);
  }
  if (v.operatorActions.length) {
    lines.push('  operator actions:');
    for (const a of v.operatorActions)
      lines.push(`    ${iso(a.atMs)} ${a.action} by ${a.operator} (${a.reason}): ${a.outcome}`);
  }
  if (v.pendingActions.length) lines.push(`  next         ${v.pendingActions.join('; ')}`);
  const pages = pagesToConfirm(v);
  if (pages.length) lines.push('  to confirm:', ...pages);
  lines.push(`  notifications processed: ${v.notificationsProcessed}`);
  return lines.join('\n');
}

/** How a task was cancelled before payment (TaskView.cancellation.outcome), in words. */
const CANCELLATION: Record<NonNullable<TaskView['cancellation']>['outcome'], string> = {
  closed: 'the unpaid freeze trade was closed at Alipay (nothing charged)',
  refunded: 'the freeze was paid and refunded at Alipay (trade.cancel)',
  not_found: 'Alipay had no such freeze trade (nothing charged)',
  trade_closed: 'the freeze trade was already closed at Alipay (nothing charged)',
};

/** When the bounty was paid, how the task was cancelled or settled by hand, when it settled. */
function lifeLines(v: TaskView): string[] {
  const lines: string[] = [];
  if (v.paidAtMs !== undefined) lines.push(`  paid         ${iso(v.paidAtMs)}`);
  if (v.cancellation)
    lines.push(
      `  cancelled    ${iso(v.cancellation.atMs)}: ${v.cancellation.outcome} — ${CANCELLATION[v.cancellation.outcome] ?? 'see the operator actions'}`,
    );
  const m = v.manualSettlement;
  if (m)
    lines.push(
      `  settled by hand ${iso(m.atMs)} by ${m.operator}: ${m.reason} (${yuan(m.stillFrozenFen)} still frozen in the system's books then)`,
    );
  if (v.settledAtMs !== undefined) lines.push(`  settled      ${iso(v.settledAtMs)}`);
  return lines;
}

function adminPageLines(page: AdminPage, indent: string): string[] {
  return Object.entries(page.fields).map(([k, val]) => `${indent}${k}=${val}`);
}

/** Every page handed out and not yet confirmed: re-printed so that a lost link is never a lost step. */
function pagesToConfirm(v: TaskView): string[] {
  const lines: string[] = [];
  if (v.phase === 'awaiting_payment' && v.cashierUrl) lines.push(`    cashier (the publisher pays): ${v.cashierUrl}`);
  for (const r of v.rounds)
    if (r.status === 'requested' && r.confirmUrl)
      lines.push(`    round ${r.round} task.confirm (the publisher confirms): ${r.confirmUrl}`);
  for (const p of v.leftovers) {
    if (p.status === 'planned' && p.adminPage)
      lines.push(
        `    leftover ${p.round} left.amount.handle (the administrator submits): ${p.adminPage.method} ${p.adminPage.action}`,
        ...adminPageLines(p.adminPage, '      '),
      );
  }
  return lines;
}

const TERMINATED_WARNING = 'the workflow no longer runs and moves no money: money may still be frozen at Alipay';

/** A task whose workflow was terminated (or failed): never shown as if alive. */
export function terminatedText(e: TaskTerminatedError): string {
  const r = e.lastRecorded;
  const lines = [
    `task ${e.outerTaskId}: ${e.lastView?.spec.title ?? 'terminated'}`,
    `  phase        terminated (workflow ${e.workflowStatus}${e.closedAtMs === undefined ? '' : ` at ${iso(e.closedAtMs)}`}; last recorded phase ${r.phase ?? 'unknown'})`,
    `  WARNING      ${TERMINATED_WARNING}; check the task with Alipay and settle it by hand (workflow witkey-task-${e.outerTaskId} in the Temporal UI has its history)`,
    `  last recorded WitkeyPhase=${r.phase ?? '-'} WitkeyAmountFen=${r.amountFen === undefined ? '-' : `${r.amountFen} (${yuan(r.amountFen)})`} WitkeyNeedsAttention=${r.needsAttention === undefined ? '-' : String(r.needsAttention)}`,
  ];
  if (e.lastView) {
    lines.push('  last known state (the state query of the closed workflow):');
    lines.push(
      ...statusText(e.lastView)
        .split('\n')
        .slice(1)
        .map((l) => `  ${l}`),
    );
  } else lines.push('  last known state: not available (no worker answered the state query of the closed workflow)');
  return lines.join('\n');
}

export function terminatedJson(e: TaskTerminatedError): {
  outerTaskId: string;
  phase: 'terminated';
  workflowStatus: string;
  closedAtMs?: number;
  lastRecorded: TaskTerminatedError['lastRecorded'];
  lastView?: TaskView;
  warning: string;
} {
  return {
    outerTaskId: e.outerTaskId,
    phase: 'terminated',
    workflowStatus: e.workflowStatus,
    ...(e.closedAtMs === undefined ? {} : { closedAtMs: e.closedAtMs }),
    lastRecorded: e.lastRecorded,
    ...(e.lastView ? { lastView: e.lastView } : {}),
    warning: TERMINATED_WARNING,
  };
}
