/**
 * What a caller is told about a task it cannot act on: no such task; a task that closed (with its final state, from
 * the workflow's result or, after Temporal's retention, from its audit record); or a task whose workflow was
 * terminated / failed / timed out — which no longer moves money although Alipay may still hold some of it frozen,
 * so the last recorded search attributes and the last state (the `state` query of the closed workflow, answered by
 * a worker replaying its history) are handed over with the warning.
 */
import { readFile } from 'node:fs/promises';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { auditFile } from '../activities/audit';
import { untilAnswered } from './retries';
import { formatYuan } from '../alipay/core/money';
import { stateQuery, taskWorkflowId, type TaskResult, type TaskView } from '../workflows/messages';
import { WITKEY_AMOUNT_FEN, WITKEY_NEEDS_ATTENTION, WITKEY_PHASE } from '../workflows/search-attributes';

/** No workflow and no audit record for this task id (in this namespace). */
export class TaskNotFoundError extends Error {
  override name = 'TaskNotFoundError';
  constructor(readonly outerTaskId: string) {
    super(`no task "${outerTaskId}" in this namespace`);
  }
}

/**
 * The task's workflow completed: its final state (`view`), from the workflow's result or its audit record. With
 * `operation` (what was asked) the message says it cannot be done; without it (publish) that a task is never reopened.
 */
export class TaskClosedError extends Error {
  override name = 'TaskClosedError';
  constructor(
    readonly view: TaskView | undefined,
    readonly operation?: string,
    readonly source: 'result' | 'audit' = 'result',
  ) {
    super(
      operation === undefined
        ? `task ${view?.outerTaskId ?? ''} is closed (${view?.phase ?? 'unknown phase'}); a finished task is never reopened`
        : `task ${view?.outerTaskId ?? ''} is closed (final phase ${view?.phase ?? 'unknown'}${closedAt(view)}): cannot ${operation}`,
    );
  }
}

function closedAt(view: TaskView | undefined): string {
  const at = view?.settledAtMs ?? view?.manualSettlement?.atMs ?? view?.cancellation?.atMs;
  return at === undefined ? '' : `, since ${new Date(at).toISOString()}`;
}

/** How a workflow ended without closing the task. */
export type AbortedStatus = 'TERMINATED' | 'FAILED' | 'TIMED_OUT' | 'CANCELLED';

const ENDED: Record<AbortedStatus, string> = {
  TERMINATED: 'was terminated',
  FAILED: 'failed',
  TIMED_OUT: 'timed out',
  CANCELLED: 'was cancelled (as a workflow)',
};

export interface LastRecorded {
  /** WitkeyPhase when the workflow ended. */
  phase?: string;
  /** WitkeyAmountFen: the money frozen when last recorded, in fen (the published bounty for tasks started before 0.2). */
  amountFen?: number;
  needsAttention?: boolean;
}

/**
 * The task's workflow ended without closing the task (terminated, failed, timed out, cancelled): it moves no more
 * money, but money may still be frozen at Alipay. `lastRecorded` are its search attributes when it ended;
 * `lastView` its last state when a worker could answer the state query of the closed workflow.
 */
export class TaskTerminatedError extends Error {
  override name = 'TaskTerminatedError';
  constructor(
    readonly outerTaskId: string,
    readonly workflowStatus: AbortedStatus,
    readonly lastRecorded: LastRecorded,
    readonly lastView?: TaskView,
    readonly closedAtMs?: number,
    readonly operation?: string,
  ) {
    const parts = [
      `workflow ${workflowStatus}${closedAtMs === undefined ? '' : ` at ${new Date(closedAtMs).toISOString()}`}`,
      `last recorded phase ${lastRecorded.phase ?? 'unknown'}`,
    ];
    if (lastRecorded.amountFen !== undefined)
      parts.push(`frozen when last recorded ¥${formatYuan(lastRecorded.amountFen)}`);
    if (lastView) parts.push(`still frozen per its last state ¥${formatYuan(lastView.ledger.stillFrozenFen)}`);
    super(
      `task ${outerTaskId} ${ENDED[workflowStatus]} (${parts.join(', ')})${operation ? `: cannot ${operation}` : ''}; money may still be frozen at Alipay`,
    );
  }
}

/** Where a task stands when it is not running: its final state, its aborted workflow, or nothing. */
export type TaskEnd =
  | { kind: 'running' }
  | { kind: 'missing' }
  | { kind: 'closed'; view: TaskView; source: 'result' | 'audit' }
  | { kind: 'aborted'; error: TaskTerminatedError };

const LAST_STATE_DEADLINE_MS = 5_000;

/** Finds out how a task ended (or that it never existed), for the error a caller is given. */
export async function taskEnd(
  client: Client,
  outerTaskId: string,
  auditDir: string | undefined,
  operation?: string,
): Promise<TaskEnd> {
  const handle = client.workflow.getHandle(taskWorkflowId(outerTaskId));
  let desc;
  try {
    desc = await handle.describe();
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    const view = auditDir === undefined ? undefined : await auditView(auditDir, outerTaskId);
    return view ? { kind: 'closed', view, source: 'audit' } : { kind: 'missing' };
  }
  const status = desc.status.name;
  if (status === 'RUNNING' || status === 'CONTINUED_AS_NEW') return { kind: 'running' };
  if (status === 'COMPLETED')
    return { kind: 'closed', view: ((await handle.result()) as TaskResult).view, source: 'result' };
  const attrs = desc.typedSearchAttributes;
  const lastRecorded: LastRecorded = {};
  const phase = attrs.get(WITKEY_PHASE);
  const amountFen = attrs.get(WITKEY_AMOUNT_FEN);
  const needsAttention = attrs.get(WITKEY_NEEDS_ATTENTION);
  if (phase !== undefined) lastRecorded.phase = phase;
  if (amountFen !== undefined) lastRecorded.amountFen = Number(amountFen);
  if (needsAttention !== undefined) lastRecorded.needsAttention = needsAttention;
  // the state query of a closed workflow is answered by a worker replaying its history; none may be running. A
  // worker that still holds the run may refuse the first query (a guard, client/retries.ts): asked again, replayed
  const deadline = Date.now() + LAST_STATE_DEADLINE_MS;
  const lastView = await untilAnswered(() => client.withDeadline(deadline, () => handle.query(stateQuery))).catch(
    () => undefined,
  );
  const aborted =
    (['TERMINATED', 'FAILED', 'TIMED_OUT', 'CANCELLED'] as const).find((s) => s === status) ?? 'TERMINATED';
  return {
    kind: 'aborted',
    error: new TaskTerminatedError(outerTaskId, aborted, lastRecorded, lastView, desc.closeTime?.getTime(), operation),
  };
}

async function auditView(auditDir: string, outerTaskId: string): Promise<TaskView | undefined> {
  const record = await readFile(auditFile(auditDir, outerTaskId), 'utf8').catch(() => undefined);
  return record === undefined ? undefined : (JSON.parse(record) as TaskResult).view;
}

/**
 * The error for an operation that found no running workflow (WorkflowNotFoundError: none, or closed): no such
 * task, closed, or aborted. Undefined when the task is running after all (e.g. it continued as new meanwhile).
 */
export async function notRunningError(
  client: Client,
  outerTaskId: string,
  auditDir: string | undefined,
  operation: string,
): Promise<Error | undefined> {
  const end = await taskEnd(client, outerTaskId, auditDir, operation);
  switch (end.kind) {
    case 'running':
      return undefined;
    case 'missing':
      return new TaskNotFoundError(outerTaskId);
    case 'closed':
      return new TaskClosedError(end.view, operation, end.source);
    case 'aborted':
      return end.error;
  }
}
