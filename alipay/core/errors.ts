// Typed errors of the Alipay protocol library. Pure: no Node built-ins (imported by workflow code).
//
// Every error carries an `errorClass` (what the caller should do) and a stable `code`. Messages never contain key
// material or signatures; they may contain field names and short, non-secret values.

/**
 * What the caller does with a failure (docs/PROTOCOL.md §8):
 * - transient: retry with the SAME business numbers (outcome of the call is unknown or nothing happened);
 * - state: retry later, the precondition will become true;
 * - already-done: success only if the recorded request for that business number is the same operation;
 * - configuration: keys, partner, privileges; not retried, surfaced to an operator;
 * - input: the request itself is wrong; not retried, surfaced to an operator.
 */
export type ErrorClass = 'transient' | 'state' | 'already-done' | 'configuration' | 'input';

export const ERROR_CLASSES: readonly ErrorClass[] = ['transient', 'state', 'already-done', 'configuration', 'input'];

export class AlipayError extends Error {
  readonly code: string;
  readonly errorClass: ErrorClass;
  /** True when the remote side may or may not have acted (a reply we could not read or trust). */
  readonly outcomeUnknown: boolean;

  constructor(code: string, errorClass: ErrorClass, message: string, outcomeUnknown = false) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.errorClass = errorClass;
    this.outcomeUnknown = outcomeUnknown;
  }
}

export type MoneyErrorReason =
  | 'not-a-string'
  | 'empty'
  | 'negative'
  | 'not-a-number'
  | 'exponent'
  | 'too-many-decimals'
  | 'overflow'
  | 'malformed'
  | 'not-an-integer';

/** A yuan string or a fen number that is not a valid amount. `reason` says which rule it broke. */
export class MoneyError extends AlipayError {
  readonly reason: MoneyErrorReason;
  readonly field: string | undefined;
  constructor(reason: MoneyErrorReason, message: string, field?: string) {
    super(`MONEY_${reason.toUpperCase().replace(/-/g, '_')}`, 'input', field ? `${field}: ${message}` : message);
    this.reason = reason;
    this.field = field;
  }
}

/** A time string not in the strict yyyyMMddHHmmss / yyyy-MM-dd HH:mm:ss form, or an impossible date. */
export class TimeFormatError extends AlipayError {
  constructor(message: string) {
    super('TIME_FORMAT', 'input', message);
  }
}

/** A request field that breaks a seed limit (length, pattern, record count, required). */
export class FieldError extends AlipayError {
  readonly field: string;
  constructor(field: string, message: string) {
    super('FIELD_INVALID', 'input', `${field}: ${message}`);
    this.field = field;
  }
}

/** A detail-list value containing a separator or control characters, or a detail list that does not decode. */
export class DetailCodecError extends AlipayError {
  readonly field: string;
  constructor(field: string, message: string) {
    super('DETAIL_INVALID', 'input', `${field}: ${message}`);
    this.field = field;
  }
}

/** A business failure reported by the gateway (`is_success=F`, an OpenAPI code other than 10000). */
export class GatewayError extends AlipayError {
  /** The gateway's code exactly as received (e.g. ILLEGAL_SIGN, or an OpenAPI sub_code). */
  readonly gatewayCode: string;
  /** Whether the code is in the classification table (unknown codes get the table's default class). */
  readonly known: boolean;
  constructor(gatewayCode: string, errorClass: ErrorClass, known: boolean, detail?: string) {
    super(
      gatewayCode,
      errorClass,
      `gateway refused: ${gatewayCode}${detail ? ` (${detail})` : ''}`,
      errorClass === 'transient',
    );
    this.gatewayCode = gatewayCode;
    this.known = known;
  }
}

/** A reply that is not well formed or not of the expected shape: the outcome is unknown, retry (never success). */
export class MalformedReplyError extends AlipayError {
  constructor(message: string) {
    super('MALFORMED_REPLY', 'transient', message, true);
  }
}

/**
 * A signature that does not verify. On a reply the outcome is unknown (the call may have been executed);
 * on an inbound request or notification it is simply refused.
 */
export class SignatureError extends AlipayError {
  constructor(message: string, outcomeUnknown = false) {
    super('SIGNATURE_INVALID', 'configuration', message, outcomeUnknown);
  }
}

/** A key that cannot be loaded or does not suit the algorithm. Never carries key material. */
export class KeyError extends AlipayError {
  constructor(message: string) {
    super('KEY_INVALID', 'configuration', message);
  }
}

/** An inbound notification, return callback or request that is refused at the door (changes nothing). */
export class InboundRejectedError extends AlipayError {
  constructor(code: string, message: string) {
    super(code, 'input', message);
  }
}
