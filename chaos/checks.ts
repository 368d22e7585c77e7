/**
 * The checks run after every chaos scenario, on the tasks it played:
 *   - each task at its expected final phase, or in needs-attention with a reason (an attention code);
 *   - its workflow ledger equal to the sandbox's record of it, to the fen, and every fen frozen accounted for
 *     (winners + platform + Alipay's fees + refunded + still frozen = frozen + value-added fee);
 *   - no transfer executed twice at the gateway (one journal posting per reason and business number);
 *   - every notification the sandbox saw answered `success` reflected in its task or in an inbox item.
 * The sandbox is read in process (Sandbox) or over its inspection API (httpBooks).
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import type { WitkeyTasks } from '../client/tasks';
import { sandboxLedger } from '../cli/demo/sandbox-ledger';
import type { NotificationRecord, Posting, TaskRecord } from '../sandbox';
import { inboxItemWorkflowId } from '../workflows/inbox-item';
import { notificationSignal, taskWorkflowId, type TaskResult, type TaskView } from '../workflows/messages';
import type { LedgerFigures } from '../workflows/task/types';
import type { ScenarioRow } from './row';

/** What the checks read of the sandbox (the gateway's books). */
export interface SandboxBooks {
  task(outerTaskId: string): TaskRecord | undefined | Promise<TaskRecord | undefined>;
  journal(outerTaskId: string): Posting[] | Promise<Posting[]>;
  notifications(filter: { outerTaskId: string }): NotificationRecord[] | Promise<NotificationRecord[]>;
}

export interface PlayedTask {
  id: string;
  /** Where the task must end ('settled', 'cancelled', ...); a task in needs-attention is counted apart. */
  expected: string;
}

export type Findings = Pick<
  ScenarioRow,
  'completed' | 'needsAttention' | 'moneyConserved' | 'duplicatesExecuted' | 'notificationsLost' | 'problems'
> &
  Required<Pick<ScenarioRow, 'attentionCodes'>>;

/** Postings that move money out of a freeze once per business number: two of them for one ref is a double. */
const ONCE_PER_REF = new Set(['freeze', 'value_added_fee', 'winner_payment', 'commission', 'alipay_fee', 'refund']);

export async function checkTasks(
  targets: { tasks: WitkeyTasks; client: Client; books: SandboxBooks },
  played: PlayedTask[],
): Promise<Findings> {
  const f: Findings = {
    completed: 0,
    needsAttention: 0,
    moneyConserved: true,
    duplicatesExecuted: 0,
    notificationsLost: 0,
    problems: [],
    attentionCodes: {},
  };
  for (const task of played) {
    const view = await targets.tasks.status(task.id).catch((err: Error) => {
      f.problems.push(`${task.id}: no status (${err.message})`);
      return undefined;
    });
    if (!view) continue;
    phaseOf(task, view, f);
    await moneyOf(task.id, view, targets.books, f);
    f.duplicatesExecuted += doubles(task.id, await targets.books.journal(task.id), f);
    f.notificationsLost += await lost(task.id, targets, f);
  }
  return f;
}

function phaseOf(task: PlayedTask, view: TaskView, f: Findings): void {
  if (view.needsAttention) {
    if (view.attention.length === 0) f.problems.push(`${task.id}: needs attention without a reason`);
    f.needsAttention++;
    for (const code of new Set(view.attention.filter((a) => !a.resolved).map((a) => a.code)))
      f.attentionCodes[code] = (f.attentionCodes[code] ?? 0) + 1;
  } else if (view.phase === task.expected && view.pendingActions.length === 0) f.completed++;
  else
    f.problems.push(
      `${task.id}: phase ${view.phase}, expected ${task.expected}${view.pendingActions.length ? ` (pending: ${view.pendingActions.join('; ')})` : ''}`,
    );
}

async function moneyOf(id: string, view: TaskView, books: SandboxBooks, f: Findings): Promise<void> {
  const gateway = await sandboxLedger(books, id);
  const mine = view.ledger;
  if (!balanced(mine)) {
    f.moneyConserved = false;
    f.problems.push(`${id}: the workflow's ledger does not add up: ${JSON.stringify(mine)}`);
  }
  if (gateway === undefined) {
    if (mine.bountyFrozenFen + mine.valueAddedFeePaidFen !== 0) {
      f.moneyConserved = false;
      f.problems.push(`${id}: the workflow counts money the gateway never froze`);
    }
    return;
  }
  const keys = Object.keys(gateway) as (keyof LedgerFigures)[];
  const differ = keys.filter((k) => gateway[k] !== mine[k]);
  if (differ.length) {
    f.moneyConserved = false;
    f.problems.push(
      `${id}: ledgers differ: ${differ.map((k) => `${k} workflow ${mine[k]} gateway ${gateway[k]}`).join(', ')}`,
    );
  }
}

function balanced(l: LedgerFigures): boolean {
  const out = l.winnersReceivedFen + l.platformReceivedFen + l.alipayFeesFen + l.refundedFen + l.stillFrozenFen;
  return l.bountyFrozenFen + l.valueAddedFeePaidFen === out && l.stillFrozenFen >= 0;
}

function doubles(id: string, journal: Posting[], f: Findings): number {
  const seen = new Map<string, number>();
  for (const p of journal) {
    if (!ONCE_PER_REF.has(p.reason)) continue;
    const key = `${p.reason} ${p.ref}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  let n = 0;
  for (const [key, count] of seen)
    if (count > 1) {
      n += count - 1;
      f.problems.push(`${id}: ${key} executed ${count} times at the gateway`);
    }
  return n;
}

/** Notifications acknowledged with `success` that neither the task nor an inbox item holds. */
async function lost(id: string, targets: { client: Client; books: SandboxBooks }, f: Findings): Promise<number> {
  const reflected = await reflectedNotifyIds(targets.client, id);
  let n = 0;
  for (const record of await targets.books.notifications({ outerTaskId: id })) {
    if (!record.attempts.some((a) => a.success)) continue;
    if (reflected.has(record.notifyId)) continue;
    if (await inInbox(targets.client, record.notifyId)) continue;
    n++;
    f.problems.push(`${id}: notification ${record.notifyId} (${record.notifyType}) answered success, found nowhere`);
  }
  return n;
}

/**
 * The notify_ids a task holds: a closed task's result lists every one it processed; an open task holds those of
 * its earlier runs (in the state it continued with) and every notification signalled into its current run (in its
 * history: durable, processed or about to be). TaskView does not carry them.
 */
export async function reflectedNotifyIds(client: Client, outerTaskId: string): Promise<Set<string>> {
  const handle = client.workflow.getHandle(taskWorkflowId(outerTaskId));
  const desc = await handle.describe().catch((err: unknown) => {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  });
  if (!desc) return new Set();
  if (desc.status.name === 'COMPLETED') return new Set(((await handle.result()) as TaskResult).processedNotifyIds);
  const ids = new Set<string>();
  const history = await handle.fetchHistory();
  // the payloads as the client reads them (decrypted by the codec when there is one)
  const decode = (payloads: Payload[] | null | undefined): Promise<unknown> =>
    decodeFromPayloadsAtIndex<unknown>(client.options.loadedDataConverter, 0, payloads).catch(() => undefined);
  for (const e of history.events ?? []) {
    const started = e.workflowExecutionStartedEventAttributes?.input?.payloads;
    if (started) for (const nid of continuedNotifyIds(await decode(started))) ids.add(nid);
    const a = e.workflowExecutionSignaledEventAttributes;
    if (a?.signalName !== notificationSignal.name) continue;
    const signalled = (await decode(a.input?.payloads)) as { notifyId?: unknown } | undefined;
    if (typeof signalled?.notifyId === 'string') ids.add(signalled.notifyId);
  }
  return ids;
}

/** processedNotifyIds anywhere in a continued run's input (the carried state). */
function continuedNotifyIds(input: unknown, depth = 0): string[] {
  if (!input || typeof input !== 'object' || depth > 4) return [];
  const o = input as Record<string, unknown>;
  if (Array.isArray(o.processedNotifyIds))
    return o.processedNotifyIds.filter((x): x is string => typeof x === 'string');
  return Object.values(o).flatMap((v) => continuedNotifyIds(v, depth + 1));
}

async function inInbox(client: Client, notifyId: string): Promise<boolean> {
  try {
    await client.workflow.getHandle(inboxItemWorkflowId(notifyId)).describe();
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

/** The sandbox's books over its inspection API (a sandbox process). */
export function httpBooks(baseUrl: string): SandboxBooks {
  const get = async <T>(path: string): Promise<T | undefined> => {
    const res = await fetch(`${baseUrl}${path}`, { signal: AbortSignal.timeout(30_000) });
    if (res.status === 404) return undefined;
    if (!res.ok) throw new Error(`sandbox ${path}: HTTP ${res.status}`);
    return (await res.json()) as T;
  };
  const q = (id: string) => `outerTaskId=${encodeURIComponent(id)}`;
  return {
    task: (id) => get<TaskRecord>(`/sandbox/tasks/${encodeURIComponent(id)}`),
    journal: async (id) => (await get<{ postings: Posting[] }>(`/sandbox/journal?${q(id)}`))?.postings ?? [],
    notifications: async ({ outerTaskId }) =>
      (await get<{ notifications: NotificationRecord[] }>(`/sandbox/notifications?${q(outerTaskId)}`))?.notifications ??
      [],
  };
}
