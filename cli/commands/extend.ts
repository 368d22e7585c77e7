/** `witkey extend`: add bounty and/or move the deadline (amount.append); prints the page the publisher confirms. */
import { parseTime, required, str, UsageError, yuanToFen, type Values } from '../args';
import type { CommandSpec } from '../command';
import { iso, json, out, yuan } from '../format';
import { say } from '../output';
import { withSession } from '../runtime';

export const extendCommand: CommandSpec = {
  summary: 'add bounty and/or extend the deadline (amount.append); prints the page the publisher confirms',
  help: `witkey extend <outer_task_id> --expires TIME [--add-bounty YUAN] [--add-value-added-fee YUAN] [--json]

Adds bounty to an open task and/or moves its deadline, through alipay.witkey.task.amount.append (a page the
publisher pays / confirms in the browser, like the cashier). Prints the signed page URL.

  --expires TIME              the new task_expired_time, later than the current one: ISO or from now (+60d)  (required)
  --add-bounty YUAN           bounty added to the frozen amount (default 0: only the deadline moves)
  --add-value-added-fee YUAN  a further value-added fee to the platform (default 0)
  --json                      print {append, freezeNo, appendUrl} as JSON

example: witkey extend T1001 --add-bounty 200 --expires +45d`,
  options: { expires: { type: 'string' }, 'add-bounty': { type: 'string' }, 'add-value-added-fee': { type: 'string' }, json: { type: 'boolean' } },
  positionals: { min: 1, max: 1, names: '<outer_task_id>' },
  run: (v, [id]) => extend(id, v),
};

async function extend(outerTaskId: string, v: Values): Promise<void> {
  const newExpiresAtMs = parseTime('--expires', required(v, 'expires', '+45d'));
  if (newExpiresAtMs <= Date.now()) throw new UsageError(`--expires ${iso(newExpiresAtMs)} is in the past`);
  const add = str(v, 'add-bounty');
  const fee = str(v, 'add-value-added-fee');
  const addBountyFen = add === undefined ? 0 : yuanToFen('--add-bounty', add);
  const addValueAddedFeeFen = fee === undefined ? 0 : yuanToFen('--add-value-added-fee', fee);
  await withSession(async ({ tasks }) => {
    say(`extending ${outerTaskId}; waiting for the amount.append page...`);
    const r = await tasks.extend(outerTaskId, { addBountyFen, ...(addValueAddedFeeFen ? { addValueAddedFeeFen } : {}), newExpiresAtMs });
    if (v.json) return json(r);
    out(`task ${outerTaskId}: append ${r.append}, freeze no ${r.freezeNo}; ${addBountyFen ? `adds ${yuan(addBountyFen)}, ` : ''}new deadline ${iso(Math.ceil(newExpiresAtMs / 1000) * 1000)}`);
    out(`amount.append page (the publisher confirms in the browser):\n${r.appendUrl}`);
  });
}
