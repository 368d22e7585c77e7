// The faults one can inject, per service or per request, in process and through the control API, and their
// validation (fault-registry.ts keeps the live ones and applies them).
//
// Request faults (gateway.do services, OpenAPI methods, and the completion step of page interfaces):
//   drop          process the request, then destroy the connection without a reply (outcome unknown)
//   http5xx       reply with an HTTP 5xx status (default 503) without processing
//   systemError   reply is_success=F SYSTEM_ERROR (OpenAPI: code 20000 / ACQ.SYSTEM_ERROR, retry_flag=Y), no processing
//   delay         wait delayMs (wall clock) before processing
//   malformedXml  process, then reply with a truncated, not well-formed body
// Notification faults (applied when a matching notification is queued, remembered with it):
//   duplicate     the first delivery is followed by `count` identical copies (same notify_id)
//   reorder       notifications due in the same batch are sent in reverse order
//   delay         the first attempt is due `delayMs` (sandbox clock) later
//   drop          the first `count` attempts are not sent (recorded as dropped; the resend schedule continues)
//   badSignature  the first `count` attempts carry a signature that does not verify
//   gbk           the body is encoded (and signed) in GBK whatever the request's charset
// Winner faults (applied when Alipay looks at a winner's account, inside the operation, recorded with the transfer):
//   accountAbnormal  the winner's Alipay account is abnormal: task.confirm reports the transfer F (stage confirm),
//                    the payment's assign_transfer is F and no money moves (stage payment: immediate payment,
//                    confirm.by.platform payout, leftover payment), or left.amount.handle lists the winner in
//                    failure_bidders (stage leftover); the amount stays frozen for the task.

import { GatewayRefusal } from '../services/refusal';

export type RequestFaultKind = 'drop' | 'http5xx' | 'systemError' | 'delay' | 'malformedXml';
export type NotificationFaultKind = 'duplicate' | 'reorder' | 'delay' | 'drop' | 'badSignature' | 'gbk';

export const REQUEST_FAULT_KINDS: readonly RequestFaultKind[] = [
  'drop',
  'http5xx',
  'systemError',
  'delay',
  'malformedXml',
];
export const NOTIFICATION_FAULT_KINDS: readonly NotificationFaultKind[] = [
  'duplicate',
  'reorder',
  'delay',
  'drop',
  'badSignature',
  'gbk',
];
export type WinnerFaultKind = 'accountAbnormal';
export const WINNER_FAULT_KINDS: readonly WinnerFaultKind[] = ['accountAbnormal'];
/** Where a winner fault shows: task.confirm (F), a payment (assign_transfer F), left.amount.handle (failure_bidders). */
export type WinnerFaultStage = 'confirm' | 'payment' | 'leftover';
export const WINNER_FAULT_STAGES: readonly WinnerFaultStage[] = ['confirm', 'payment', 'leftover'];
/** The default error_code of an abnormal account. */
export const DEFAULT_ACCOUNT_ERROR_CODE = 'ACCOUNT_NOT_EXIST';

export interface RequestFaultSpec {
  target: 'request';
  kind: RequestFaultKind;
  /** Service name (alipay.witkey.task.create, ...) or OpenAPI method (alipay.trade.query); absent = any. */
  service?: string;
  /** Request parameters that must all be equal, e.g. { outer_task_id: "T1" } (per request). */
  match?: Record<string, string>;
  /** How many matching requests get the fault (default 1; 0 = until removed). */
  times?: number;
  /** http5xx: the status (500..599, default 503). */
  status?: number;
  /** delay: milliseconds (wall clock). */
  delayMs?: number;
}

export interface NotificationFaultSpec {
  target: 'notification';
  kind: NotificationFaultKind;
  notifyType?: string;
  notifySubType?: string;
  outerTaskId?: string;
  /** How many matching notifications get the fault (default 1; 0 = until removed). */
  times?: number;
  /** duplicate: extra copies (default 1); drop / badSignature: attempts affected (default 1). */
  count?: number;
  /** delay: sandbox-clock milliseconds before the first attempt. */
  delayMs?: number;
}

export interface WinnerFaultSpec {
  target: 'winner';
  kind: WinnerFaultKind;
  /** Where it shows; absent = the first place the winner's transfer reaches (confirm, leftover or payment). */
  stage?: WinnerFaultStage;
  /** The winner's 2088 id (per winner). */
  alipayUserId?: string;
  /** The transfer number (per request / per transfer). */
  outerTransferNo?: string;
  outerTaskId?: string;
  /** The error_code reported (default ACCOUNT_NOT_EXIST). */
  errorCode?: string;
  /** How many transfers fail (default 1; 0 = until removed). */
  times?: number;
}

export type FaultSpec = RequestFaultSpec | NotificationFaultSpec | WinnerFaultSpec;

/** A winner transfer as a winner fault sees it. */
export interface WinnerFaultSubject {
  outerTaskId: string;
  outerTransferNo: string;
  alipayUserId: string;
}
export type Fault = FaultSpec & { id: string; used: number };

export class FaultError extends Error {}

function positiveInt(v: unknown, what: string, min = 0): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min)
    throw new FaultError(`${what} must be an integer >= ${min}`);
  return v;
}

/** Validate a fault description (from the control API or a test). */
export function validateFault(input: unknown): FaultSpec {
  if (!input || typeof input !== 'object') throw new FaultError('a fault must be an object');
  const f = input as Record<string, unknown>;
  const str = (k: string): string | undefined => {
    const v = f[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v.length === 0 || v.length > 200)
      throw new FaultError(`${k} must be a non-empty string`);
    return v;
  };
  const times = positiveInt(f.times, 'times');
  if (f.target === 'request') {
    const kind = f.kind as RequestFaultKind;
    if (!REQUEST_FAULT_KINDS.includes(kind))
      throw new FaultError(`request fault kind must be one of ${REQUEST_FAULT_KINDS.join(', ')}`);
    let match: Record<string, string> | undefined;
    if (f.match !== undefined) {
      if (!f.match || typeof f.match !== 'object' || Array.isArray(f.match))
        throw new FaultError('match must be an object of strings');
      match = {};
      for (const [k, v] of Object.entries(f.match as Record<string, unknown>)) {
        if (typeof v !== 'string') throw new FaultError('match values must be strings');
        match[k] = v;
      }
    }
    const status = positiveInt(f.status, 'status', 500);
    if (status !== undefined && status > 599) throw new FaultError('status must be 500..599');
    const delayMs = positiveInt(f.delayMs, 'delayMs');
    const service = str('service');
    return {
      target: 'request',
      kind,
      ...(service ? { service } : {}),
      ...(match ? { match } : {}),
      ...(times !== undefined ? { times } : {}),
      ...(status ? { status } : {}),
      ...(delayMs !== undefined ? { delayMs } : {}),
    };
  }
  if (f.target === 'notification') {
    const kind = f.kind as NotificationFaultKind;
    if (!NOTIFICATION_FAULT_KINDS.includes(kind))
      throw new FaultError(`notification fault kind must be one of ${NOTIFICATION_FAULT_KINDS.join(', ')}`);
    const count = positiveInt(f.count, 'count', 1);
    const delayMs = positiveInt(f.delayMs, 'delayMs');
    const notifyType = str('notifyType');
    const notifySubType = str('notifySubType');
    const outerTaskId = str('outerTaskId');
    return {
      target: 'notification',
      kind,
      ...(notifyType ? { notifyType } : {}),
      ...(notifySubType ? { notifySubType } : {}),
      ...(outerTaskId ? { outerTaskId } : {}),
      ...(times !== undefined ? { times } : {}),
      ...(count !== undefined ? { count } : {}),
      ...(delayMs !== undefined ? { delayMs } : {}),
    };
  }
  if (f.target === 'winner') {
    const kind = f.kind as WinnerFaultKind;
    if (!WINNER_FAULT_KINDS.includes(kind))
      throw new FaultError(`winner fault kind must be one of ${WINNER_FAULT_KINDS.join(', ')}`);
    const stage = str('stage') as WinnerFaultStage | undefined;
    if (stage !== undefined && !WINNER_FAULT_STAGES.includes(stage))
      throw new FaultError(`stage must be one of ${WINNER_FAULT_STAGES.join(', ')}`);
    const alipayUserId = str('alipayUserId');
    if (alipayUserId !== undefined && !/^2088[0-9]{12}$/.test(alipayUserId))
      throw new FaultError('alipayUserId must be 2088 followed by 12 digits');
    const errorCode = str('errorCode');
    if (errorCode !== undefined && !/^[A-Z][A-Z0-9_.]{0,63}$/.test(errorCode))
      throw new FaultError('errorCode must be an upper-case code (A-Z, 0-9, _ and .), at most 64 characters');
    const outerTransferNo = str('outerTransferNo');
    const outerTaskId = str('outerTaskId');
    return {
      target: 'winner',
      kind,
      ...(stage ? { stage } : {}),
      ...(alipayUserId ? { alipayUserId } : {}),
      ...(outerTransferNo ? { outerTransferNo } : {}),
      ...(outerTaskId ? { outerTaskId } : {}),
      ...(errorCode ? { errorCode } : {}),
      ...(times !== undefined ? { times } : {}),
    };
  }
  throw new FaultError('target must be "request", "notification" or "winner"');
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
