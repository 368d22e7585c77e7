/** `witkey list`: tasks, newest first, optionally of one phase. */
import { parseLimit, str, type Values } from '../args';
import { UsageError } from '../input-errors';
import type { CommandSpec } from '../command';
import { json, out } from '../format';
import { withSession } from '../runtime';
import { textTable } from '../text-table';
import type { Phase } from '../../workflows/task/types';
import { formatYuan } from '../../alipay/core/money';

export const PHASES: readonly Phase[] = [
  'awaiting_payment',
  'open',
  'announcement',
  'payout',
  'expired',
  'leftover',
  'closing',
  'settled',
  'cancelled',
];

export const listCommand: CommandSpec = {
  summary: 'list tasks (newest first), optionally of one phase',
  help: `witkey list [--phase PHASE] [--limit N] [--json]

Lists tasks from Temporal's visibility store (search attributes), newest first. "frozen now" is the money the task
holds frozen at Alipay (WitkeyAmountFen, yuan): 0.00 before the payment and once everything has moved.

  --phase PHASE   only tasks in this phase: ${PHASES.join(', ')}
  --limit N       at most N tasks (default 100)
  --json          print [{outerTaskId, phase, amountFen, needsAttention, status}] as JSON

Visibility is eventually consistent: a phase change may take a second to show.`,
  options: { phase: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
  run: (v) => listTasks(v),
};

async function listTasks(v: Values): Promise<void> {
  const phase = str(v, 'phase');
  if (phase !== undefined && !PHASES.includes(phase as Phase))
    throw new UsageError(`--phase ${JSON.stringify(phase)} is not a phase`, `phases: ${PHASES.join(', ')}`);
  const limit = parseLimit(str(v, 'limit'));
  await withSession(async ({ tasks }) => {
    const rows = await tasks.list(phase as Phase | undefined, limit);
    if (v.json) return json(rows);
    if (rows.length === 0) return out(phase ? `no task in phase ${phase}` : 'no tasks');
    const table = [
      ['task', 'phase', 'frozen now', 'attention', 'workflow'],
      ...rows.map((r) => [r.outerTaskId, r.phase, formatYuan(r.amountFen), r.needsAttention ? 'YES' : '', r.status]),
    ];
    for (const line of textTable(table, { rightAligned: [2] })) out(line);
  });
}
