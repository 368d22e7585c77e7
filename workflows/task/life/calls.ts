/** The activities a bounty task calls, each group with the timeouts and retries its kind of work needs. */
import { proxyActivities } from '@temporalio/workflow';
import type { TaskActivities } from '../../../activities/types';

/** Building signed pages is local work: short timeouts, a few retries. */
export const pages = proxyActivities<
  Pick<TaskActivities, 'createTaskPage' | 'createConfirmPage' | 'createAppendPage' | 'createLeftoverPage'>
>({
  startToCloseTimeout: '20 seconds',
  retry: {
    initialInterval: '1 second',
    maximumAttempts: 5,
    nonRetryableErrorTypes: ['GatewayInputError', 'GatewayConfigurationError'],
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
    nonRetryableErrorTypes: ['GatewayInputError', 'GatewayConfigurationError'],
  },
});

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
    nonRetryableErrorTypes: ['GatewayInputError', 'GatewayConfigurationError'],
  },
});

/** Calls to the gateway: retried with the same business numbers until they succeed or fail for good. */
export const gateway = proxyActivities<Pick<TaskActivities, 'confirmByPlatform' | 'cancelConfirmByPlatform'>>({
  startToCloseTimeout: '60 seconds',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '10 minutes',
    nonRetryableErrorTypes: ['GatewayInputError', 'GatewayConfigurationError', 'GatewayRequestMismatchError'],
  },
});

/** An activity failure's reason: its cause's message (the activity's own error), else its message. */
export function failureMessage(err: unknown): string {
  const cause = (err as { cause?: Error }).cause;
  return cause?.message ?? (err as Error).message;
}
