/**
 * `witkey inbox` against a running stack (dev server, sandbox, `witkey worker` and `witkey webhook` as child
 * processes): pages with --limit / --next and prints how to get the next page, shows the money of each item,
 * --json gives {items, nextPageToken}; `inbox resolve` works with the per-item store.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { InboxItem } from '../../client/tasks';
import { deliverNotification } from '../../client/webhook/deliver';
import { oneLineError, startCliStack, untilJson, witkey, type CliStack, type Run } from '../cli/helpers';
import { orphanFreeze } from './helpers';

type Page = { items: InboxItem[]; nextPageToken: string | null };

describe('witkey inbox: pages, money, resolve', () => {
  let stack: CliStack;
  const run = (...args: string[]): Promise<Run> => witkey(args, stack.env);
  const runJson = async <T>(...args: string[]): Promise<T> => {
    const r = await run(...args, '--json');
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  };
  const suffix = `${process.pid}${Date.now() % 100000}`;
  const sent = Array.from({ length: 5 }, (_, i) => orphanFreeze(`cli${suffix}-${i}`, `cliT${suffix}-${i}`, 1_234 + i));

  before(async () => {
    stack = await startCliStack();
    for (const n of sent)
      assert.equal(
        await deliverNotification(stack.server.env.client, stack.env.WITKEY_TASK_QUEUE!, n),
        'recorded_for_operator',
      );
    await untilJson<Page>(['inbox'], stack.env, (p) =>
      sent.every((n) => p.items.some((i) => i.notification.notifyId === n.notifyId)),
    );
  });
  after(async () => {
    await stack?.stop();
  });

  test('--limit / --next page through every item; the human list says how to get the next page and shows the money', async () => {
    const seen: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const page: Page = await runJson<Page>('inbox', '--limit', '2', ...(token ? ['--next', token] : []));
      assert.ok(page.items.length <= 2);
      seen.push(...page.items.map((i) => i.notification.notifyId));
      token = page.nextPageToken;
      pages += 1;
    } while (token && pages < 20);
    assert.equal(token, null, 'the last page has no token');
    assert.deepEqual([...seen].sort(), sent.map((n) => n.notifyId).sort());

    const human = await run('inbox', '--limit', '2');
    assert.equal(human.code, 0, human.stderr);
    const lines = human.stdout.trimEnd().split('\n');
    assert.match(lines[0], /^notify_id\s+type\s+outer_task_id\s+reason\s+received\s+amount$/);
    const row = lines[1].split(/\s+/);
    const item = sent.find((n) => n.notifyId === row[0])!;
    assert.ok(item, human.stdout);
    assert.deepEqual(row.slice(1, 4), ['task_freeze', item.event.outerTaskId, 'unknown_task']);
    assert.equal(row[5], `¥${(1_234 + sent.indexOf(item)) / 100}`);
    assert.match(
      human.stdout,
      /\nMONEY: 2 items on this page \(¥\d+\.\d\d\) may still be frozen at Alipay with no open task to settle them:\n/,
    );
    assert.match(
      human.stdout,
      new RegExp(
        `\\n  ${row[0]}  task_freeze for unknown task ${item.event.outerTaskId}: ¥\\d+\\.\\d\\d paid by the publisher and frozen at Alipay`,
      ),
    );
    const more = /\nmore items: (witkey inbox --limit 2 --next (\S+))\n$/.exec(human.stdout);
    assert.ok(more, human.stdout);
    const second = await run(...more[1].split(' ').slice(1));
    assert.equal(second.code, 0, second.stderr);
    assert.doesNotMatch(second.stdout, new RegExp(`^${row[0]} `, 'm'), 'the next page, not the first again');

    const all = await run('inbox');
    assert.doesNotMatch(all.stdout, /more items/, 'one page holds them all');
  });

  test('inbox resolve: with the per-item store; once; usage errors name the flag', async () => {
    const [a, b] = sent;
    const human = await run(
      'inbox',
      'resolve',
      a.notifyId,
      '--operator',
      'dave',
      '--reason',
      'a test payment, refunded at Alipay',
    );
    assert.equal(human.code, 0, human.stderr);
    assert.equal(human.stdout, `resolved ${a.notifyId} (4 items left in the inbox)\n`);
    assert.deepEqual(await runJson('inbox', 'resolve', b.notifyId, '--operator', 'dave', '--reason', 'same'), {
      notifyId: b.notifyId,
      remaining: 3,
    });
    const after = await untilJson<Page>(
      ['inbox'],
      stack.env,
      (p) => !p.items.some((i) => i.notification.notifyId === a.notifyId || i.notification.notifyId === b.notifyId),
    );
    assert.equal(after.items.length, 3);
    oneLineError(
      await run('inbox', 'resolve', a.notifyId, '--operator', 'dave', '--reason', 'again'),
      new RegExp(`no open inbox item "${a.notifyId}"`),
      /witkey inbox/,
    );
    oneLineError(await run('inbox', '--limit', '0'), /--limit="0" must be a positive integer/);
    oneLineError(await run('inbox', '--limit', '1001'), /at most 1000 items per page/, /--next/);
    oneLineError(await run('inbox', '--next', 'not a token!'), /--next="not a token!" is not a page token/);
    oneLineError(await run('inbox', '--next', 'Z2FyYmFnZQ'), /--next: not a page token of this inbox/, /first page/);
    oneLineError(
      await run('inbox', 'resolve', 'x', '--operator', 'a', '--reason', 'b', '--limit', '2'),
      /--limit and --next go with the list/,
    );
    const help = await run('inbox', '--help');
    assert.match(
      help.stdout,
      /^witkey inbox \[--limit N\] \[--next TOKEN\] \[--json\]\nwitkey inbox resolve <notify_id> --operator NAME --reason TEXT/,
    );
  });
});
