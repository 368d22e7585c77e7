// The ONE error-code classification table (docs/PROTOCOL.md §8 and §9). Pure.
// A gateway that behaves differently is accommodated by changing a line here, not the workflow.

import type { ErrorClass } from './errors';

/** Legacy gateway (MAPI) `<error>` codes of `is_success=F`, and per-transfer error codes. */
export const MAPI_ERROR_CLASSES: Readonly<Record<string, ErrorClass>> = {
  // transient: retry with the SAME business numbers
  SYSTEM_ERROR: 'transient',
  SESSION_TIMEOUT: 'transient',
  // state: retry later, the precondition will become true
  NOT_DONE_OF_TRANSFER_FOUND: 'state',
  REMAINS_OF_TASK_AMOUNT_FOUND: 'state',
  // already done: success only if the recorded request for that number is the same operation
  WITKEY_TASK_EXIST_ERROR: 'already-done',
  WITKEY_RECHARGE_EXIST_ERROR: 'already-done',
  WITKEY_TRANSFER_ALREADY_EXIST: 'already-done',
  TRANSFER_NO_ALREADY_EXIST: 'already-done', // the cancel document's spelling, treated like WITKEY_TRANSFER_ALREADY_EXIST
  WITKEY_OUTER_TRANSFER_REPEAT: 'already-done',
  WITKEY_OUTER_TRANSFER_ALREADY_PAID: 'already-done',
  WITKEY_DATA_NOT_MATCH: 'already-done', // same number, different data: the "needs attention" branch of already-done
  // configuration: not retried, operator
  ILLEGAL_SIGN: 'configuration',
  ILLEGAL_PARTNER: 'configuration',
  ILLEGAL_SERVICE: 'configuration',
  ILLEGAL_CHARSET: 'configuration',
  ILLEGAL_SIGN_TYPE: 'configuration',
  HAS_NO_PRIVILEGE: 'configuration',
  ILLEGAL_PARTNER_EXTERFACE: 'configuration',
  // input: not retried, operator
  ILLEGAL_ARGUMENT: 'input',
  WITKEY_TASK_NOT_EXIST: 'input',
  WITKEY_TRANSFER_NOT_EXIST: 'input',
  WITKEY_AMOUNT_NOT_MATCH: 'input',
  WITKEY_TASK_LEF_AMOUNT_NOT_ENOUGH: 'input',
  WITKEY_COUNT_NOT_MATCH: 'input',
  WITKEY_NOT_ALLOW: 'input',
  WITKEY_DATA_VALIDATE_FAILURE: 'input',
  BIDDER_EQUALS_TASK_CREATOR_ERROR: 'input',
  ACCOUNT_NOT_EXIST: 'input',
};

/** Class of a code that is not in the table: not retried, surfaced to an operator. */
export const UNKNOWN_CODE_CLASS: ErrorClass = 'input';

export interface Classification {
  readonly errorClass: ErrorClass;
  readonly known: boolean;
}

export function classifyMapiCode(code: string): Classification {
  const c = Object.prototype.hasOwnProperty.call(MAPI_ERROR_CLASSES, code) ? MAPI_ERROR_CLASSES[code] : undefined;
  return c ? { errorClass: c, known: true } : { errorClass: UNKNOWN_CODE_CLASS, known: false };
}

// ---- OpenAPI (alipay.trade.query / alipay.trade.cancel)

export const OPENAPI_SUCCESS_CODE = '10000';
export const OPENAPI_UNKNOWN_CODE = '20000';
export const OPENAPI_BUSINESS_FAILURE_CODE = '40004';

/** Top-level OpenAPI `code`s other than 10000 / 40004. */
export const OPENAPI_CODE_CLASSES: Readonly<Record<string, ErrorClass>> = {
  '20000': 'transient', // service unavailable / outcome unknown
  '20001': 'configuration', // insufficient authorisation token
  '40001': 'input', // missing required parameter
  '40002': 'input', // illegal parameter (also isv.invalid-signature etc.)
  '40006': 'configuration', // insufficient permissions
};

/** OpenAPI `sub_code`s of code 40004 (and 4000x); prefix rules below cover the `isv.` family. */
export const OPENAPI_SUB_CODE_CLASSES: Readonly<Record<string, ErrorClass>> = {
  'ACQ.SYSTEM_ERROR': 'transient',
  'AQC.SYSTEM_ERROR': 'transient', // Alipay's own typo, same meaning
  'ACQ.INVALID_PARAMETER': 'input',
  'ACQ.TRADE_NOT_EXIST': 'input', // for query this is a result ("not found"), see trade.ts
  'ACQ.SELLER_BALANCE_NOT_ENOUGH': 'state',
  'ACQ.REASON_TRADE_BEEN_FREEZEN': 'state',
  'ACQ.TRADE_HAS_FINISHED': 'already-done',
  'ACQ.TRADE_STATUS_ERROR': 'input',
};

export function classifyOpenApiCode(code: string, subCode?: string): Classification {
  if (subCode) {
    if (Object.prototype.hasOwnProperty.call(OPENAPI_SUB_CODE_CLASSES, subCode))
      return { errorClass: OPENAPI_SUB_CODE_CLASSES[subCode], known: true };
    if (subCode.startsWith('isv.') || subCode.startsWith('aop.')) return { errorClass: 'configuration', known: true };
  }
  if (Object.prototype.hasOwnProperty.call(OPENAPI_CODE_CLASSES, code))
    return { errorClass: OPENAPI_CODE_CLASSES[code], known: true };
  return { errorClass: UNKNOWN_CODE_CLASS, known: false };
}
