/** `witkey extend`: add bounty and/or move the deadline (amount.append); prints the page the publisher confirms. */
import { required, str, yuanToFen, type Values } from '../args';
import { UsageError } from '../input-errors';
import { parseTime, timeKey } from '../parse';
import type { CommandSpec } from '../command';
import { iso, json, out, yuan } from '../format';
import { say } from '../output';
import { requestIdOf } from '../request-id';
import { withSession } from '../runtime';
import type { ExtendResult } from '../../workflows/messages';

export const extendCommand: CommandSpec = {
  summary: 'add bounty and/or extend the deadline (amount.append); prints the page the publisher confirms',
  help: `witkey extend <outer_task_id> --expires TIME [--add-bounty YUAN] [--add-value-added-fee YUAN] [--new-append | --request-id ID] [--json]

Adds bounty to an open task and/or moves its deadline, through alipay.witkey.task.amount.append (a page the
publisher pays / confirms in the browser, like the cashier). Prints the signed page URL.

The same command repeated (same task, same amounts, same --expires as written) returns the same amount.append and
says so: a retry never asks the publisher to pay twice. --new-append asks for a second, identical one on purpose.

  --expires TIME              the new task_expired_time, later than the current one (required): a date
                              (2030-01-31) is the END of that day in China time; a date and time without an offset
                              (2030-01-31T18:00) is China time (UTC+8); with Z or an offset (+08:00) as given; or
                              from now (+60d, +2h)
  --add-bounty YUAN           bounty added to the frozen amount (default 0: only the deadline moves)
  --add-value-added-fee YUAN  a further value-added fee to the platform (default 0)
  --new-append                a deliberate second amount.append with the same arguments (a fresh request id)
  --request-id ID             your own request id (repeating it returns the same amount.append)
  --json                      print {append, freezeNo, appendUrl, requestId, repeated} as JSON

example: witkey extend T1001 --add-bounty 200 --expires +45d`,
  options: {
    expires: { type: 'string' },
    'add-bounty': { type: 'string' },
    'add-value-added-fee': { type: 'string' },
    'new-append': { type: 'boolean' },
    'request-id': { type: 'string' },
    json: { type: 'boolean' },
  },
  positionals: { min: 1, max: 1, names: '<outer_task_id>' },
  run: (v, [id]) => extend(id, v),
};

async function extend(outerTaskId: string, v: Values): Promise<void> {
  const expires = required(v, 'expires', '+45d');
  const newExpiresAtMs = parseTime('--expires', expires);
  if (newExpiresAtMs <= Date.now()) throw new UsageError(`--expires ${iso(newExpiresAtMs)} is in the past`);
  const add = str(v, 'add-bounty');
  const fee = str(v, 'add-value-added-fee');
  const addBountyFen = add === undefined ? 0 : yuanToFen('--add-bounty', add);
  const addValueAddedFeeFen = fee === undefined ? 0 : yuanToFen('--add-value-added-fee', fee);
  const { requestId } = requestIdOf(
    'extend',
    outerTaskId,
    { addBountyFen, addValueAddedFeeFen, expires: timeKey('--expires', expires) },
    v,
    'new-append',
  );
  await withSession(async ({ tasks }) => {
    const earlier = await tasks.earlierResult<ExtendResult>(outerTaskId, requestId);
    if (!earlier) say(`extending ${outerTaskId}; waiting for the amount.append page...`);
    const r =
      earlier ??
      (await tasks.extend(
        outerTaskId,
        { addBountyFen, ...(addValueAddedFeeFen ? { addValueAddedFeeFen } : {}), newExpiresAtMs },
        requestId,
      ));
    const repeated = earlier !== undefined;
    if (v.json) return json({ ...r, requestId, repeated });
    if (repeated)
      out(
        `task ${outerTaskId}: append ${r.append} (the same amount.append was returned: it was asked before with the same arguments; --new-append asks for another), freeze no ${r.freezeNo}`,
      );
    else
      out(
        `task ${outerTaskId}: append ${r.append}, freeze no ${r.freezeNo}; ${addBountyFen ? `adds ${yuan(addBountyFen)}, ` : ''}new deadline ${iso(Math.ceil(newExpiresAtMs / 1000) * 1000)}`,
      );
    out(`amount.append page (the publisher confirms in the browser):\n${r.appendUrl}`);
  });
}
