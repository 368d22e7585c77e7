/**
 * From the protocol library's error classes (alipay/core/errors.ts, one table in alipay/core/error-codes.ts) to
 * Temporal failures: transient and state errors are retried by the activity's retry policy with the SAME business
 * numbers; configuration and input errors are not retried and reach the workflow, which surfaces them.
 */
import { ApplicationFailure } from '@temporalio/common';
import { AlipayError } from '../alipay';
import { GATEWAY_FAILURE } from './types';

export function toActivityFailure(err: unknown, what: string): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof AlipayError) {
    const details = [{ code: err.code, errorClass: err.errorClass, outcomeUnknown: err.outcomeUnknown }];
    switch (err.errorClass) {
      case 'transient':
        return ApplicationFailure.retryable(`${what}: ${err.message}`, GATEWAY_FAILURE.transient, ...details);
      case 'state':
        return ApplicationFailure.retryable(`${what}: ${err.message}`, GATEWAY_FAILURE.state, ...details);
      case 'configuration':
        return ApplicationFailure.nonRetryable(`${what}: ${err.message}`, GATEWAY_FAILURE.configuration, ...details);
      case 'input':
        return ApplicationFailure.nonRetryable(`${what}: ${err.message}`, GATEWAY_FAILURE.input, ...details);
      case 'already-done':
        // callers decide whether "already done" is success; reaching here means it was not
        return ApplicationFailure.nonRetryable(`${what}: ${err.message}`, GATEWAY_FAILURE.mismatch, ...details);
    }
  }
  // network errors, timeouts, anything unexpected: the outcome is unknown, retry with the same numbers
  return ApplicationFailure.retryable(`${what}: ${(err as Error)?.message ?? String(err)}`, GATEWAY_FAILURE.transient, {
    code: 'NETWORK',
    errorClass: 'transient',
    outcomeUnknown: true,
  });
}
