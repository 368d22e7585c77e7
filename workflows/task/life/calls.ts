/** The activities a bounty task calls, each group with the timeouts and retries its kind of work needs. */
import { proxyActivities } from '@temporalio/workflow';
import type { TaskActivities } from '../../../activities/types';
import { GATEWAY_FAILURE } from '../../gateway-failures';

/** Failures no retry can mend: a wrong request or configuration waits for an operator. */
const NOT_RETRIED = [GATEWAY_FAILURE.input, GATEWAY_FAILURE.configuration];

/** Building signed pages is local work: short timeouts, a few retries. */
export const pages = proxyActivities<
  Pick<TaskActivities, 'createTaskPage' | 'createConfirmPage' | 'createAppendPage' | 'createLeftoverPage'>
>({
  startToCloseTimeout: '20 seconds',
  retry: {
    initialInterval: '1 second',
    maximumAttempts: 5,
    nonRetryableErrorTypes: NOT_RETRIED,
  },
});

/** The freeze trade on the OpenAPI side: query a few times; cancel, repeated while retry_flag is Y, then hand over. */
export const trades = proxyActivities<Pick<TaskActivities, 'queryFreezeTrade' | 'cancelFreezeTrade'>>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 5,
    nonRetryableErrorTypes: NOT_RETRIED,
  },
});

/** trade.query of a freeze trade, named in the Web UI. */
export function askAboutPayment(freezeNo: string, summary: string) {
  return trades.queryFreezeTrade.executeWithOptions({ summary }, [{ freezeNo }]);
}

/** trade.cancel of a freeze trade, named in the Web UI. */
export function closePayment(freezeNo: string, summary: string) {
  return trades.cancelFreezeTrade.executeWithOptions({ summary }, [{ freezeNo }]);
}

/** Local file writes: retried until they succeed (a full disk is fixed by an operator, the task waits). */
export const records = proxyActivities<Pick<TaskActivities, 'writeAuditRecord'>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

/**
 * Cancelling winners answers a person waiting on an update: a few attempts, then the outcome counts as unknown and
 * the cancel is repeated before the payout (it never holds a payout back for long).
 */
export const cancels = proxyActivities<Pick<TaskActivities, 'cancelConfirmByPlatform'>>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '10 seconds',
    maximumAttempts: 5,
    nonRetryableErrorTypes: NOT_RETRIED,
  },
});

/** Calls to the gateway: retried with the same business numbers until they succeed or fail for good. */
export const gateway = proxyActivities<Pick<TaskActivities, 'confirmByPlatform' | 'cancelConfirmByPlatform'>>({
  startToCloseTimeout: '60 seconds',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '10 minutes',
    nonRetryableErrorTypes: [...NOT_RETRIED, GATEWAY_FAILURE.mismatch],
  },
});

/** An activity failure's reason: its cause's message (the activity's own error), else its message. */
export function failureMessage(err: unknown): string {
  const cause = (err as { cause?: Error }).cause;
  return cause?.message ?? (err as Error).message;
}
