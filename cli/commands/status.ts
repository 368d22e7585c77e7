/** `witkey status`: one task's state, for people or (--json) for programs. */
import { TaskTerminatedError } from '../../client/tasks';
import type { Values } from '../args';
import type { CommandSpec } from '../command';
import { json, out, statusText, terminatedJson, terminatedText } from '../format';
import { withSession } from '../runtime';

export const statusCommand: CommandSpec = {
  summary: "a task's phase, ledger (yuan and fen), transfers, attention items and next step",
  help: `witkey status <outer_task_id> [--json]

Shows the task's state (open or closed): phase, the ledger in yuan and fen, transfers, announcement periods,
attention items, operator actions and what the task waits for next; when the bounty was paid, how and when a
cancelled task was cancelled, who settled a task by hand, why and when; and every page still to be confirmed
(the cashier URL while awaiting payment, the task.confirm page of each round not yet confirmed, the admin form of
each leftover plan not yet submitted), so a lost link is never a lost step.

A task whose workflow was terminated (or failed) is shown as "terminated", with its last recorded search
attributes (WitkeyPhase, WitkeyAmountFen) and its last known state, and a warning: it moves no more money, but
money may still be frozen at Alipay.

  --json   print the task's state (TaskView) as JSON; amounts are integer fen, times ms since epoch.
           Fields: outerTaskId, phase, spec {outerTaskId, title, taskType, publisherId, publisherName?,
           publisherAlipayUserId?, bountyFen, valueAddedFeeFen, expiresAtMs, feeRates {commissionBp, alipayFeeBp}},
           freezeNo, valueAddedFeeTransferNo?, ledger {bountyFrozenFen, valueAddedFeePaidFen, winnersReceivedFen,
           platformReceivedFen, alipayFeesFen, refundedFen, stillFrozenFen}, availableFen, transfers[], rounds[],
           leftovers[] (rounds[].confirmUrl?, leftovers[].adminPage?), attention[], needsAttention, pendingActions[],
           notificationsProcessed, cashierUrl?, operatorActions[], paidAtMs?, cancellation? {outcome, atMs},
           manualSettlement? {operator, reason, atMs, stillFrozenFen}, settledAtMs? (README, "Commands", documents
           each). A terminated task: {outerTaskId, phase: "terminated", workflowStatus, closedAtMs?, lastRecorded
           {phase, amountFen, needsAttention}, lastView?, warning}.`,
  options: { json: { type: 'boolean' } },
  positionals: { min: 1, max: 1, names: '<outer_task_id>' },
  run: (v, [id]) => status(id, v),
};

async function status(outerTaskId: string, v: Values): Promise<void> {
  await withSession(async ({ tasks }) => {
    let view;
    try {
      view = await tasks.status(outerTaskId);
    } catch (err) {
      if (!(err instanceof TaskTerminatedError)) throw err;
      return v.json ? json(terminatedJson(err)) : out(terminatedText(err));
    }
    if (v.json) return json(view);
    out(statusText(view));
  });
}
