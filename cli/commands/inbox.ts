/** `witkey inbox`: the operators' inbox (verified notifications no open task took); `inbox resolve` closes an item. */
import { ServiceError, WorkflowNotFoundError } from '@temporalio/client';
import { TaskRequestError } from '../../client/tasks';
import type { InboxItem } from '../../workflows/inbox';
import { required, UsageError, type Values } from '../args';
import type { CommandSpec } from '../command';
import { iso, json, out } from '../format';
import { say } from '../output';
import { withSession } from '../runtime';

export const inboxCommand: CommandSpec = {
  summary: "the operators' inbox: verified notifications no open task took; resolve an item once handled",
  help: `witkey inbox [--json]
witkey inbox resolve <notify_id> --operator NAME --reason TEXT [--json]

Lists the operators' inbox (workflow witkey-inbox): verified Alipay notifications that no open task took, because
the task is unknown (unknown_task) or closed without them (task_closed). They are recorded, never dropped; the
webhook answered Alipay "success". Each line: notify_id, notification type, outer_task_id, reason, received time.

  resolve <notify_id>   mark the item handled (it leaves the inbox); who and why are recorded
  --operator NAME       who decides (required with resolve)
  --reason TEXT         why (required with resolve)
  --json                list: print the items [{notification {notifyId, via, event {type, outerTaskId, ...}},
                        reason, receivedAtMs}] as JSON; resolve: print {notifyId, remaining}

example: witkey inbox resolve 7f6c2e0a --operator alice --reason "test payment at Alipay, refunded by hand"`,
  options: { operator: { type: 'string' }, reason: { type: 'string' }, json: { type: 'boolean' } },
  positionals: { min: 0, max: 2, names: 'resolve <notify_id>' },
  run: (v, positionals) => inbox(positionals, v),
};

async function inbox(positionals: string[], v: Values): Promise<void> {
  const [sub, notifyId] = positionals;
  if (sub === undefined) {
    if (v.operator !== undefined || v.reason !== undefined) throw new UsageError('--operator and --reason go with "inbox resolve <notify_id>"');
    return list(v);
  }
  if (sub !== 'resolve') throw new UsageError(`unknown sub-command "${sub}"`, 'usage: witkey inbox [--json] | witkey inbox resolve <notify_id> --operator NAME --reason TEXT');
  if (notifyId === undefined || notifyId === '') throw new UsageError('missing <notify_id>', '"witkey inbox" lists the items with their notify_id');
  return resolve(notifyId, v);
}

async function list(v: Values): Promise<void> {
  await withSession(async ({ tasks }) => {
    const items = await tasks.inbox();
    if (v.json) return json(items);
    if (items.length === 0) return out('the inbox is empty');
    const rows = [['notify_id', 'type', 'outer_task_id', 'reason', 'received'], ...items.map((i: InboxItem) => [i.notification.notifyId, i.notification.event.type, i.notification.event.outerTaskId, i.reason, iso(i.receivedAtMs)])];
    const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
    for (const r of rows) out(r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join('  '));
  });
}

/** A notify_id the inbox does not hold (or an inbox never started): one line naming it. */
function notInInbox(err: unknown): boolean {
  if (err instanceof TaskRequestError) return err.field === 'notifyId';
  if (err instanceof WorkflowNotFoundError) return true;
  return err instanceof ServiceError && (err.cause as { code?: unknown } | undefined)?.code === 5;
}

async function resolve(notifyId: string, v: Values): Promise<void> {
  const operator = required(v, 'operator', 'alice');
  const reason = required(v, 'reason', '"refunded through Alipay\'s portal"');
  await withSession(async ({ tasks }) => {
    say(`resolving inbox item ${notifyId} by ${operator}...`);
    let remaining: number;
    try {
      ({ remaining } = await tasks.resolveInboxItem(notifyId, operator, reason));
    } catch (err) {
      if (notInInbox(err)) throw new UsageError(`no open inbox item "${notifyId}"`, '"witkey inbox" lists the open items (a resolved item is gone)');
      throw err;
    }
    if (v.json) return json({ notifyId, remaining });
    out(`resolved ${notifyId} (${remaining} item${remaining === 1 ? '' : 's'} left in the inbox)`);
  });
}
