/**
 * The API a site imports: publish a task and get the cashier URL, select and cancel winners, plan the leftover,
 * read a task's status, list tasks by phase. Typed; bad input is refused with an error that names the field,
 * before anything reaches Temporal.
 */
import { readFile } from 'node:fs/promises';
import { Client, WithStartWorkflowOperation, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { auditFile } from '../activities/audit';
import { INBOX_WORKFLOW_ID, inboxQuery, resolveInboxItemUpdate, type InboxItem } from '../workflows/inbox';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { FeeRates } from '../alipay/core/fees';
import { DEFAULT_PAYMENT_TIMEOUT_MS, DEFAULT_RESEND_WINDOW_MS, type bountyTask, type TaskSettings } from '../workflows/bounty-task';
import {
  cancelWinnersUpdate,
  extendUpdate,
  operatorUpdate,
  planLeftoverUpdate,
  publishUpdate,
  selectWinnersUpdate,
  stateQuery,
  taskWorkflowId,
  TASK_WORKFLOW_TYPE,
  type CancelWinnersResult,
  type ExtendInput,
  type ExtendResult,
  type OperatorRequest,
  type PlanLeftoverResult,
  type PublishResult,
  type SelectWinnersResult,
  type TaskResult,
  type TaskView,
} from '../workflows/messages';
import { WITKEY_AMOUNT_FEN, WITKEY_NEEDS_ATTENTION, WITKEY_PHASE, WITKEY_PUBLISHER_ID } from '../workflows/search-attributes';
import { TaskRuleError, validateSpec, type LeftoverInput, type SelectWinnersInput } from '../workflows/task/ledger';
import type { Phase, TaskSpec } from '../workflows/task/types';

/** A request the task refused (validation), or a task that cannot take it; `field` names the offending input when known. */
export class TaskRequestError extends Error {
  override name = 'TaskRequestError';
  constructor(
    message: string,
    readonly code: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** Publishing a task whose workflow has already closed: its final state instead of a new task. */
export class TaskClosedError extends Error {
  override name = 'TaskClosedError';
  constructor(readonly view: TaskView | undefined) {
    super(`task ${view?.outerTaskId ?? ''} is closed (${view?.phase ?? 'unknown phase'}); a finished task is never reopened`);
  }
}

export interface WitkeyTasksOptions {
  taskQueue: string;
  feeRates: FeeRates;
  settings?: Partial<TaskSettings>;
  /** Where the workers write the audit records of closed tasks: `status` falls back to them after retention. */
  auditDir?: string;
}

export type PublishInput = Omit<TaskSpec, 'feeRates'>;

/** Alipay's times have whole seconds: a time is rounded up to the next second at the edge. */
function toWholeSecond(ms: number): number {
  return Number.isFinite(ms) ? Math.ceil(ms / 1000) * 1000 : ms;
}

function fieldOf(message: string): string | undefined {
  return /^([A-Za-z_][\w.[\]]*):/.exec(message)?.[1];
}

function refused(err: unknown): never {
  if (err instanceof TaskRuleError) throw new TaskRequestError(err.message, err.code, fieldOf(err.message));
  if (err instanceof WorkflowUpdateFailedError) {
    const cause: { message?: string; type?: string | null; name?: string } | undefined = err.cause;
    const message = cause?.message ?? err.message;
    throw new TaskRequestError(message, cause?.type ?? cause?.name ?? 'REFUSED', fieldOf(message));
  }
  throw err;
}

export class WitkeyTasks {
  private readonly settings: TaskSettings;
  constructor(
    private readonly client: Client,
    private readonly options: WitkeyTasksOptions,
  ) {
    this.settings = { resendWindowMs: DEFAULT_RESEND_WINDOW_MS, paymentTimeoutMs: DEFAULT_PAYMENT_TIMEOUT_MS, ...options.settings };
  }

  private handle(outerTaskId: string) {
    return this.client.workflow.getHandle<typeof bountyTask>(taskWorkflowId(outerTaskId));
  }

  /**
   * Publishes a task (update-with-start) and returns the signed cashier URL. Publishing the same task again
   * returns the same URL; different parameters are refused; a closed task is never reopened (TaskClosedError).
   */
  async publish(input: PublishInput): Promise<PublishResult> {
    const spec: TaskSpec = { ...input, expiresAtMs: toWholeSecond(input.expiresAtMs), feeRates: this.options.feeRates };
    try {
      validateSpec(spec);
    } catch (err) {
      refused(err);
    }
    const startWorkflowOperation = new WithStartWorkflowOperation<typeof bountyTask>(TASK_WORKFLOW_TYPE, {
      workflowId: taskWorkflowId(spec.outerTaskId),
      taskQueue: this.options.taskQueue,
      args: [{ spec, settings: this.settings }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      memo: { title: spec.title },
      typedSearchAttributes: [
        { key: WITKEY_PHASE, value: 'awaiting_payment' },
        { key: WITKEY_PUBLISHER_ID, value: spec.publisherId },
        { key: WITKEY_AMOUNT_FEN, value: spec.bountyFen },
        { key: WITKEY_NEEDS_ATTENTION, value: false },
      ],
    });
    try {
      return await this.client.workflow.executeUpdateWithStart(publishUpdate, { args: [spec], startWorkflowOperation });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) throw new TaskClosedError(await this.finalView(spec.outerTaskId));
      refused(err);
    }
  }

  /**
   * Selects a round of winners. Give `requestId` (e.g. the site's own request id) so that a retried call returns
   * the first call's round instead of creating a second one (it becomes the update id, deduplicated by Temporal).
   */
  async selectWinners(outerTaskId: string, input: SelectWinnersInput, requestId?: string): Promise<SelectWinnersResult> {
    try {
      const request = input.announceEndMs === undefined ? input : { ...input, announceEndMs: toWholeSecond(input.announceEndMs) };
      return await this.handle(outerTaskId).executeUpdate(selectWinnersUpdate, { args: [request], ...(requestId ? { updateId: requestId } : {}) });
    } catch (err) {
      refused(err);
    }
  }

  async cancelWinners(outerTaskId: string, transferNos: string[]): Promise<CancelWinnersResult> {
    try {
      return await this.handle(outerTaskId).executeUpdate(cancelWinnersUpdate, { args: [{ transferNos }] });
    } catch (err) {
      refused(err);
    }
  }

  async planLeftover(outerTaskId: string, input: LeftoverInput, requestId?: string): Promise<PlanLeftoverResult> {
    try {
      return await this.handle(outerTaskId).executeUpdate(planLeftoverUpdate, { args: [input], ...(requestId ? { updateId: requestId } : {}) });
    } catch (err) {
      refused(err);
    }
  }

  /** amount.append: add bounty and/or extend the deadline; returns the page the publisher confirms. */
  async extend(outerTaskId: string, input: ExtendInput, requestId?: string): Promise<ExtendResult> {
    try {
      return await this.handle(outerTaskId).executeUpdate(extendUpdate, { args: [{ ...input, newExpiresAtMs: toWholeSecond(input.newExpiresAtMs) }], ...(requestId ? { updateId: requestId } : {}) });
    } catch (err) {
      refused(err);
    }
  }

  /** An operator's action on a task (retry, acknowledge, settle manually); returns the task's state after it. */
  async operator(outerTaskId: string, request: OperatorRequest): Promise<TaskView> {
    try {
      return await this.handle(outerTaskId).executeUpdate(operatorUpdate, { args: [request] });
    } catch (err) {
      refused(err);
    }
  }

  /** The operators' inbox: verified notifications no open task took (unknown task, or closed without them). */
  async inbox(): Promise<InboxItem[]> {
    try {
      return await this.client.workflow.getHandle(INBOX_WORKFLOW_ID).query(inboxQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return [];
      throw err;
    }
  }

  /** Resolves an inbox item once an operator has handled it (who and why are required). */
  async resolveInboxItem(notifyId: string, operator: string, reason: string): Promise<{ remaining: number }> {
    try {
      return await this.client.workflow.getHandle(INBOX_WORKFLOW_ID).executeUpdate(resolveInboxItemUpdate, { args: [{ notifyId, operator, reason }] });
    } catch (err) {
      refused(err);
    }
  }

  /** Open tasks that need an operator, with their unresolved reasons. */
  async attention(limit = 100): Promise<{ outerTaskId: string; phase: string; reasons: { code: string; message: string }[] }[]> {
    const out: { outerTaskId: string; phase: string; reasons: { code: string; message: string }[] }[] = [];
    for await (const wf of this.client.workflow.list({ query: `WorkflowType = '${TASK_WORKFLOW_TYPE}' AND WitkeyNeedsAttention = true AND ExecutionStatus = 'Running'` })) {
      const id = wf.workflowId.replace(/^witkey-task-/, '');
      const view = await this.status(id);
      out.push({ outerTaskId: id, phase: view.phase, reasons: view.attention.filter((a) => !a.resolved).map((a) => ({ code: a.code, message: a.message })) });
      if (out.length >= limit) break;
    }
    return out;
  }

  /** The task's full state (open or closed; after Temporal's retention, from its audit record). */
  async status(outerTaskId: string): Promise<TaskView> {
    const handle = this.handle(outerTaskId);
    let desc;
    try {
      desc = await handle.describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError && this.options.auditDir) {
        const record = await readFile(auditFile(this.options.auditDir, outerTaskId), 'utf8').catch(() => undefined);
        if (record) return (JSON.parse(record) as TaskResult).view;
      }
      throw err;
    }
    if (desc.status.name === 'COMPLETED') return ((await handle.result())).view;
    return handle.query(stateQuery);
  }

  private async finalView(outerTaskId: string): Promise<TaskView | undefined> {
    try {
      return await this.status(outerTaskId);
    } catch {
      return undefined;
    }
  }

  /** Tasks by phase (or all), newest first, from the visibility store. */
  async list(phase?: Phase, limit = 100): Promise<{ outerTaskId: string; phase: string; amountFen: number; needsAttention: boolean; status: string }[]> {
    const query = [`WorkflowType = '${TASK_WORKFLOW_TYPE}'`, phase ? `WitkeyPhase = '${phase}'` : undefined].filter(Boolean).join(' AND ');
    const out: { outerTaskId: string; phase: string; amountFen: number; needsAttention: boolean; status: string }[] = [];
    for await (const wf of this.client.workflow.list({ query })) {
      out.push({
        outerTaskId: wf.workflowId.replace(/^witkey-task-/, ''),
        phase: wf.typedSearchAttributes.get(WITKEY_PHASE) ?? '',
        amountFen: wf.typedSearchAttributes.get(WITKEY_AMOUNT_FEN) ?? 0,
        needsAttention: wf.typedSearchAttributes.get(WITKEY_NEEDS_ATTENTION) ?? false,
        status: wf.status.name,
      });
      if (out.length >= limit) break;
    }
    return out;
  }
}
