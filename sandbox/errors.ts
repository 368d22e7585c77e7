// A refusal by the emulated gateway: the wire error code (ILLEGAL_SIGN, WITKEY_NOT_ALLOW, ...) plus a message for
// humans (logs, HTML pages, the control API). The ledger is never touched by a refused operation.

export class GatewayRefusal extends Error {
  readonly code: string;
  constructor(code: string, message?: string) {
    super(message ? `${code}: ${message}` : code);
    this.name = 'GatewayRefusal';
    this.code = code;
  }
}

/** The conservation check failed: the operation is refused and the state left as it was. */
export class ConservationError extends Error {
  readonly violations: readonly string[];
  constructor(violations: readonly string[]) {
    super(`conservation check failed: ${violations.join('; ')}`);
    this.name = 'ConservationError';
    this.violations = violations;
  }
}

/** An injected HTTP 5xx fault met by an in-process call (the HTTP API answers with the status itself). */
export class InjectedHttpFault extends GatewayRefusal {
  readonly status: number;
  constructor(status: number) {
    super(`HTTP_${status}`, 'injected HTTP fault');
    this.name = 'InjectedHttpFault';
    this.status = status;
  }
}
