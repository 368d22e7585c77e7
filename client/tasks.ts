/**
 * The API a site imports: publish a task and get the cashier URL, select and cancel winners, plan the leftover,
 * read a task's status, list tasks by phase. Typed; bad input is refused with an error that names the field,
 * before anything reaches Temporal.
 */
import { staticDetails, staticSummary } from '../workflows/task/life/details';
import {
  Client,
  WithStartWorkflowOperation,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { untilAnswered, untilProcessed } from './retries';
import type { UpdateDefinition } from '@temporalio/common';
import { notRunningError, TaskClosedError, TaskNotFoundError, taskEnd } from './closed';
import { decodeMapFromPayloads } from '@temporalio/common/lib/internal-non-workflow';
import { handOverSignal, INBOX_WORKFLOW_ID, inboxQuery, resolveInboxItemUpdate } from '../workflows/inbox';
import {
  INBOX_ITEM_MEMO,
  INBOX_ITEM_WORKFLOW_TYPE,
  inboxItemWorkflowId,
  inboxRecord,
  OPEN_INBOX_ITEMS_QUERY,
  resolveUpdate,
  validateResolution,
  type inboxItem,
  type InboxItem,
} from '../workflows/inbox-item';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { FeeRates } from '../alipay/core/fees';
import {
  DEFAULT_PAYMENT_TIMEOUT_MS,
  DEFAULT_RESEND_WINDOW_MS,
  type bountyTask,
  type TaskSettings,
} from '../workflows/bounty-task';
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
  type TaskView,
} from '../workflows/messages';
import {
  WITKEY_AMOUNT_FEN,
  WITKEY_NEEDS_ATTENTION,
  WITKEY_PHASE,
  WITKEY_PUBLISHER_ID,
} from '../workflows/search-attributes';
import { TaskRuleError, validateSpec, type LeftoverInput, type SelectWinnersInput } from '../workflows/task/ledger';
import type { Phase, TaskTerms } from '../workflows/task/types';

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

export {
  TaskClosedError,
  TaskNotFoundError,
  TaskTerminatedError,
  type AbortedStatus,
  type LastRecorded,
} from './closed';

export interface WitkeyTasksOptions {
  taskQueue: string;
  feeRates: FeeRates;
  settings?: Partial<TaskSettings>;
  /** Where the workers write the audit records of closed tasks: `status` falls back to them after retention. */
  auditDir?: string;
}

export type PublishInput = Omit<TaskTerms, 'feeRates'>;

export type { InboxItem } from '../workflows/inbox-item';

/** A page of the operators' inbox (`WitkeyTasks.inbox`). */
export interface InboxListOptions {
  /** At most this many items (1..1000, default 100). */
  limit?: number;
  /** The `nextPageToken` of the previous page. */
  pageToken?: string;
}

export interface InboxPage {
  items: InboxItem[];
  /** Present when more items follow: pass it as `pageToken`. */
  nextPageToken?: string;
  /** The old single inbox (`witkey-inbox`) was still running and was asked to hand its items over. */
  legacyInboxHandingOver?: boolean;
}

export interface InboxResolveResult {
  /** The resolved record (with `resolution`). */
  item: InboxItem;
  /** Other open items (approximate); absent when the server cannot count. */
  remaining?: number;
}

/**
 * Alipay's times have whole seconds: a time in whole ms is rounded up to the next second at the edge. Anything else
 * (fractional, unsafe, not a number) is left as it is for the validation to refuse: rounded, 1.005 became 1000.
 */
function toWholeSecond(ms: number): number {
  return Number.isSafeInteger(ms) ? Math.ceil(ms / 1000) * 1000 : ms;
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

/**
 * Refuses a malformed task id before it reaches Temporal (a lone surrogate, for one, fails there as a raw gRPC
 * error), by the very rule publication applies: validateSpec checks `outerTaskId` first, so a TaskRuleError naming
 * another field means the id passed.
 */
function checkOuterTaskId(outerTaskId: string): void {
  try {
    validateSpec({ outerTaskId } as TaskTerms);
  } catch (err) {
    if (err instanceof TaskRuleError && fieldOf(err.message) === 'outerTaskId') refused(err);
  }
}

export class WitkeyTasks {
  private readonly settings: TaskSettings;
  constructor(
    private readonly client: Client,
    private readonly options: WitkeyTasksOptions,
  ) {
    this.settings = {
      resendWindowMs: DEFAULT_RESEND_WINDOW_MS,
      paymentTimeoutMs: DEFAULT_PAYMENT_TIMEOUT_MS,
      ...options.settings,
    };
  }

  private handle(outerTaskId: string) {
    return this.client.workflow.getHandle<typeof bountyTask>(taskWorkflowId(outerTaskId));
  }

  /** Sends a request (a workflow update) to the task: see untilProcessed. */
  private request<Ret, Args extends [unknown, ...unknown[]]>(
    outerTaskId: string,
    update: UpdateDefinition<Ret, Args>,
    args: Args,
    requestId?: string,
  ): Promise<Ret> {
    return untilProcessed((updateId) => this.handle(outerTaskId).executeUpdate(update, { args, updateId }), requestId);
  }

  /**
   * Publishes a task (update-with-start) and returns the signed cashier URL. Publishing the same task again
   * returns the same URL; different parameters are refused; a closed task is never reopened (TaskClosedError).
   */
  async publish(input: PublishInput): Promise<PublishResult> {
    const spec: TaskTerms = {
      ...input,
      expiresAtMs: toWholeSecond(input.expiresAtMs),
      feeRates: this.options.feeRates,
    };
    try {
      validateSpec(spec);
    } catch (err) {
      refused(err);
    }
    const startWorkflowOperation = () =>
      new WithStartWorkflowOperation<typeof bountyTask>(TASK_WORKFLOW_TYPE, {
        workflowId: taskWorkflowId(spec.outerTaskId),
        taskQueue: this.options.taskQueue,
        args: [{ spec, settings: this.settings }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        memo: { title: spec.title },
        staticSummary: staticSummary(spec),
        staticDetails: staticDetails(spec),
        typedSearchAttributes: [
          { key: WITKEY_PHASE, value: 'awaiting_payment' },
          { key: WITKEY_PUBLISHER_ID, value: spec.publisherId },
          { key: WITKEY_AMOUNT_FEN, value: 0 }, // nothing frozen until the publisher pays
          { key: WITKEY_NEEDS_ATTENTION, value: false },
        ],
      });
    try {
      // an operation runs once: each attempt makes its own
      return await untilProcessed((updateId) =>
        this.client.workflow.executeUpdateWithStart(publishUpdate, {
          args: [spec],
          updateId,
          startWorkflowOperation: startWorkflowOperation(),
        }),
      );
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        const end = await taskEnd(this.client, spec.outerTaskId, this.options.auditDir).catch(() => undefined);
        if (end?.kind === 'aborted') throw end.error;
        throw new TaskClosedError(end?.kind === 'closed' ? end.view : undefined);
      }
      refused(err);
    }
  }

  /**
   * Selects a round of winners. Give `requestId` (e.g. the site's own request id) so that a retried call returns
   * the first call's round instead of creating a second one (it becomes the update id, deduplicated by Temporal).
   */
  async selectWinners(
    outerTaskId: string,
    input: SelectWinnersInput,
    requestId?: string,
  ): Promise<SelectWinnersResult> {
    checkOuterTaskId(outerTaskId);
    try {
      const request =
        input.announceEndMs === undefined ? input : { ...input, announceEndMs: toWholeSecond(input.announceEndMs) };
      return await this.request(outerTaskId, selectWinnersUpdate, [request], requestId);
    } catch (err) {
      await this.notRunning(err, outerTaskId, 'select winners');
      refused(err);
    }
  }

  async cancelWinners(outerTaskId: string, transferNos: string[]): Promise<CancelWinnersResult> {
    checkOuterTaskId(outerTaskId);
    try {
      return await this.request(outerTaskId, cancelWinnersUpdate, [{ transferNos }]);
    } catch (err) {
      await this.notRunning(err, outerTaskId, 'cancel winners');
      refused(err);
    }
  }

  async planLeftover(outerTaskId: string, input: LeftoverInput, requestId?: string): Promise<PlanLeftoverResult> {
    checkOuterTaskId(outerTaskId);
    try {
      return await this.request(outerTaskId, planLeftoverUpdate, [input], requestId);
    } catch (err) {
      await this.notRunning(err, outerTaskId, 'plan the leftover');
      refused(err);
    }
  }

  /**
   * The result of an earlier request with this id on the task (selectWinners, planLeftover, extend with a
   * `requestId`), or undefined when the task has none: lets a caller tell a repeated request from a new one before
   * sending it (the repeat returns the same result either way). An earlier request that failed throws its error.
   */
  async earlierResult<T extends SelectWinnersResult | PlanLeftoverResult | ExtendResult>(
    outerTaskId: string,
    requestId: string,
  ): Promise<T | undefined> {
    checkOuterTaskId(outerTaskId);
    try {
      return await this.client.withDeadline(Date.now() + 10_000, () =>
        this.handle(outerTaskId).getUpdateHandle<T>(requestId).result(),
      );
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) refused(err);
      return undefined; // no such update (or no running task: the request itself then says why)
    }
  }

  /** amount.append: add bounty and/or extend the deadline; returns the page the publisher confirms. */
  async extend(outerTaskId: string, input: ExtendInput, requestId?: string): Promise<ExtendResult> {
    checkOuterTaskId(outerTaskId);
    try {
      return await this.request(
        outerTaskId,
        extendUpdate,
        [{ ...input, newExpiresAtMs: toWholeSecond(input.newExpiresAtMs) }],
        requestId,
      );
    } catch (err) {
      await this.notRunning(err, outerTaskId, 'extend the task');
      refused(err);
    }
  }

  /** An operator's action on a task (retry, acknowledge, settle manually); returns the task's state after it. */
  async operator(outerTaskId: string, request: OperatorRequest): Promise<TaskView> {
    checkOuterTaskId(outerTaskId);
    try {
      return await this.request(outerTaskId, operatorUpdate, [request]);
    } catch (err) {
      await this.notRunning(err, outerTaskId, `${request.action}`);
      refused(err);
    }
  }

  /**
   * The operators' inbox, a page at a time: verified notifications no open task took (unknown task, or closed
   * without them), one running `inboxItem` workflow each, read from the visibility store (newest first, eventually
   * consistent: an item recorded a moment ago may take a second to show). Pass the page's `nextPageToken` back as
   * `pageToken` for the next page; none when this is the last. The first page also asks a still running old
   * single inbox (`witkey-inbox`) to hand its items over (`legacyInboxHandingOver`); they show up shortly after.
   */
  async inbox(options: InboxListOptions = {}): Promise<InboxPage> {
    const limit = options.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      throw new TaskRequestError('limit: a whole number from 1 to 1000', 'invalid', 'limit');
    // the visibility store's token, with a 4-byte FNV-1a checksum: a mistyped token is refused here, not by the server
    const fnv = (bytes: Uint8Array): Buffer => {
      let h = 0x811c9dc5;
      for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
      const out = Buffer.alloc(4);
      out.writeUInt32BE(h);
      return out;
    };
    const { pageToken } = options;
    let serverToken: Buffer | undefined;
    if (pageToken !== undefined) {
      const raw = /^[A-Za-z0-9_-]+$/.test(pageToken) ? Buffer.from(pageToken, 'base64url') : Buffer.alloc(0);
      serverToken = raw.subarray(0, raw.length - 4);
      if (raw.length <= 4 || !fnv(serverToken).equals(raw.subarray(raw.length - 4)))
        throw new TaskRequestError('pageToken: not a page token of the inbox listing', 'invalid', 'pageToken');
    }
    let legacyInboxHandingOver = false;
    if (pageToken === undefined) {
      try {
        await this.client.workflow.getHandle(INBOX_WORKFLOW_ID).signal(handOverSignal);
        legacyInboxHandingOver = true;
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err; // none, or finished: the usual case
      }
    }
    const namespace = this.client.options.namespace;
    let response;
    try {
      try {
        response = await this.client.workflowService.listWorkflowExecutions({
          namespace,
          query: OPEN_INBOX_ITEMS_QUERY,
          pageSize: limit,
          nextPageToken: serverToken,
        });
      } catch (err) {
        if ((err as { code?: unknown }).code !== 12) throw err;
        // UNIMPLEMENTED: a server without list queries (the time-skipping test server) still lists open executions by type
        response = await this.client.workflowService.listOpenWorkflowExecutions({
          namespace,
          maximumPageSize: limit,
          nextPageToken: serverToken,
          typeFilter: { name: INBOX_ITEM_WORKFLOW_TYPE },
        });
      }
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (serverToken !== undefined && (code === 2 || code === 3))
        throw new TaskRequestError('pageToken: not a page token of the inbox listing', 'invalid', 'pageToken');
      throw err;
    }
    const items: InboxItem[] = [];
    for (const e of response.executions) {
      const memo = await decodeMapFromPayloads(this.client.options.loadedDataConverter, e.memo?.fields);
      let item = memo?.[INBOX_ITEM_MEMO] as InboxItem | undefined;
      if (!item && e.execution?.workflowId) {
        // a listing without memos (the time-skipping test server's): the execution's own description has it
        const described = await this.client.workflow
          .getHandle(e.execution.workflowId, e.execution.runId ?? undefined)
          .describe()
          .catch(() => undefined);
        item = described?.memo?.[INBOX_ITEM_MEMO] as InboxItem | undefined;
      }
      if (item) items.push(item);
    }
    const next = response.nextPageToken;
    return {
      items,
      ...(next && next.length > 0 ? { nextPageToken: Buffer.concat([next, fnv(next)]).toString('base64url') } : {}),
      ...(legacyInboxHandingOver ? { legacyInboxHandingOver } : {}),
    };
  }

  /**
   * Resolves an open inbox item once an operator has handled it (who and why are required); its workflow completes
   * with the resolved record. `remaining` counts the other open items (visibility: approximate; absent when the
   * server cannot count). An unknown or already resolved notify_id is refused (TaskRequestError, field notifyId).
   * An item still held by the old single inbox is resolved there.
   */
  async resolveInboxItem(notifyId: string, operator: string, reason: string): Promise<InboxResolveResult> {
    if (typeof notifyId !== 'string' || notifyId.trim() === '')
      throw new TaskRequestError('notifyId: required', 'invalid', 'notifyId');
    try {
      validateResolution({ operator, reason });
    } catch (err) {
      const message = (err as Error).message;
      throw new TaskRequestError(message, 'invalid', fieldOf(message));
    }
    const workflowId = inboxItemWorkflowId(notifyId);
    const remaining = async (): Promise<number | undefined> => {
      try {
        const { count } = await this.client.workflow.count(
          `${OPEN_INBOX_ITEMS_QUERY} AND WorkflowId != '${workflowId.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`,
        );
        return Number(count);
      } catch {
        return undefined; // a server without counting (the time-skipping test server)
      }
    };
    try {
      const handle = this.client.workflow.getHandle<typeof inboxItem>(workflowId);
      const item = await untilProcessed((updateId) =>
        handle.executeUpdate(resolveUpdate, { args: [{ operator, reason }], updateId }),
      );
      return { item, remaining: await remaining() };
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) refused(err);
    }
    // no open item of its own: an item the old single inbox still holds?
    try {
      const legacy = this.client.workflow.getHandle(INBOX_WORKFLOW_ID);
      const held = (await untilAnswered(() => legacy.query(inboxQuery))).find(
        (i) => i.notification.notifyId === notifyId,
      );
      if (held) {
        await untilProcessed((updateId) =>
          legacy.executeUpdate(resolveInboxItemUpdate, { args: [{ notifyId, operator, reason }], updateId }),
        );
        const item: InboxItem = {
          ...inboxRecord(held.notification, held.reason, held.receivedAtMs),
          resolution: { operator: operator.trim(), reason: reason.trim(), atMs: Date.now() },
        };
        return { item, remaining: await remaining() };
      }
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) refused(err);
    }
    throw new TaskRequestError(`notifyId: no open inbox item ${notifyId}`, 'not_found', 'notifyId');
  }

  /** Open tasks that need an operator, with their unresolved reasons. */
  async attention(
    limit = 100,
  ): Promise<{ outerTaskId: string; phase: string; reasons: { code: string; message: string }[] }[]> {
    const out: { outerTaskId: string; phase: string; reasons: { code: string; message: string }[] }[] = [];
    for await (const wf of this.client.workflow.list({
      query: `WorkflowType = '${TASK_WORKFLOW_TYPE}' AND WitkeyNeedsAttention = true AND ExecutionStatus = 'Running'`,
    })) {
      const id = wf.workflowId.replace(/^witkey-task-/, '');
      const view = await this.status(id);
      out.push({
        outerTaskId: id,
        phase: view.phase,
        reasons: view.attention.filter((a) => !a.resolved).map((a) => ({ code: a.code, message: a.message })),
      });
      if (out.length >= limit) break;
    }
    return out;
  }

  /**
   * The task's full state (open or closed; after Temporal's retention, from its audit record). A task whose workflow
   * was terminated (or failed) is not shown as if alive: TaskTerminatedError, with its last recorded search
   * attributes and last state. An unknown task: TaskNotFoundError.
   */
  async status(outerTaskId: string): Promise<TaskView> {
    checkOuterTaskId(outerTaskId);
    const end = await taskEnd(this.client, outerTaskId, this.options.auditDir);
    switch (end.kind) {
      case 'running':
        try {
          return await this.stateOfRunning(outerTaskId);
        } catch (err) {
          await this.notRunning(err, outerTaskId, 'show its state'); // it ended between the two calls
          throw err;
        }
      case 'closed':
        return end.view;
      case 'aborted':
        throw end.error;
      case 'missing':
        throw new TaskNotFoundError(outerTaskId);
    }
  }

  /**
   * The `state` query of a running task, asked again while it is refused for a passing reason (client/retries.ts:
   * a worker dropped the run on purpose, workflows/stale-time-guard.ts and workflows/unsent-commands-guard.ts; the
   * task's last workflow task failed and is being retried).
   */
  private stateOfRunning(outerTaskId: string): Promise<TaskView> {
    return untilAnswered(() => this.handle(outerTaskId).query(stateQuery));
  }

  /** An operation found no running workflow: tell why (no such task, closed, terminated) instead of "not found". */
  private async notRunning(err: unknown, outerTaskId: string, operation: string): Promise<void> {
    if (!(err instanceof WorkflowNotFoundError)) return;
    const why = await notRunningError(this.client, outerTaskId, this.options.auditDir, operation);
    if (why) throw why;
  }

  /** Tasks by phase (or all), newest first, from the visibility store. */
  async list(
    phase?: Phase,
    limit = 100,
  ): Promise<{ outerTaskId: string; phase: string; amountFen: number; needsAttention: boolean; status: string }[]> {
    const query = [`WorkflowType = '${TASK_WORKFLOW_TYPE}'`, phase ? `WitkeyPhase = '${phase}'` : undefined]
      .filter(Boolean)
      .join(' AND ');
    const out: { outerTaskId: string; phase: string; amountFen: number; needsAttention: boolean; status: string }[] =
      [];
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
