/**
 * Request ids of the commands that create a round (winners, leftover, extend): derived from the task and the
 * arguments, so that the same command repeated (a retry after a timeout, a second press) returns the first
 * round instead of creating another; the workflow deduplicates its updates by this id. A deliberate second
 * identical round takes the command's "new" flag (a fresh id) or an id of the caller's own (--request-id).
 */
import { createHash, randomUUID } from 'node:crypto';
import { str, type Values } from './args';
import { UsageError } from './input-errors';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,200}$/;

export interface RequestId {
  requestId: string;
  /** How it was chosen: derived from the arguments, fresh (the "new" flag), or given (--request-id). */
  source: 'derived' | 'new' | 'given';
}

/**
 * `kind` names the command; `args` are its arguments in a canonical form (amounts in fen, winners in order, times as
 * `timeKey`); `newFlag` is the command's flag for a deliberate second identical round.
 */
export function requestIdOf(
  kind: 'winners' | 'leftover' | 'extend',
  outerTaskId: string,
  args: unknown,
  v: Values,
  newFlag: string,
): RequestId {
  const given = str(v, 'request-id');
  if (given !== undefined && v[newFlag])
    throw new UsageError(
      `--${newFlag} and --request-id exclude each other`,
      `--${newFlag} makes a fresh request id; --request-id gives your own`,
    );
  if (given !== undefined) {
    if (!REQUEST_ID.test(given))
      throw new UsageError(`--request-id=${JSON.stringify(given)}: 1-200 letters, digits, '.', '_', ':' or '-'`);
    return { requestId: given, source: 'given' };
  }
  if (v[newFlag]) return { requestId: `cli-${kind}-new-${randomUUID()}`, source: 'new' };
  const digest = createHash('sha256')
    .update(JSON.stringify([kind, outerTaskId, args]), 'utf8')
    .digest('hex')
    .slice(0, 32);
  return { requestId: `cli-${kind}-${digest}`, source: 'derived' };
}
