/** `witkey cancel-winner`: cancel winners during their announcement period (cancel.confirm.by.platform). */
import type { Values } from '../args';
import type { CommandSpec } from '../command';
import { json, out } from '../format';
import { say } from '../output';
import { withSession } from '../runtime';

export const cancelWinnerCommand: CommandSpec = {
  summary: 'cancel winners during their announcement period (irreversible; the amount returns to the bounty)',
  help: `witkey cancel-winner <outer_task_id> <transfer_no> [<transfer_no> ...] [--json]

Cancels winner transfers that are still in their announcement period (status waiting), through
alipay.witkey.task.cancel.confirm.by.platform. Irreversible; each amount returns to the task's frozen bounty.
Prints which were cancelled and which Alipay refused (with its code); exit code 1 if any was refused.

  --json   print {cancelled, failed} as JSON

example: witkey cancel-winner T1001 T1001T2`,
  options: { json: { type: 'boolean' } },
  positionals: { min: 2, names: '<outer_task_id> <transfer_no>...' },
  run: (v, [id, ...nos]) => cancelWinner(id, nos, v),
};

async function cancelWinner(outerTaskId: string, transferNos: string[], v: Values): Promise<void> {
  await withSession(async ({ tasks }) => {
    say(`cancelling ${transferNos.join(', ')} of ${outerTaskId} at Alipay...`);
    const r = await tasks.cancelWinners(outerTaskId, transferNos);
    if (r.failed.length) process.exitCode = 1;
    if (v.json) return json(r);
    for (const no of r.cancelled) out(`cancelled ${no}`);
    for (const f of r.failed) out(`refused   ${f.transferNo}: ${f.errorCode}`);
  });
}
