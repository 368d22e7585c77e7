/** `witkey status`: one task's state, for people or (--json) for programs. */
import type { Values } from '../args';
import type { CommandSpec } from '../command';
import { json, out, statusText } from '../format';
import { withSession } from '../runtime';

export const statusCommand: CommandSpec = {
  summary: "a task's phase, ledger (yuan and fen), transfers, attention items and next step",
  help: `witkey status <outer_task_id> [--json]

Shows the task's state (open or closed): phase, the ledger in yuan and fen, transfers, announcement periods,
attention items, operator actions and what the task waits for next.

  --json   print the task's state (TaskView) as JSON; amounts are integer fen, times ms since epoch.
           Fields: outerTaskId, phase, spec {outerTaskId, title, taskType, publisherId, publisherName?,
           publisherAlipayUserId?, bountyFen, valueAddedFeeFen, expiresAtMs, feeRates {commissionBp, alipayFeeBp}},
           freezeNo, valueAddedFeeTransferNo?, ledger {bountyFrozenFen, valueAddedFeePaidFen, winnersReceivedFen,
           platformReceivedFen, alipayFeesFen, refundedFen, stillFrozenFen}, availableFen, transfers[], rounds[],
           leftovers[], attention[], needsAttention, pendingActions[], notificationsProcessed, cashierUrl?,
           operatorActions[] (README, "Commands", documents each).`,
  options: { json: { type: 'boolean' } },
  positionals: { min: 1, max: 1, names: '<outer_task_id>' },
  run: (v, [id]) => status(id, v),
};

async function status(outerTaskId: string, v: Values): Promise<void> {
  await withSession(async ({ tasks }) => {
    const view = await tasks.status(outerTaskId);
    if (v.json) return json(view);
    out(statusText(view));
  });
}
