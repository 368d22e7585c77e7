/** `witkey inbox`: the operators' inbox (verified notifications no open task took), a page at a time; `inbox resolve` closes an item. */
import { ServiceError, WorkflowNotFoundError } from '@temporalio/client';
import { TaskRequestError, type InboxItem } from '../../client/tasks';
import { parseLimit, required, str, type Values } from '../args';
import { UsageError } from '../input-errors';
import type { CommandSpec } from '../command';
import { iso, json, out, yuan } from '../format';
import { say } from '../output';
import { withSession } from '../runtime';
import { textTable } from '../text-table';

const USAGE =
  'usage: witkey inbox [--limit N] [--next TOKEN] [--json] | witkey inbox resolve <notify_id> --operator NAME --reason TEXT';

export const inboxCommand: CommandSpec = {
  summary: "the operators' inbox: verified notifications no open task took; resolve an item once handled",
  help: `witkey inbox [--limit N] [--next TOKEN] [--json]
witkey inbox resolve <notify_id> --operator NAME --reason TEXT [--json]

Lists the operators' inbox, newest first, a page at a time: verified Alipay notifications that no open task took,
because the task is unknown (unknown_task) or closed without them (task_closed). They are recorded, never dropped
(one workflow each, witkey-inbox-<notify_id>); the webhook answered Alipay "success". Each line: notify_id,
notification type, outer_task_id, reason, received time, amount. Items whose money may still be frozen at Alipay
with no open task to settle it (a late task_freeze for a closed task, a failed transfer, ...) are listed again
below the table with what the notification says: check them at Alipay and settle by hand before resolving.
The list is read from Temporal's visibility store: an item recorded a moment ago may take a second to show.

  resolve <notify_id>   mark the item handled (it leaves the inbox); who and why are recorded
  --operator NAME       who decides (required with resolve)
  --reason TEXT         why (required with resolve)
  --limit N             list: at most N items per page (1-1000, default 100)
  --next TOKEN          list: the next page (the token the previous page printed)
  --json                list: print {items: [{notification {notifyId, via, event {type, outerTaskId, ...}}, reason,
                        receivedAtMs, money {amountFen, mayBeFrozenAtAlipay, summary}, task {status, phase}}],
                        nextPageToken} (nextPageToken null on the last page); resolve: print {notifyId, remaining}

example: witkey inbox resolve 7f6c2e0a --operator alice --reason "test payment at Alipay, refunded by hand"`,
  options: {
    operator: { type: 'string' },
    reason: { type: 'string' },
    limit: { type: 'string' },
    next: { type: 'string' },
    json: { type: 'boolean' },
  },
  positionals: { min: 0, max: 2, names: 'resolve <notify_id>' },
  run: (v, positionals) => inbox(positionals, v),
};

async function inbox(positionals: string[], v: Values): Promise<void> {
  const [sub, notifyId] = positionals;
  if (sub === undefined) {
    if (v.operator !== undefined || v.reason !== undefined)
      throw new UsageError('--operator and --reason go with "inbox resolve <notify_id>"');
    return list(v);
  }
  if (sub !== 'resolve') throw new UsageError(`unknown sub-command "${sub}"`, USAGE);
  if (notifyId === undefined || notifyId === '')
    throw new UsageError('missing <notify_id>', '"witkey inbox" lists the items with their notify_id');
  if (v.limit !== undefined || v.next !== undefined)
    throw new UsageError('--limit and --next go with the list ("witkey inbox")');
  return resolve(notifyId, v);
}

function parseInboxLimit(raw: string | undefined): number {
  const limit = parseLimit(raw);
  if (limit > 1000)
    throw new UsageError(
      `--limit=${JSON.stringify(raw)}: at most 1000 items per page`,
      'use --next to read further pages',
    );
  return limit;
}

async function list(v: Values): Promise<void> {
  const limitRaw = str(v, 'limit');
  const limit = parseInboxLimit(limitRaw);
  const next = str(v, 'next');
  if (next !== undefined && !/^[A-Za-z0-9_-]+$/.test(next))
    throw new UsageError(
      `--next=${JSON.stringify(next)} is not a page token`,
      'give the token a previous "witkey inbox" printed',
    );
  await withSession(async ({ tasks }) => {
    let page;
    try {
      page = await tasks.inbox({ limit, ...(next !== undefined ? { pageToken: next } : {}) });
    } catch (err) {
      if (err instanceof TaskRequestError && err.field === 'pageToken')
        throw new UsageError(`--next: not a page token of this inbox`, 'run "witkey inbox" again from the first page');
      throw err;
    }
    const { items, nextPageToken } = page;
    if (page.legacyInboxHandingOver)
      say(
        'the old single inbox (witkey-inbox) is handing its items over to one workflow each; they show up here in a moment',
      );
    if (v.json)
      return json({
        items,
        nextPageToken: nextPageToken ?? null,
        ...(page.legacyInboxHandingOver ? { legacyInboxHandingOver: true } : {}),
      });
    const nextCommand = nextPageToken
      ? `witkey inbox${limitRaw !== undefined ? ` --limit ${limit}` : ''} --next ${nextPageToken}`
      : undefined;
    if (items.length === 0 && !nextCommand) return out(next === undefined ? 'the inbox is empty' : 'no more items');
    const rows = [
      ['notify_id', 'type', 'outer_task_id', 'reason', 'received', 'amount'],
      ...items.map((i) => [
        i.notification.notifyId,
        i.notification.event.type,
        i.notification.event.outerTaskId,
        i.reason,
        iso(i.receivedAtMs),
        i.money ? yuan(i.money.amountFen) : '-',
      ]),
    ];
    for (const line of textTable(rows)) out(line);
    const money = items.filter((i) => i.money?.mayBeFrozenAtAlipay);
    if (money.length > 0) {
      const total = money.reduce((a, i) => a + (i.money?.amountFen ?? 0), 0);
      out('');
      out(
        `MONEY: ${money.length} item${money.length === 1 ? '' : 's'} on this page (${yuan(total)}) may still be frozen at Alipay with no open task to settle ${money.length === 1 ? 'it' : 'them'}:`,
      );
      for (const i of money) out(`  ${i.notification.notifyId}  ${taskText(i)}: ${i.money?.summary ?? ''}`);
      out(
        '  check each at Alipay and settle it by hand, then: witkey inbox resolve <notify_id> --operator NAME --reason TEXT',
      );
    }
    if (nextCommand) {
      out('');
      out(`more items: ${nextCommand}`);
    }
  });
}

function taskText(i: InboxItem): string {
  const id = i.notification.event.outerTaskId;
  if (i.reason === 'unknown_task') return `${i.notification.event.type} for unknown task ${id}`;
  return `${i.notification.event.type} for closed task ${id}${i.task ? ` (${i.task.phase ?? i.task.status.toLowerCase()})` : ''}`;
}

/** A notify_id the inbox does not hold (or one resolved already): one line naming it. */
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
    let remaining: number | undefined;
    try {
      ({ remaining } = await tasks.resolveInboxItem(notifyId, operator, reason));
    } catch (err) {
      if (notInInbox(err))
        throw new UsageError(
          `no open inbox item "${notifyId}"`,
          '"witkey inbox" lists the open items (a resolved item is gone)',
        );
      if (err instanceof TaskRequestError && (err.field === 'operator' || err.field === 'reason'))
        throw new UsageError(`--${err.field}: ${err.message.replace(/^\w+: /, '')}`);
      throw err;
    }
    if (v.json) return json({ notifyId, remaining: remaining ?? null });
    out(
      `resolved ${notifyId}${remaining === undefined ? '' : ` (${remaining} item${remaining === 1 ? '' : 's'} left in the inbox)`}`,
    );
  });
}
