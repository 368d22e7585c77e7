// Typed alipay.trade.query and alipay.trade.cancel (the unknown-outcome path of the freeze payment, Alipay's trade.query document).
// Decision (docs/PROTOCOL.md): the freeze payment is addressed with out_trade_no = outer_task_freeze_no.
// Flow (activities/workflow): query a few times; cancel if no clear result; repeat the cancel while retry_flag is
// Y; hand to an operator if still unresolved.

import type { KeyObject } from 'node:crypto';
import type { ErrorClass } from './core/errors';
import { classifyOpenApiCode, OPENAPI_SUCCESS_CODE, OPENAPI_UNKNOWN_CODE } from './core/error-codes';
import { parseYuan } from './core/money';
import { MalformedReplyError } from './core/errors';
import {
  buildOpenApiRequest,
  parseOpenApiResponse,
  type OpenApiClientConfig,
  type OpenApiRequest,
  type OpenApiResponse,
} from './openapi';

export const TRADE_QUERY = 'alipay.trade.query';
export const TRADE_CANCEL = 'alipay.trade.cancel';

export type TradeStatus = 'WAIT_BUYER_PAY' | 'TRADE_CLOSED' | 'TRADE_SUCCESS' | 'TRADE_FINISHED';
const TRADE_STATUSES: readonly TradeStatus[] = ['WAIT_BUYER_PAY', 'TRADE_CLOSED', 'TRADE_SUCCESS', 'TRADE_FINISHED'];

export interface TradeRef {
  readonly outTradeNo?: string;
  readonly tradeNo?: string;
}

function bizOf(ref: TradeRef): Record<string, string> {
  if (!ref.outTradeNo && !ref.tradeNo) throw new MalformedReplyError('out_trade_no or trade_no is required');
  return {
    ...(ref.outTradeNo ? { out_trade_no: ref.outTradeNo } : {}),
    ...(ref.tradeNo ? { trade_no: ref.tradeNo } : {}),
  };
}

export function buildTradeQuery(
  config: OpenApiClientConfig,
  ref: TradeRef,
  opts: { timestamp?: number } = {},
): OpenApiRequest {
  return buildOpenApiRequest(config, TRADE_QUERY, bizOf(ref), opts);
}

export function buildTradeCancel(
  config: OpenApiClientConfig,
  ref: TradeRef,
  opts: { timestamp?: number } = {},
): OpenApiRequest {
  return buildOpenApiRequest(config, TRADE_CANCEL, bizOf(ref), opts);
}

function str(body: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const v = body[key];
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

function isTransient(r: OpenApiResponse): boolean {
  return r.code === OPENAPI_UNKNOWN_CODE || classifyOpenApiCode(r.code, r.subCode).errorClass === 'transient';
}

export type TradeQueryResult =
  | {
      readonly kind: 'found';
      readonly tradeStatus: TradeStatus;
      readonly outTradeNo?: string;
      readonly tradeNo?: string;
      readonly totalAmountFen?: number;
    }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'unknown'; readonly code: string; readonly subCode?: string }
  | { readonly kind: 'failed'; readonly code: string; readonly subCode?: string; readonly errorClass: ErrorClass };

/** Read an alipay.trade.query response. Malformed or badly signed responses throw (outcome unknown). */
export function parseTradeQueryResponse(
  raw: string | Uint8Array,
  alipayPublicKey: KeyObject,
  charset = 'utf-8',
): TradeQueryResult {
  const r = parseOpenApiResponse(raw, TRADE_QUERY, alipayPublicKey, charset);
  const sub = r.subCode ? { subCode: r.subCode } : {};
  if (r.code === OPENAPI_SUCCESS_CODE) {
    const status = str(r.body, 'trade_status');
    if (!status || !(TRADE_STATUSES as readonly string[]).includes(status))
      throw new MalformedReplyError('trade.query success without a known trade_status');
    const total = str(r.body, 'total_amount');
    const outTradeNo = str(r.body, 'out_trade_no');
    const tradeNo = str(r.body, 'trade_no');
    return {
      kind: 'found',
      tradeStatus: status as TradeStatus,
      ...(outTradeNo ? { outTradeNo } : {}),
      ...(tradeNo ? { tradeNo } : {}),
      ...(total ? { totalAmountFen: parseYuan(total, 'total_amount') } : {}),
    };
  }
  if (r.subCode === 'ACQ.TRADE_NOT_EXIST') return { kind: 'not_found' };
  if (isTransient(r)) return { kind: 'unknown', code: r.code, ...sub };
  return { kind: 'failed', code: r.code, ...sub, errorClass: classifyOpenApiCode(r.code, r.subCode).errorClass };
}

export type TradeCancelResult =
  /** action=close: the trade was unpaid and is closed. */
  | { readonly kind: 'closed'; readonly outTradeNo?: string; readonly tradeNo?: string }
  /** action=refund: the trade was paid and is refunded (bounty and value-added fee back to the publisher). */
  | { readonly kind: 'refunded'; readonly outTradeNo?: string; readonly tradeNo?: string }
  /** code 10000 without action: nothing to cancel (trade not found). */
  | { readonly kind: 'no_action'; readonly outTradeNo?: string }
  /** retry_flag=Y, code 20000 or *.SYSTEM_ERROR: call again with the same parameters. */
  | { readonly kind: 'retry'; readonly code: string; readonly subCode?: string }
  /** Anything else: not retried, to an operator. */
  | { readonly kind: 'failed'; readonly code: string; readonly subCode?: string; readonly errorClass: ErrorClass };

/** Read an alipay.trade.cancel response. */
export function parseTradeCancelResponse(
  raw: string | Uint8Array,
  alipayPublicKey: KeyObject,
  charset = 'utf-8',
): TradeCancelResult {
  const r = parseOpenApiResponse(raw, TRADE_CANCEL, alipayPublicKey, charset);
  const retryFlag = str(r.body, 'retry_flag');
  if (retryFlag !== undefined && retryFlag !== 'Y' && retryFlag !== 'N')
    throw new MalformedReplyError('retry_flag must be Y or N');
  const sub = r.subCode ? { subCode: r.subCode } : {};
  const outTradeNo = str(r.body, 'out_trade_no');
  const tradeNo = str(r.body, 'trade_no');
  const ids = { ...(outTradeNo ? { outTradeNo } : {}), ...(tradeNo ? { tradeNo } : {}) };
  if (retryFlag === 'Y' || isTransient(r)) return { kind: 'retry', code: r.code, ...sub };
  if (r.code === OPENAPI_SUCCESS_CODE) {
    const action = str(r.body, 'action');
    if (action === 'close') return { kind: 'closed', ...ids };
    if (action === 'refund') return { kind: 'refunded', ...ids };
    if (action === undefined) return { kind: 'no_action', ...(outTradeNo ? { outTradeNo } : {}) };
    throw new MalformedReplyError('trade.cancel action must be close or refund');
  }
  return { kind: 'failed', code: r.code, ...sub, errorClass: classifyOpenApiCode(r.code, r.subCode).errorClass };
}

// ---- gateway side: response bodies of the emulated table (docs/PROTOCOL.md)

export function tradeCancelResponseBody(
  result:
    | { action?: 'close' | 'refund'; retryFlag: 'Y' | 'N'; outTradeNo: string; tradeNo?: string }
    | { systemError: true; outTradeNo: string },
): Record<string, string> {
  if ('systemError' in result) {
    return {
      code: '40004',
      msg: 'Business Failed',
      sub_code: 'ACQ.SYSTEM_ERROR',
      sub_msg: 'system error',
      out_trade_no: result.outTradeNo,
      retry_flag: 'Y',
    };
  }
  return {
    code: '10000',
    msg: 'Success',
    ...(result.action ? { action: result.action } : {}),
    out_trade_no: result.outTradeNo,
    retry_flag: result.retryFlag,
    ...(result.tradeNo ? { trade_no: result.tradeNo } : {}),
  };
}

export function tradeQueryResponseBody(
  result:
    | { found: true; tradeStatus: TradeStatus; outTradeNo: string; tradeNo: string; totalAmount: string }
    | { found: false },
): Record<string, string> {
  if (!result.found)
    return { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.TRADE_NOT_EXIST', sub_msg: 'trade does not exist' };
  return {
    code: '10000',
    msg: 'Success',
    trade_no: result.tradeNo,
    out_trade_no: result.outTradeNo,
    trade_status: result.tradeStatus,
    total_amount: result.totalAmount,
  };
}
