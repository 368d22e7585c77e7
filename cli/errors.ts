/**
 * Every error a command can meet, as one line and a hint for a person: bad input, refused requests, unknown or
 * closed tasks, configuration, Temporal unreachable or refusing the credentials. Anything else is one line too; the
 * stack trace is printed only with WITKEY_DEBUG set.
 */
import { ServiceError, WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { NamespaceNotFoundError, TemporalFailure, WorkflowNotFoundError } from '@temporalio/common';
import { CodecKeyMissingError, ENCRYPTED_ENCODING, PayloadDecryptionError } from '../codec';
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
  'is Temporal running? "witkey up --no-demo" starts one locally; otherwise set TEMPORAL_ADDRESS (and TEMPORAL_TLS_* / TEMPORAL_API_KEY for a hosted Temporal) or TEMPORAL_PROFILE';

function grpcCode(err: unknown): number | undefined {
  const cause = (err as { cause?: { code?: unknown } })?.cause;
  return typeof cause?.code === 'number' ? cause.code : undefined;
}

/** Internal class names a message may start with ("TaskRuleError: ...", "ApplicationFailure: ..."): not for people. */
const CLASS_PREFIX = /^(?:[A-Z][a-z0-9]+)+(?:Error|Failure|Exception):\s*/;

/** The first line of a message, without the class names of the code that threw it. */
function firstLine(text: string): string {
  let line = text.split('\n')[0];
  while (CLASS_PREFIX.test(line)) line = line.replace(CLASS_PREFIX, '');
  return line;
}

/**
 * Codes a person can look up (Alipay's and the task's: ILLEGAL_ARGUMENT, WITKEY_NOT_ALLOW) are shown; a failure type
 * that is a class name (TaskRuleError, ApplicationFailure, Error) says nothing to an operator and is left out.
 */
const isPlainCode = (code: string): boolean => /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/.test(code);

/** What went wrong, for an error Temporal wrapped ("Workflow Update failed"): the cause's words when it has some. */
function messageOf(err: unknown): string {
  const cause = (err as { cause?: unknown })?.cause;
  if (err instanceof TemporalFailure || err instanceof WorkflowFailedError || err instanceof WorkflowUpdateFailedError)
    if (cause instanceof Error && cause.message) return messageOf(cause);
  return err instanceof Error ? firstLine(err.message) : firstLine(String(err));
}

export function explain(err: unknown, command: string, taskId?: string): { message: string; hint?: string } {
  const status = taskId ? `"witkey status ${taskId}" shows the task` : undefined;
  if (err instanceof UsageError) return { message: err.message, hint: err.hint ?? `run "witkey ${command} --help"` };
  if (err instanceof ConfigError) return { message: err.message, hint: 'see README.md, "Configuration"' };
  if (err instanceof ProvisioningError) return { message: firstLine(err.message) };
  if (err instanceof TaskRequestError) {
    const root = err.field?.split(/[.[]/)[0];
    const flag = root ? FIELD_FLAGS[root] : undefined;
    return {
      message: `refused${isPlainCode(err.code) ? ` (${err.code})` : ''}: ${firstLine(err.message)}`,
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
      message: id ? `no task "${id}" in this namespace` : 'no such task in this namespace',
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
        hint: 'check TEMPORAL_API_KEY / TEMPORAL_TLS_CLIENT_CERT_PATH / TEMPORAL_TLS_CLIENT_KEY_PATH (or the profile) and TEMPORAL_NAMESPACE',
      };
    if (code === 5) {
      if (/completed|closed/i.test(message))
        return { message: `task ${taskId ?? ''} is closed: ${message}`, hint: status };
      return { message: `not found: ${message}`, hint: '"witkey list" shows the tasks; check TEMPORAL_NAMESPACE' };
    }
    return { message: `Temporal: ${message}`, hint: 'set WITKEY_DEBUG=1 for details' };
  }
  const codec = codecProblem(err);
  if (codec) return codec;
  return { message: messageOf(err), hint: 'set WITKEY_DEBUG=1 for details' };
}

const CODEC_HINT = 'see docs/CODEC.md; every worker, webhook and client of the tasks needs the same key folder';

/** Encrypted payloads this process cannot read: no keys at all, or not the key they were encrypted with. */
function codecProblem(err: unknown): { message: string; hint: string } | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof CodecKeyMissingError || e instanceof PayloadDecryptionError)
      return { message: `cannot read the task's data: ${e.message}`, hint: CODEC_HINT };
    if (e.message.includes(`Unknown encoding: ${ENCRYPTED_ENCODING}`))
      return {
        message: "the task's data is encrypted and no codec keys are configured: set WITKEY_CODEC_KEYS_DIR",
        hint: CODEC_HINT,
      };
  }
  return undefined;
}
