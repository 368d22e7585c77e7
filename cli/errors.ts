/**
 * Every error a command can meet, as one line and a hint for a person: bad input, refused requests, unknown or
 * closed tasks, configuration, Temporal unreachable or refusing the credentials. Anything else is one line too; the
 * stack trace is printed only with WITKEY_DEBUG set.
 */
import { ServiceError } from '@temporalio/client';
import { NamespaceNotFoundError, WorkflowNotFoundError } from '@temporalio/common';
import { ProvisioningError } from '../devstack/executable';
import { TaskClosedError, TaskNotFoundError, TaskRequestError, TaskTerminatedError } from '../client/tasks';
import { ConfigError, UsageError } from './input-errors';
import { TemporalUnreachableError } from './temporal';

/** Where a refused field comes from on the command line. */
const FIELD_FLAGS: Record<string, string> = {
  outerTaskId: '--id',
  title: '--title',
  taskType: '--type',
  publisherId: '--publisher',
  publisherAlipayUserId: '--publisher-alipay-id',
  bountyFen: '--bounty',
  valueAddedFeeFen: '--value-added-fee',
  expiresAtMs: '--expires',
  newExpiresAtMs: '--expires',
  addBountyFen: '--add-bounty',
  announceEndMs: '--announce-until',
  winners: '--winner',
  refundFen: '--refund',
  platformFen: '--platform',
  transferNos: '<transfer_no>',
};

const UNREACHABLE_HINT =
  'is Temporal running? "witkey up --no-demo" starts one locally; otherwise set TEMPORAL_ADDRESS (and TEMPORAL_TLS_* / TEMPORAL_API_KEY for a hosted Temporal)';

function grpcCode(err: unknown): number | undefined {
  const cause = (err as { cause?: { code?: unknown } })?.cause;
  return typeof cause?.code === 'number' ? cause.code : undefined;
}

const firstLine = (text: string): string => text.split('\n')[0];

export function explain(err: unknown, command: string, taskId?: string): { message: string; hint?: string } {
  const status = taskId ? `"witkey status ${taskId}" shows the task` : undefined;
  if (err instanceof UsageError) return { message: err.message, hint: err.hint ?? `run "witkey ${command} --help"` };
  if (err instanceof ConfigError) return { message: err.message, hint: 'see README.md, "Configuration"' };
  if (err instanceof ProvisioningError) return { message: firstLine(err.message) };
  if (err instanceof TaskRequestError) {
    const root = err.field?.split(/[.[]/)[0];
    const flag = root ? FIELD_FLAGS[root] : undefined;
    return {
      message: `refused (${err.code}): ${firstLine(err.message)}`,
      hint: flag ? `check ${flag}; run "witkey ${command} --help"` : (status ?? `run "witkey ${command} --help"`),
    };
  }
  if (err instanceof TaskClosedError)
    return { message: err.message, hint: status ?? 'a closed task is never reopened: publish under a new id' };
  if (err instanceof TaskTerminatedError) {
    return {
      message: err.message,
      hint: `"witkey status ${err.outerTaskId}" shows its last recorded state; check workflow witkey-task-${err.outerTaskId} in the Temporal UI and settle what is still frozen with Alipay by hand`,
    };
  }
  if (err instanceof TaskNotFoundError)
    return {
      message: err.message,
      hint: '"witkey list" shows the tasks; check TEMPORAL_NAMESPACE and TEMPORAL_ADDRESS',
    };
  if (err instanceof WorkflowNotFoundError) {
    const id = err.workflowId?.replace(/^witkey-task-/, '') || taskId;
    return {
      message: `no task "${id}" in this namespace`,
      hint: '"witkey list" shows the tasks; check TEMPORAL_NAMESPACE and TEMPORAL_ADDRESS',
    };
  }
  if (err instanceof NamespaceNotFoundError)
    return { message: firstLine(err.message), hint: 'check TEMPORAL_NAMESPACE' };
  if (err instanceof TemporalUnreachableError) return { message: err.message, hint: UNREACHABLE_HINT };
  const code = grpcCode(err);
  if (err instanceof ServiceError || code !== undefined) {
    const message = firstLine((err as Error).message);
    if (code === 14 || code === 4) return { message: `Temporal did not answer: ${message}`, hint: UNREACHABLE_HINT };
    if (code === 16 || code === 7)
      return {
        message: `Temporal refused the credentials: ${message}`,
        hint: 'check TEMPORAL_API_KEY / TEMPORAL_TLS_CERT / TEMPORAL_TLS_KEY and TEMPORAL_NAMESPACE',
      };
    if (code === 5) {
      if (/completed|closed/i.test(message))
        return { message: `task ${taskId ?? ''} is closed: ${message}`, hint: status };
      return { message: `not found: ${message}`, hint: '"witkey list" shows the tasks; check TEMPORAL_NAMESPACE' };
    }
    return { message: `Temporal: ${message}`, hint: 'set WITKEY_DEBUG=1 for details' };
  }
  const message = err instanceof Error ? firstLine(err.message) : String(err);
  return { message, hint: 'set WITKEY_DEBUG=1 for details' };
}
