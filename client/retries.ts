/**
 * When the client asks a task again on its own: an update the server gave up before any worker processed it, and a
 * state query refused for a passing reason (a worker dropped the run on purpose, the task's last workflow task
 * failed and is being retried). Anything else reaches the caller at once.
 */
import { randomUUID } from 'node:crypto';
import { isGrpcServiceError, ServiceError, WorkflowUpdateFailedError } from '@temporalio/client';
import { STALE_TIME_FAILURE, UNSENT_COMMANDS_FAILURE } from '../workflows/messages';

/** How often a request no worker processed is sent again (same update id), and the pause before each. */
export const UNPROCESSED_UPDATE_RETRIES = 5;
const UNPROCESSED_UPDATE_PAUSE_MS = 200;

/** How often a state query refused for a passing reason is asked again, and the first pause (doubled each time). */
export const STATE_QUERY_RETRIES = 5;
const STATE_QUERY_FIRST_PAUSE_MS = 250;

/** gRPC FAILED_PRECONDITION (the client does not depend on @grpc/grpc-js for one constant). */
const FAILED_PRECONDITION = 9;

const pause = (ms: number) => new Promise((res) => setTimeout(res, ms));

/**
 * The server gave an update up before any worker processed it (`UnprocessedUpdate`: nothing was applied; it happens
 * when the workflow task that carried it failed, e.g. a guard dropped a stale run, docs/OPERATIONS.md): the same
 * request, with the same update id, may be sent again.
 */
function unprocessed(err: unknown): boolean {
  return (
    err instanceof WorkflowUpdateFailedError &&
    (err.cause as { type?: string } | undefined)?.type === 'UnprocessedUpdate'
  );
}

/**
 * Sends a workflow update and returns its result. The update id is the caller's request id, or a fresh one, kept
 * for every attempt: an update the server gave up unprocessed is sent again (at most UNPROCESSED_UPDATE_RETRIES
 * times) and can never apply twice.
 */
export async function untilProcessed<Ret>(send: (updateId: string) => Promise<Ret>, requestId?: string): Promise<Ret> {
  const updateId = requestId ?? randomUUID();
  for (let attempt = 0; ; attempt++) {
    try {
      return await send(updateId);
    } catch (err) {
      if (!unprocessed(err) || attempt >= UNPROCESSED_UPDATE_RETRIES) throw err;
      await pause(UNPROCESSED_UPDATE_PAUSE_MS * (attempt + 1));
    }
  }
}

/** Query failures of the activation guards: the worker dropped the run, the same query asked again is answered. */
function droppedByGuard(err: unknown): boolean {
  return err instanceof Error && [STALE_TIME_FAILURE, UNSENT_COMMANDS_FAILURE].some((m) => err.message.startsWith(m));
}

/**
 * The server refuses queries while the task's last workflow task failed and its retry has not completed ("Unable
 * to query workflow due to Workflow Task in failed state"): a worker was killed holding it, or a guard failed it on
 * purpose. The retry completes within a workflow task timeout (10 s) once a worker polls.
 */
export function workflowTaskFailed(err: unknown): boolean {
  if (!(err instanceof ServiceError) || !isGrpcServiceError(err.cause)) return false;
  return (
    (err.cause.code as number) === FAILED_PRECONDITION && /Workflow Task in failed state/i.test(err.cause.details ?? '')
  );
}

/**
 * Asks a state query, again while it is refused for a passing reason: at most STATE_QUERY_RETRIES more times; at
 * once after a guard dropped the run (droppedByGuard), after 250 ms, 500 ms, 1 s, 2 s, 4 s while the workflow task
 * is failed (workflowTaskFailed; 7.75 s in all, a workflow task timeout's worth). A query is read-only: asking
 * again never changes anything.
 */
export async function untilAnswered<Ret>(ask: () => Promise<Ret>): Promise<Ret> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await ask();
    } catch (err) {
      const failedTask = workflowTaskFailed(err);
      if (!(failedTask || droppedByGuard(err)) || attempt >= STATE_QUERY_RETRIES) throw err;
      // a dropped run is rebuilt by the query asked again, at once; a failed workflow task needs its retry first
      if (failedTask) await pause(STATE_QUERY_FIRST_PAUSE_MS * 2 ** attempt);
    }
  }
}
