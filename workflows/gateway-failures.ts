/**
 * The failure types the gateway activities throw (ApplicationFailure.type): the contract between the activities,
 * which throw them, and the workflow's retry policies, which decide on them. A leaf: imported by both.
 */
export const GATEWAY_FAILURE = {
  /** SYSTEM_ERROR, timeouts, 5xx, unreadable replies: retried with the same business numbers. */
  transient: 'GatewayTransientError',
  /** NOT_DONE_OF_TRANSFER_FOUND and the like: retried later. */
  state: 'GatewayStateError',
  /** ILLEGAL_SIGN, ILLEGAL_PARTNER, HAS_NO_PRIVILEGE...: not retried; an operator must fix the configuration. */
  configuration: 'GatewayConfigurationError',
  /** The request itself is wrong: not retried; an operator decides. */
  input: 'GatewayInputError',
  /** An "already done" answer that does not prove this very operation was done (WITKEY_DATA_NOT_MATCH...): not retried. */
  mismatch: 'GatewayRequestMismatchError',
} as const;
