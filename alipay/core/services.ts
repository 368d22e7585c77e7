// Typed request builders (client side) and request readers (gateway side) for every witkey service, with the
// field limits of the seed tables and the record limits (30 / 50 / 15). Pure: they produce and read the
// business parameters only; signing and transport live in ../mapi-request.ts.

import { FieldError } from './errors';
import { optionalString, requireAlipayUserId, requireString, type StringRule } from './fields';
import { formatYuan, parseYuan } from './money';
import { formatCompactTime, parseCompactTime } from './times';
import {
  decodeSerialAmount,
  decodeTransferNumbers,
  decodeTransferRecords,
  encodeSerialAmount,
  encodeTransferNumbers,
  encodeTransferRecords,
  type SerialAmount,
  type Separators,
  type TransferRecord,
} from './detail';

export type ServiceName =
  | 'alipay.witkey.task.create'
  | 'alipay.witkey.task.confirm'
  | 'alipay.witkey.task.amount.append'
  | 'alipay.witkey.task.confirm.by.platform'
  | 'alipay.witkey.task.cancel.confirm.by.platform'
  | 'alipay.witkey.task.left.amount.handle';

export interface ServiceDescriptor {
  /** page: the user's browser is sent to the gateway (redirect URL or auto-submitting form); system: server to server. */
  readonly kind: 'page' | 'system';
  readonly method: 'GET' | 'POST';
  /** How the synchronous result comes back: return_url callback (page) or XML reply (system). */
  readonly result: 'return_url' | 'xml_reply';
  /** How the return_url callback is delivered and what it carries (page services only). */
  readonly returnMethod?: 'GET' | 'POST';
  readonly returnPayload?: 'params' | 'xml';
  /** The notify_type values this service causes. */
  readonly notifies: readonly string[];
}

/** How each service travels (Alipay's witkey documents; task.confirm and amount.append are page interfaces by decision). */
export const SERVICES: Readonly<Record<ServiceName, ServiceDescriptor>> = {
  'alipay.witkey.task.create': {
    kind: 'page',
    method: 'GET',
    result: 'return_url',
    returnMethod: 'GET',
    returnPayload: 'params',
    notifies: ['task_freeze', 'additional_profit_transfer'],
  },
  'alipay.witkey.task.amount.append': {
    kind: 'page',
    method: 'GET',
    result: 'return_url',
    returnMethod: 'GET',
    returnPayload: 'params',
    notifies: ['task_freeze', 'additional_profit_transfer'],
  },
  'alipay.witkey.task.confirm': {
    kind: 'page',
    method: 'GET',
    result: 'return_url',
    returnMethod: 'GET',
    returnPayload: 'xml',
    notifies: ['task_confirm', 'assign_transfer', 'platform_profit_transfer'],
  },
  'alipay.witkey.task.confirm.by.platform': {
    kind: 'system',
    method: 'GET',
    result: 'xml_reply',
    notifies: ['assign_transfer', 'platform_profit_transfer'],
  },
  'alipay.witkey.task.cancel.confirm.by.platform': {
    kind: 'system',
    method: 'POST',
    result: 'xml_reply',
    notifies: [],
  },
  'alipay.witkey.task.left.amount.handle': {
    kind: 'page',
    method: 'POST',
    result: 'return_url',
    returnMethod: 'POST',
    returnPayload: 'xml',
    notifies: ['left_amount_handle', 'refund_transfer', 'assign_transfer', 'platform_profit_transfer'],
  },
};

export function isServiceName(name: string): name is ServiceName {
  return Object.prototype.hasOwnProperty.call(SERVICES, name);
}

const URL_RULE: StringRule = { max: 200, pattern: /^https?:\/\/[^\s]+$/, patternText: 'an http(s) URL' };
const NO_RULE: StringRule = { max: 30 };

/** Field limits of the seed tables (String(N), characters). */
export const FIELD_RULES = {
  outer_task_id: { max: 50 },
  outer_task_freeze_no: NO_RULE,
  additional_profit_transfer_no: NO_RULE,
  /** Decision: transfer numbers inside detail lists are at most 30 characters, like the other business numbers. */
  outer_transfer_no: NO_RULE,
  return_url: URL_RULE,
  notify_url: URL_RULE,
  task_type: { max: 20 },
  task_title: { max: 250 },
  outer_account_name: { max: 128 },
  outer_account_id: { max: 50 },
} satisfies Record<string, StringRule>;

/** Record limits and total lengths of the detail lists. */
export const DETAIL_LIMITS = {
  'confirm.by.platform/transfer_detail': { maxRecords: 30, maxLength: 1000 },
  'cancel.confirm.by.platform/cancel_transfer_detail': { maxRecords: 50, maxLength: 3100 },
  'left.amount.handle/transfer_detail': { maxRecords: 15, maxLength: 2000 },
  /** Decision (no seed): task.confirm uses the same record shape and limits as left.amount.handle. */
  'task.confirm/transfer_detail': { maxRecords: 15, maxLength: 2000 },
  'left.amount.handle/refund_detail': { maxRecords: 1, maxLength: 50 },
  'left.amount.handle/platform_detail': { maxRecords: 1, maxLength: 50 },
} as const;

export type BusinessParams = Record<string, string | undefined>;

export interface MapiBusinessRequest {
  readonly service: ServiceName;
  /** Business parameters only (no partner, _input_charset, sign, sign_type). Absent optional fields are undefined. */
  readonly params: BusinessParams;
}

// ---------------------------------------------------------------------------------------------- helpers

function amountParam(field: string, fen: number): string {
  return formatYuan(fen, field);
}

function checkDetailLength(name: keyof typeof DETAIL_LIMITS, encoded: string, records: number): string {
  const limit = DETAIL_LIMITS[name];
  if (records > limit.maxRecords) throw new FieldError(name, `more than ${limit.maxRecords} records`);
  if ([...encoded].length > limit.maxLength) throw new FieldError(name, `longer than String(${limit.maxLength})`);
  return encoded;
}

function noDuplicates(field: string, numbers: readonly string[]): void {
  if (new Set(numbers).size !== numbers.length) throw new FieldError(field, 'duplicate transfer number');
}

function transferNos(
  name: 'confirm.by.platform/transfer_detail' | 'cancel.confirm.by.platform/cancel_transfer_detail',
  nos: readonly string[],
  seps?: Separators,
): string {
  if (!nos || nos.length === 0) throw new FieldError(name, 'at least one transfer number is required');
  nos.forEach((n) => requireString('outer_transfer_no', n, FIELD_RULES.outer_transfer_no));
  noDuplicates(name, nos);
  return checkDetailLength(name, encodeTransferNumbers(name, nos, seps), nos.length);
}

function transferRecords(
  name: 'task.confirm/transfer_detail' | 'left.amount.handle/transfer_detail',
  records: readonly TransferRecord[],
  seps?: Separators,
): string {
  if (!records || records.length === 0) throw new FieldError(name, 'at least one transfer record is required');
  for (const r of records) {
    requireString('outer_transfer_no', r.outerTransferNo, FIELD_RULES.outer_transfer_no);
    requireAlipayUserId('alipay_user_id', r.alipayUserId);
    requireString('nickname', r.nickname, { max: 128 });
    if (r.amountFen <= 0) throw new FieldError(name, 'transfer amount must be positive');
  }
  noDuplicates(
    name,
    records.map((r) => r.outerTransferNo),
  );
  return checkDetailLength(name, encodeTransferRecords(name, records, seps), records.length);
}

function serialAmount(
  name: 'left.amount.handle/refund_detail' | 'left.amount.handle/platform_detail',
  value: SerialAmount,
  seps?: Separators,
): string {
  requireString(`${name} serial`, value.serialNo, FIELD_RULES.outer_transfer_no);
  if (value.amountFen <= 0) throw new FieldError(name, 'amount must be positive');
  return checkDetailLength(name, encodeSerialAmount(name, value, seps), 1);
}

function req(params: BusinessParams, field: keyof typeof FIELD_RULES): string {
  return requireString(field, params[field], FIELD_RULES[field]);
}

function opt(params: BusinessParams, field: keyof typeof FIELD_RULES): string | undefined {
  return optionalString(field, params[field], FIELD_RULES[field]);
}

function reqAmount(params: BusinessParams, field: string): number {
  const v = params[field];
  if (v === undefined || v === '') throw new FieldError(field, 'is required');
  return parseYuan(v, field);
}

function optAmount(params: BusinessParams, field: string): number | undefined {
  const v = params[field];
  return v === undefined || v === '' ? undefined : parseYuan(v, field);
}

function checkProfitPair(amountFen: number | undefined, no: string | undefined): void {
  if (amountFen !== undefined && amountFen > 0 && !no)
    throw new FieldError('additional_profit_transfer_no', 'is required when additional_profit_amount is set');
  if (no && (amountFen === undefined || amountFen === 0))
    throw new FieldError('additional_profit_amount', 'is required when additional_profit_transfer_no is set');
}

function only<T extends object>(value: T): T {
  return value;
}

// ---------------------------------------------------------------------------------------------- task.create

export interface TaskCreateRequest {
  readonly outerTaskId: string;
  readonly outerTaskFreezeNo: string;
  readonly taskAmountFen: number;
  readonly additionalProfitAmountFen?: number;
  readonly additionalProfitTransferNo?: string;
  readonly returnUrl: string;
  readonly notifyUrl: string;
  readonly taskType: string;
  readonly taskTitle: string;
  /** Epoch ms; sent as yyyyMMddHHmmss China time. */
  readonly taskExpiredTime: number;
  readonly outerAccountName?: string;
  readonly outerAccountId: string;
}

export function buildTaskCreate(r: TaskCreateRequest): MapiBusinessRequest {
  const params: BusinessParams = {
    outer_task_id: r.outerTaskId,
    outer_task_freeze_no: r.outerTaskFreezeNo,
    task_amount: amountParam('task_amount', r.taskAmountFen),
    additional_profit_amount: r.additionalProfitAmountFen
      ? amountParam('additional_profit_amount', r.additionalProfitAmountFen)
      : undefined,
    additional_profit_transfer_no: r.additionalProfitTransferNo,
    return_url: r.returnUrl,
    notify_url: r.notifyUrl,
    task_type: r.taskType,
    task_title: r.taskTitle,
    task_expired_time: formatCompactTime(r.taskExpiredTime),
    outer_account_name: r.outerAccountName,
    outer_account_id: r.outerAccountId,
  };
  readTaskCreate(params); // one set of rules for both sides
  return { service: 'alipay.witkey.task.create', params };
}

export function readTaskCreate(params: BusinessParams): TaskCreateRequest {
  const taskAmountFen = reqAmount(params, 'task_amount');
  if (taskAmountFen <= 0) throw new FieldError('task_amount', 'must be positive');
  const additionalProfitAmountFen = optAmount(params, 'additional_profit_amount');
  const additionalProfitTransferNo = opt(params, 'additional_profit_transfer_no');
  checkProfitPair(additionalProfitAmountFen, additionalProfitTransferNo);
  const outerAccountName = opt(params, 'outer_account_name');
  return only<TaskCreateRequest>({
    outerTaskId: req(params, 'outer_task_id'),
    outerTaskFreezeNo: req(params, 'outer_task_freeze_no'),
    taskAmountFen,
    ...(additionalProfitAmountFen
      ? { additionalProfitAmountFen, additionalProfitTransferNo: additionalProfitTransferNo! }
      : {}),
    returnUrl: req(params, 'return_url'),
    notifyUrl: req(params, 'notify_url'),
    taskType: req(params, 'task_type'),
    taskTitle: req(params, 'task_title'),
    taskExpiredTime: parseCompactTime(params.task_expired_time),
    ...(outerAccountName ? { outerAccountName } : {}),
    outerAccountId: req(params, 'outer_account_id'),
  });
}

// ---------------------------------------------------------------------------------------------- task.confirm

export interface TaskConfirmRequest {
  readonly outerTaskId: string;
  readonly outerAccountId: string;
  /** The publisher's 2088 id. */
  readonly alipayUserId: string;
  readonly transfers: readonly TransferRecord[];
  /** END of the announcement period (epoch ms), sent as yyyyMMddHHmmss; absent = pay immediately. */
  readonly announcePeriodEnd?: number;
  readonly returnUrl: string;
  readonly notifyUrl: string;
}

export function buildTaskConfirm(r: TaskConfirmRequest, separators?: Separators): MapiBusinessRequest {
  const params: BusinessParams = {
    outer_task_id: r.outerTaskId,
    outer_account_id: r.outerAccountId,
    alipay_user_id: r.alipayUserId,
    transfer_detail: transferRecords('task.confirm/transfer_detail', r.transfers, separators),
    announce_period: r.announcePeriodEnd === undefined ? undefined : formatCompactTime(r.announcePeriodEnd),
    return_url: r.returnUrl,
    notify_url: r.notifyUrl,
  };
  readTaskConfirm(params, separators);
  return { service: 'alipay.witkey.task.confirm', params };
}

export function readTaskConfirm(params: BusinessParams, separators?: Separators): TaskConfirmRequest {
  const detail = params.transfer_detail;
  if (!detail) throw new FieldError('transfer_detail', 'is required');
  const transfers = decodeTransferRecords('task.confirm/transfer_detail', detail, separators);
  transferRecords('task.confirm/transfer_detail', transfers, separators);
  const announce = params.announce_period;
  return only<TaskConfirmRequest>({
    outerTaskId: req(params, 'outer_task_id'),
    outerAccountId: req(params, 'outer_account_id'),
    alipayUserId: requireAlipayUserId('alipay_user_id', params.alipay_user_id),
    transfers,
    ...(announce ? { announcePeriodEnd: parseCompactTime(announce) } : {}),
    returnUrl: req(params, 'return_url'),
    notifyUrl: req(params, 'notify_url'),
  });
}

// ---------------------------------------------------------------------------------------------- amount.append

export interface AmountAppendRequest {
  readonly outerTaskId: string;
  /** outer_task_freeze_no of the NEW freeze. */
  readonly outerTaskFreezeNo: string;
  /** Bounty added (may be 0 when only the deadline is extended). */
  readonly taskAmountFen: number;
  /** New deadline (epoch ms), optional. */
  readonly taskExpiredTime?: number;
  readonly outerAccountId: string;
  readonly additionalProfitAmountFen?: number;
  readonly additionalProfitTransferNo?: string;
  readonly returnUrl: string;
  readonly notifyUrl: string;
}

export function buildAmountAppend(r: AmountAppendRequest): MapiBusinessRequest {
  const params: BusinessParams = {
    outer_task_id: r.outerTaskId,
    outer_task_freeze_no: r.outerTaskFreezeNo,
    task_amount: amountParam('task_amount', r.taskAmountFen),
    task_expired_time: r.taskExpiredTime === undefined ? undefined : formatCompactTime(r.taskExpiredTime),
    outer_account_id: r.outerAccountId,
    additional_profit_amount: r.additionalProfitAmountFen
      ? amountParam('additional_profit_amount', r.additionalProfitAmountFen)
      : undefined,
    additional_profit_transfer_no: r.additionalProfitTransferNo,
    return_url: r.returnUrl,
    notify_url: r.notifyUrl,
  };
  readAmountAppend(params);
  return { service: 'alipay.witkey.task.amount.append', params };
}

export function readAmountAppend(params: BusinessParams): AmountAppendRequest {
  const taskAmountFen = reqAmount(params, 'task_amount');
  const expired = params.task_expired_time;
  const additionalProfitAmountFen = optAmount(params, 'additional_profit_amount');
  const additionalProfitTransferNo = opt(params, 'additional_profit_transfer_no');
  checkProfitPair(additionalProfitAmountFen, additionalProfitTransferNo);
  if (taskAmountFen === 0 && !expired && !additionalProfitAmountFen)
    throw new FieldError('task_amount', 'nothing to append: no amount, no new deadline');
  return only<AmountAppendRequest>({
    outerTaskId: req(params, 'outer_task_id'),
    outerTaskFreezeNo: req(params, 'outer_task_freeze_no'),
    taskAmountFen,
    ...(expired ? { taskExpiredTime: parseCompactTime(expired) } : {}),
    outerAccountId: req(params, 'outer_account_id'),
    ...(additionalProfitAmountFen
      ? { additionalProfitAmountFen, additionalProfitTransferNo: additionalProfitTransferNo! }
      : {}),
    returnUrl: req(params, 'return_url'),
    notifyUrl: req(params, 'notify_url'),
  });
}

// ---------------------------------------------------------------------------------------------- confirm.by.platform

export interface ConfirmByPlatformRequest {
  readonly outerTaskId: string;
  /** At most 30 transfer numbers. */
  readonly transferNos: readonly string[];
}

export function buildConfirmByPlatform(r: ConfirmByPlatformRequest, separators?: Separators): MapiBusinessRequest {
  const params: BusinessParams = {
    outer_task_id: r.outerTaskId,
    transfer_detail: transferNos('confirm.by.platform/transfer_detail', r.transferNos, separators),
  };
  readConfirmByPlatform(params, separators);
  return { service: 'alipay.witkey.task.confirm.by.platform', params };
}

export function readConfirmByPlatform(params: BusinessParams, separators?: Separators): ConfirmByPlatformRequest {
  const detail = params.transfer_detail;
  if (!detail) throw new FieldError('transfer_detail', 'is required');
  const nos = decodeTransferNumbers('confirm.by.platform/transfer_detail', detail, separators);
  transferNos('confirm.by.platform/transfer_detail', nos, separators);
  return { outerTaskId: req(params, 'outer_task_id'), transferNos: nos };
}

// ---------------------------------------------------------------------------------------------- cancel.confirm.by.platform

export interface CancelConfirmByPlatformRequest {
  readonly outerTaskId: string;
  /** At most 50 transfer numbers, each a W (announcement period) transfer. */
  readonly transferNos: readonly string[];
}

export function buildCancelConfirmByPlatform(
  r: CancelConfirmByPlatformRequest,
  separators?: Separators,
): MapiBusinessRequest {
  const params: BusinessParams = {
    outer_task_id: r.outerTaskId,
    cancel_transfer_detail: transferNos('cancel.confirm.by.platform/cancel_transfer_detail', r.transferNos, separators),
  };
  readCancelConfirmByPlatform(params, separators);
  return { service: 'alipay.witkey.task.cancel.confirm.by.platform', params };
}

export function readCancelConfirmByPlatform(
  params: BusinessParams,
  separators?: Separators,
): CancelConfirmByPlatformRequest {
  const detail = params.cancel_transfer_detail;
  if (!detail) throw new FieldError('cancel_transfer_detail', 'is required');
  const nos = decodeTransferNumbers('cancel.confirm.by.platform/cancel_transfer_detail', detail, separators);
  transferNos('cancel.confirm.by.platform/cancel_transfer_detail', nos, separators);
  return { outerTaskId: req(params, 'outer_task_id'), transferNos: nos };
}

// ---------------------------------------------------------------------------------------------- left.amount.handle

export interface LeftAmountHandleRequest {
  readonly outerTaskId: string;
  /** The platform admin's id on the site; this or alipayUserId is required. */
  readonly outerAccountId?: string;
  readonly alipayUserId?: string;
  /** Refund to the publisher. */
  readonly refund?: SerialAmount;
  /** Platform share. */
  readonly platform?: SerialAmount;
  /** Payments to other winners, at most 15. */
  readonly transfers?: readonly TransferRecord[];
  readonly notifyUrl: string;
  readonly returnUrl: string;
}

export function buildLeftAmountHandle(r: LeftAmountHandleRequest, separators?: Separators): MapiBusinessRequest {
  const params: BusinessParams = {
    outer_task_id: r.outerTaskId,
    outer_account_id: r.outerAccountId,
    alipay_user_id: r.alipayUserId,
    refund_detail: r.refund ? serialAmount('left.amount.handle/refund_detail', r.refund, separators) : undefined,
    platform_detail: r.platform
      ? serialAmount('left.amount.handle/platform_detail', r.platform, separators)
      : undefined,
    transfer_detail:
      r.transfers && r.transfers.length > 0
        ? transferRecords('left.amount.handle/transfer_detail', r.transfers, separators)
        : undefined,
    notify_url: r.notifyUrl,
    return_url: r.returnUrl,
  };
  readLeftAmountHandle(params, separators);
  return { service: 'alipay.witkey.task.left.amount.handle', params };
}

export function readLeftAmountHandle(params: BusinessParams, separators?: Separators): LeftAmountHandleRequest {
  const outerAccountId = opt(params, 'outer_account_id');
  const alipayUserId = params.alipay_user_id ? requireAlipayUserId('alipay_user_id', params.alipay_user_id) : undefined;
  if (!outerAccountId && !alipayUserId)
    throw new FieldError('outer_account_id', 'outer_account_id and alipay_user_id cannot both be empty');
  const refund = params.refund_detail
    ? decodeSerialAmount('left.amount.handle/refund_detail', params.refund_detail, separators)
    : undefined;
  const platform = params.platform_detail
    ? decodeSerialAmount('left.amount.handle/platform_detail', params.platform_detail, separators)
    : undefined;
  if (refund) serialAmount('left.amount.handle/refund_detail', refund, separators);
  if (platform) serialAmount('left.amount.handle/platform_detail', platform, separators);
  const transfers = params.transfer_detail
    ? decodeTransferRecords('left.amount.handle/transfer_detail', params.transfer_detail, separators)
    : undefined;
  if (transfers) transferRecords('left.amount.handle/transfer_detail', transfers, separators);
  if (!refund && !platform && !transfers)
    throw new FieldError('refund_detail', 'nothing to handle: no refund, platform share or transfer');
  const numbers = [refund?.serialNo, platform?.serialNo, ...(transfers ?? []).map((t) => t.outerTransferNo)].filter(
    (n): n is string => !!n,
  );
  noDuplicates('left.amount.handle', numbers);
  return only<LeftAmountHandleRequest>({
    outerTaskId: req(params, 'outer_task_id'),
    ...(outerAccountId ? { outerAccountId } : {}),
    ...(alipayUserId ? { alipayUserId } : {}),
    ...(refund ? { refund } : {}),
    ...(platform ? { platform } : {}),
    ...(transfers ? { transfers } : {}),
    notifyUrl: req(params, 'notify_url'),
    returnUrl: req(params, 'return_url'),
  });
}

/** Gateway side: read the business parameters of any witkey service into its typed request. */
export type AnyWitkeyRequest =
  | { service: 'alipay.witkey.task.create'; request: TaskCreateRequest }
  | { service: 'alipay.witkey.task.confirm'; request: TaskConfirmRequest }
  | { service: 'alipay.witkey.task.amount.append'; request: AmountAppendRequest }
  | { service: 'alipay.witkey.task.confirm.by.platform'; request: ConfirmByPlatformRequest }
  | { service: 'alipay.witkey.task.cancel.confirm.by.platform'; request: CancelConfirmByPlatformRequest }
  | { service: 'alipay.witkey.task.left.amount.handle'; request: LeftAmountHandleRequest };

export function readWitkeyRequest(service: string, params: BusinessParams, separators?: Separators): AnyWitkeyRequest {
  switch (service) {
    case 'alipay.witkey.task.create':
      return { service, request: readTaskCreate(params) };
    case 'alipay.witkey.task.confirm':
      return { service, request: readTaskConfirm(params, separators) };
    case 'alipay.witkey.task.amount.append':
      return { service, request: readAmountAppend(params) };
    case 'alipay.witkey.task.confirm.by.platform':
      return { service, request: readConfirmByPlatform(params, separators) };
    case 'alipay.witkey.task.cancel.confirm.by.platform':
      return { service, request: readCancelConfirmByPlatform(params, separators) };
    case 'alipay.witkey.task.left.amount.handle':
      return { service, request: readLeftAmountHandle(params, separators) };
    default:
      throw new FieldError('service', 'not a witkey service');
  }
}
