/** `witkey publish`: publish a bounty task and print the cashier URL the publisher pays at. */
import { required, str, yuanToFen, type Values } from '../args';
import { UsageError } from '../input-errors';
import { isFromNow, parseTime } from '../parse';
import { TaskRequestError } from '../../client/tasks';
import type { CommandSpec } from '../command';
import { iso, json, out, yuan } from '../format';
import { say } from '../output';
import { withSession } from '../runtime';

export const publishCommand: CommandSpec = {
  summary: 'publish a bounty task; prints the Alipay cashier URL the publisher pays at',
  help: `witkey publish --id ID --title TEXT --publisher ID --bounty YUAN --expires TIME [options]

Starts the task's workflow (or finds it: publishing the same task again returns the same cashier URL; other
parameters are refused; a closed task is never reopened) and prints the signed task.create cashier URL.

  --id ID                  the site's task id (outer_task_id): 1-50 letters, digits, '_', '.', ':', '-'   (required)
  --title TEXT             task title, 1-250 characters                                                   (required)
  --type TYPE              task_type, 1-20 characters (default GENERAL)
  --publisher ID           the publisher's account on the site (outer_account_id)                          (required)
  --publisher-name NAME    the publisher's nickname
  --publisher-alipay-id ID the publisher's Alipay user id (2088 + 12 digits; otherwise learnt from the payment)
  --bounty YUAN            the bounty to freeze, yuan with at most 2 decimals, e.g. 800 or 800.50          (required)
  --value-added-fee YUAN   value-added fee paid on top to the platform (default 0)
  --expires TIME           task_expired_time (required): a date (2030-01-31) is the END of that day, China time;
                           a date and time without an offset (2030-01-31T18:00) is China time (UTC+8), whatever
                           this machine's zone; with Z or an offset (+08:00) as given; or from now (+30d, +2h)
  --json                   print {outerTaskId, cashierUrl, phase} as JSON

Fee rates (WITKEY_COMMISSION_BP, WITKEY_ALIPAY_FEE_BP) and the payment deadline (WITKEY_PAYMENT_TIMEOUT) come
from the environment and are fixed into the task.

example: witkey publish --id T1001 --title "Logo design" --publisher u42 --bounty 800 --value-added-fee 30 --expires +30d`,
  options: {
    id: { type: 'string' },
    title: { type: 'string' },
    type: { type: 'string' },
    publisher: { type: 'string' },
    'publisher-name': { type: 'string' },
    'publisher-alipay-id': { type: 'string' },
    bounty: { type: 'string' },
    'value-added-fee': { type: 'string' },
    expires: { type: 'string' },
    json: { type: 'boolean' },
  },
  run: (v) => publish(v),
};

async function publish(v: Values): Promise<void> {
  const outerTaskId = required(v, 'id', 'T1001');
  const title = required(v, 'title', '"Logo design"');
  const publisherId = required(v, 'publisher', 'u42');
  const bountyFen = yuanToFen('--bounty', required(v, 'bounty', '800.00'), { positive: true });
  const fee = str(v, 'value-added-fee');
  const valueAddedFeeFen = fee === undefined ? 0 : yuanToFen('--value-added-fee', fee);
  const expires = required(v, 'expires', '+30d');
  const expiresAtMs = parseTime('--expires', expires);
  if (expiresAtMs <= Date.now()) throw new UsageError(`--expires ${iso(expiresAtMs)} is in the past`);
  const publisherAlipayUserId = str(v, 'publisher-alipay-id');
  const publisherName = str(v, 'publisher-name');
  await withSession(async ({ tasks, settings }) => {
    say(
      `publishing ${outerTaskId} on ${settings.address} (namespace ${settings.stack.namespace}, task queue ${settings.stack.taskQueue}); waiting for the cashier page...`,
    );
    const r = await tasks
      .publish({
        outerTaskId,
        title,
        taskType: str(v, 'type') ?? 'GENERAL',
        publisherId,
        ...(publisherName ? { publisherName } : {}),
        ...(publisherAlipayUserId ? { publisherAlipayUserId } : {}),
        bountyFen,
        valueAddedFeeFen,
        expiresAtMs,
      })
      .catch((err: unknown) => {
        throw republishedFromNow(err, outerTaskId, expires) ?? err;
      });
    if (v.json) return json(r);
    out(
      `task ${r.outerTaskId}: published, phase ${r.phase}; bounty ${yuan(bountyFen)}${valueAddedFeeFen ? ` + value-added fee ${yuan(valueAddedFeeFen)}` : ''}, expires ${iso(Math.ceil(expiresAtMs / 1000) * 1000)}`,
    );
    out(`cashier URL (send the publisher's browser here to pay):\n${r.cashierUrl}`);
  });
}

/**
 * Publishing a task again returns its cashier URL only with the same terms; a relative --expires (+30d) names a new
 * time on every run, so the second run differs in its expiry alone: say so, and which time to give.
 */
function republishedFromNow(err: unknown, outerTaskId: string, expires: string): UsageError | undefined {
  if (!(err instanceof TaskRequestError) || !isFromNow(expires)) return undefined;
  const recorded = /already published with different parameters: expiresAtMs is (\d+), not \d+$/.exec(err.message)?.[1];
  if (recorded === undefined) return undefined;
  return new UsageError(
    `task ${outerTaskId} was already published, expiring ${iso(Number(recorded))}; --expires ${expires} counts from now and names another time on every run`,
    `to publish it again (the same cashier URL), give --expires ${iso(Number(recorded))}`,
  );
}
