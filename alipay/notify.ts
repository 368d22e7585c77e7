// Async notifications and return_url callbacks of the legacy gateway, both sides.
//
// Notification (decision, docs/PROTOCOL.md §6): form POST, application/x-www-form-urlencoded in the request charset, fields
//   notify_id, notify_time (yyyy-MM-dd HH:mm:ss China time), notify_type, notify_sub_type (only for
//   assign_transfer / platform_profit_transfer), xml (<alipay><response>...</response></alipay>), sign_type, sign.
// The signature covers every field but sign and sign_type (the MAPI signing string). The site answers exactly
// "success" after durably recording it. The xml element layout of every notify_type is in docs/PROTOCOL.md and
// in EVENT_CODECS below (one place).
//
// Return callbacks: task.create / amount.append return flat parameters by GET (Alipay's task.create document); task.confirm (GET) and
// left.amount.handle (POST, Alipay's left.amount.handle document) return `xml` with the same payload as their notification.

import { InboundRejectedError, MalformedReplyError, SignatureError, AlipayError } from './core/errors';
import {
  NOTIFY_SUB_TYPES,
  isNotifyType,
  type AdditionalProfitTransferEvent,
  type AssignTransferEvent,
  type Bidder,
  type FailedBidder,
  type LeftAmountHandleEvent,
  type Notification,
  type NotifyEvent,
  type NotifySubType,
  type NotifyType,
  type PlatformProfitTransferEvent,
  type RefundTransferEvent,
  type ReturnResult,
  type TaskConfirmEvent,
  type TaskFreezeEvent,
} from './core/events';
import { PARTNER_ID_PATTERN } from './core/fields';
import { formatYuan, parseYuan } from './core/money';
import { SERVICES, isServiceName } from './core/services';
import { formatCompactTime, formatNotifyTime, parseCompactTime, parseNotifyTime } from './core/times';
import { normalizeCharset, type Charset } from './charset';
import { formParse, formSerialize } from './form';
import { signMapiParams, verifyMapiParams, type MapiSigner, type MapiVerifier } from './sign';
import {
  child,
  element,
  list,
  optionalChild,
  optionalText,
  parseXmlStrict,
  requireExactLeafText,
  text,
  type XmlObject,
  type XmlOut,
} from './xml';

// ---------------------------------------------------------------------------------------------- xml payloads

function amount(node: XmlObject, name: string, what: string): number {
  try {
    return parseYuan(text(node, name, what), name);
  } catch (e) {
    if (e instanceof MalformedReplyError) throw e;
    throw new MalformedReplyError(`${what}: <${name}> is not a valid amount`);
  }
}

function optAmount(node: XmlObject, name: string, what: string): number | undefined {
  return optionalText(node, name, what) === undefined ? undefined : amount(node, name, what);
}

function time(node: XmlObject, name: string, what: string): number {
  try {
    return parseCompactTime(text(node, name, what));
  } catch (e) {
    if (e instanceof MalformedReplyError) throw e;
    throw new MalformedReplyError(`${what}: <${name}> is not yyyyMMddHHmmss`);
  }
}

function oneOf<T extends string>(node: XmlObject, name: string, allowed: readonly T[], what: string): T {
  const v = text(node, name, what);
  if (!(allowed as readonly string[]).includes(v))
    throw new MalformedReplyError(`${what}: <${name}> has an unexpected value`);
  return v as T;
}

function userId(node: XmlObject, name: string, what: string): string {
  const v = text(node, name, what);
  if (!PARTNER_ID_PATTERN.test(v)) throw new MalformedReplyError(`${what}: <${name}> is not a 2088 user id`);
  return v;
}

function finalStatus(node: XmlObject, what: string): { status: 'S' | 'F'; errorCode?: string } {
  const status = oneOf(node, 'transfer_status', ['S', 'F'] as const, what);
  const errorCode = optionalText(node, 'error_code', what);
  if (status === 'F' && !errorCode) throw new MalformedReplyError(`${what}: failed transfer without <error_code>`);
  return errorCode ? { status, errorCode } : { status };
}

const y = (fen: number | undefined): string | undefined => (fen === undefined ? undefined : formatYuan(fen));
const t = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : formatCompactTime(ms));

interface EventCodec<E extends NotifyEvent> {
  write(e: E): XmlOut;
  read(response: XmlObject, partner: string, subType: NotifySubType | undefined): E;
}

function serialAmountOut(v: { serialNo: string; amountFen: number } | undefined): XmlOut {
  return v
    ? [
        ['serial_no', v.serialNo],
        ['amount', formatYuan(v.amountFen)],
      ]
    : undefined;
}

function bidderOut(b: Bidder | FailedBidder): XmlOut {
  return [
    ['outer_transfer_no', b.outerTransferNo],
    ['amount', formatYuan(b.amountFen)],
    ['alipay_user_id', b.alipayUserId],
    ['nickname', b.nickname],
    ['error_code', 'errorCode' in b ? b.errorCode : undefined],
  ];
}

function bidderIn(node: XmlObject, what: string): Bidder {
  const nickname = optionalText(node, 'nickname', what);
  return {
    outerTransferNo: text(node, 'outer_transfer_no', what),
    amountFen: amount(node, 'amount', what),
    alipayUserId: userId(node, 'alipay_user_id', what),
    ...(nickname ? { nickname } : {}),
  };
}

/** THE xml layout of each notify_type's `<response>` (after the common <partner>). */
const EVENT_CODECS: { [K in NotifyType]: EventCodec<Extract<NotifyEvent, { type: K }>> } = {
  task_freeze: {
    write: (e) => [
      ['outer_task_id', e.outerTaskId],
      ['outer_task_freeze_no', e.outerTaskFreezeNo],
      ['task_amount', formatYuan(e.taskAmountFen)],
      ['additional_profit_amount', y(e.additionalProfitAmountFen)],
      ['additional_profit_transfer_no', e.additionalProfitTransferNo],
      ['paid_time', formatCompactTime(e.paidTime)],
      ['alipay_user_id', e.alipayUserId],
    ],
    read: (r, partner): TaskFreezeEvent => {
      const w = 'task_freeze';
      const additionalProfitAmountFen = optAmount(r, 'additional_profit_amount', w);
      const additionalProfitTransferNo = optionalText(r, 'additional_profit_transfer_no', w);
      const alipayUserId = optionalText(r, 'alipay_user_id', w);
      if (alipayUserId !== undefined) userId(r, 'alipay_user_id', w);
      return {
        type: 'task_freeze',
        partner,
        outerTaskId: text(r, 'outer_task_id', w),
        outerTaskFreezeNo: text(r, 'outer_task_freeze_no', w),
        taskAmountFen: amount(r, 'task_amount', w),
        ...(additionalProfitAmountFen !== undefined ? { additionalProfitAmountFen } : {}),
        ...(additionalProfitTransferNo ? { additionalProfitTransferNo } : {}),
        paidTime: time(r, 'paid_time', w),
        ...(alipayUserId ? { alipayUserId } : {}),
      };
    },
  },
  additional_profit_transfer: {
    write: (e) => [
      ['outer_task_id', e.outerTaskId],
      ['additional_profit_transfer_no', e.additionalProfitTransferNo],
      ['additional_profit_amount', formatYuan(e.amountFen)],
      ['transfer_status', e.status],
      ['error_code', e.errorCode],
      ['gmt_transfer', formatCompactTime(e.transferTime)],
    ],
    read: (r, partner): AdditionalProfitTransferEvent => {
      const w = 'additional_profit_transfer';
      return {
        type: 'additional_profit_transfer',
        partner,
        outerTaskId: text(r, 'outer_task_id', w),
        additionalProfitTransferNo: text(r, 'additional_profit_transfer_no', w),
        amountFen: amount(r, 'additional_profit_amount', w),
        ...finalStatus(r, w),
        transferTime: time(r, 'gmt_transfer', w),
      };
    },
  },
  task_confirm: {
    write: (e) => [
      ['outer_task_id', e.outerTaskId],
      ['announce_period', t(e.announcePeriodEnd)],
      [
        'transfer_list',
        e.transfers.map(
          (d) =>
            [
              'transfer_detail',
              [
                ['outer_transfer_no', d.outerTransferNo],
                ['amount', formatYuan(d.amountFen)],
                ['alipay_user_id', d.alipayUserId],
                ['transfer_status', d.status],
                ['error_code', d.errorCode],
              ],
            ] as const,
        ),
      ],
    ],
    read: (r, partner): TaskConfirmEvent => {
      const w = 'task_confirm';
      const announce = optionalText(r, 'announce_period', w);
      const transfers = list(child(r, 'transfer_list', w), 'transfer_detail', w).map((d) => {
        const status = oneOf(d, 'transfer_status', ['W', 'I', 'F'] as const, w);
        const errorCode = optionalText(d, 'error_code', w);
        if (status === 'F' && !errorCode) throw new MalformedReplyError(`${w}: failed transfer without <error_code>`);
        return {
          outerTransferNo: text(d, 'outer_transfer_no', w),
          amountFen: amount(d, 'amount', w),
          alipayUserId: userId(d, 'alipay_user_id', w),
          status,
          ...(errorCode ? { errorCode } : {}),
        };
      });
      if (transfers.length === 0) throw new MalformedReplyError(`${w}: no transfers`);
      return {
        type: 'task_confirm',
        partner,
        outerTaskId: text(r, 'outer_task_id', w),
        ...(announce ? { announcePeriodEnd: time(r, 'announce_period', w) } : {}),
        transfers,
      };
    },
  },
  left_amount_handle: {
    write: (e) => [
      ['outer_task_id', e.outerTaskId],
      ['refund_detail', serialAmountOut(e.refund)],
      ['platform_detail', serialAmountOut(e.platform)],
      ['success_bidders', e.successBidders.map((b) => ['bidder', bidderOut(b)] as const)],
      ['failure_bidders', e.failureBidders.map((b) => ['bidder', bidderOut(b)] as const)],
    ],
    read: (r, partner): LeftAmountHandleEvent => {
      const w = 'left_amount_handle';
      const sa = (name: string) => {
        const n = optionalChild(r, name, w);
        return n ? { serialNo: text(n, 'serial_no', w), amountFen: amount(n, 'amount', w) } : undefined;
      };
      const refund = sa('refund_detail');
      const platform = sa('platform_detail');
      const success = optionalChild(r, 'success_bidders', w) ?? {};
      const failure = optionalChild(r, 'failure_bidders', w) ?? {};
      return {
        type: 'left_amount_handle',
        partner,
        outerTaskId: text(r, 'outer_task_id', w),
        ...(refund ? { refund } : {}),
        ...(platform ? { platform } : {}),
        successBidders: list(success, 'bidder', w).map((b) => bidderIn(b, w)),
        failureBidders: list(failure, 'bidder', w).map((b) => ({
          ...bidderIn(b, w),
          errorCode: text(b, 'error_code', w),
        })),
      };
    },
  },
  refund_transfer: {
    write: (e) => [
      ['outer_task_id', e.outerTaskId],
      ['outer_transfer_no', e.outerTransferNo],
      ['amount', formatYuan(e.amountFen)],
      ['transfer_status', e.status],
      ['error_code', e.errorCode],
      ['gmt_transfer', formatCompactTime(e.transferTime)],
    ],
    read: (r, partner): RefundTransferEvent => {
      const w = 'refund_transfer';
      return {
        type: 'refund_transfer',
        partner,
        outerTaskId: text(r, 'outer_task_id', w),
        outerTransferNo: text(r, 'outer_transfer_no', w),
        amountFen: amount(r, 'amount', w),
        ...finalStatus(r, w),
        transferTime: time(r, 'gmt_transfer', w),
      };
    },
  },
  assign_transfer: {
    write: (e) => [
      ['outer_task_id', e.outerTaskId],
      ['outer_transfer_no', e.outerTransferNo],
      ['alipay_user_id', e.alipayUserId],
      ['amount', formatYuan(e.amountFen)],
      ['commission_amount', formatYuan(e.commissionFen)],
      ['winner_amount', formatYuan(e.winnerAmountFen)],
      ['transfer_status', e.status],
      ['error_code', e.errorCode],
      ['gmt_transfer', formatCompactTime(e.transferTime)],
    ],
    read: (r, partner, subType): AssignTransferEvent => {
      const w = 'assign_transfer';
      return {
        type: 'assign_transfer',
        subType: subType as AssignTransferEvent['subType'],
        partner,
        outerTaskId: text(r, 'outer_task_id', w),
        outerTransferNo: text(r, 'outer_transfer_no', w),
        alipayUserId: userId(r, 'alipay_user_id', w),
        amountFen: amount(r, 'amount', w),
        commissionFen: amount(r, 'commission_amount', w),
        winnerAmountFen: amount(r, 'winner_amount', w),
        ...finalStatus(r, w),
        transferTime: time(r, 'gmt_transfer', w),
      };
    },
  },
  platform_profit_transfer: {
    write: (e) => [
      ['outer_task_id', e.outerTaskId],
      ['outer_transfer_no', e.outerTransferNo],
      ['profit_amount', formatYuan(e.profitAmountFen)],
      ['alipay_fee_amount', formatYuan(e.alipayFeeFen)],
      ['platform_amount', formatYuan(e.platformAmountFen)],
      ['transfer_status', e.status],
      ['error_code', e.errorCode],
      ['gmt_transfer', formatCompactTime(e.transferTime)],
    ],
    read: (r, partner, subType): PlatformProfitTransferEvent => {
      const w = 'platform_profit_transfer';
      return {
        type: 'platform_profit_transfer',
        subType: subType as PlatformProfitTransferEvent['subType'],
        partner,
        outerTaskId: text(r, 'outer_task_id', w),
        outerTransferNo: text(r, 'outer_transfer_no', w),
        profitAmountFen: amount(r, 'profit_amount', w),
        alipayFeeFen: amount(r, 'alipay_fee_amount', w),
        platformAmountFen: amount(r, 'platform_amount', w),
        ...finalStatus(r, w),
        transferTime: time(r, 'gmt_transfer', w),
      };
    },
  },
};

/** The `xml` field of an event: `<alipay><response><partner>..</partner>...</response></alipay>`. */
export function eventXml(event: NotifyEvent): string {
  const codec = EVENT_CODECS[event.type] as EventCodec<NotifyEvent>;
  const body = codec.write(event) as ReadonlyArray<readonly [string, XmlOut]>;
  return element('alipay', [['response', [['partner', event.partner], ...body]]]);
}

/** Parse the `xml` field of a notification of `type` into its event. Any defect -> MalformedReplyError. */
export function parseEventXml(type: NotifyType, subType: NotifySubType | undefined, xml: string): NotifyEvent {
  const doc = parseXmlStrict(xml, `${type} xml`);
  requireExactLeafText(xml, `${type} xml`);
  if (Object.keys(doc).length !== 1 || !('alipay' in doc))
    throw new MalformedReplyError(`${type} xml root must be <alipay>`);
  const response = child(child(doc, 'alipay', type), 'response', type);
  const partner = userId(response, 'partner', type);
  return (EVENT_CODECS[type] as EventCodec<NotifyEvent>).read(response, partner, subType);
}

// ---------------------------------------------------------------------------------------------- gateway side

export interface NotificationInput {
  readonly notifyId: string;
  /** Epoch ms; defaults to now. */
  readonly notifyTime?: number;
  readonly event: NotifyEvent;
}

export interface BuiltNotification {
  readonly fields: Readonly<Record<string, string>>;
  /** The POST body (ASCII after URL-encoding). */
  readonly body: string;
  readonly contentType: string;
}

/** Build a signed notification (gateway side). The sub-type is taken from the event. */
export function buildNotification(input: NotificationInput, signer: MapiSigner, charset: string): BuiltNotification {
  const cs = normalizeCharset(charset);
  const subType = 'subType' in input.event ? input.event.subType : undefined;
  const fields: Record<string, string> = {
    notify_id: input.notifyId,
    notify_time: formatNotifyTime(input.notifyTime ?? Date.now()),
    notify_type: input.event.type,
    ...(subType ? { notify_sub_type: subType } : {}),
    xml: eventXml(input.event),
  };
  fields.sign = signMapiParams(fields, signer, cs);
  fields.sign_type = signer.signType;
  return { fields, body: formSerialize(fields, cs), contentType: `application/x-www-form-urlencoded; charset=${cs}` };
}

// ---------------------------------------------------------------------------------------------- client side

export interface InboundOptions {
  readonly verifier: MapiVerifier;
  /** The charset the notifications are sent in (the charset of the requests). */
  readonly charset: string;
  /** The site's own partner id; events for another partner are refused. */
  readonly partner: string;
}

function rejectUnlessAlipayError(e: unknown, code: string, what: string): never {
  if (e instanceof SignatureError || e instanceof InboundRejectedError) throw e;
  if (e instanceof AlipayError) throw new InboundRejectedError(code, `${what}: ${e.message}`);
  throw new InboundRejectedError(code, `${what}: unreadable`);
}

/**
 * Verify a notification's fields (already decoded once) and read it. Order: well-formed fields, signature,
 * payload, partner. Throws SignatureError (bad signature) or InboundRejectedError (anything else); never returns
 * an unverified event. The caller then asks notify_verify (see notify-verify.ts) when configured.
 */
export function verifyNotificationFields(fields: Readonly<Record<string, string>>, opts: InboundOptions): Notification {
  const cs: Charset = normalizeCharset(opts.charset);
  const {
    notify_id: notifyId,
    notify_time: notifyTimeText,
    notify_type: notifyType,
    notify_sub_type: subTypeText,
    xml,
    sign,
    sign_type: signType,
  } = fields;
  if (!notifyId || !/^[A-Za-z0-9_.:-]{1,128}$/.test(notifyId))
    throw new InboundRejectedError('NOTIFY_MALFORMED', 'notify_id missing or malformed');
  if (!notifyType || !isNotifyType(notifyType))
    throw new InboundRejectedError('NOTIFY_MALFORMED', 'unknown notify_type');
  if (!xml) throw new InboundRejectedError('NOTIFY_MALFORMED', 'xml missing');
  if (!sign || !signType) throw new InboundRejectedError('NOTIFY_MALFORMED', 'sign / sign_type missing');
  const allowed = NOTIFY_SUB_TYPES[notifyType];
  if (
    allowed.length === 0
      ? subTypeText !== undefined && subTypeText !== ''
      : !allowed.includes(subTypeText as NotifySubType)
  ) {
    throw new InboundRejectedError('NOTIFY_MALFORMED', 'notify_sub_type does not match notify_type');
  }
  let notifyTime: number;
  try {
    notifyTime = parseNotifyTime(notifyTimeText);
  } catch {
    throw new InboundRejectedError('NOTIFY_MALFORMED', 'notify_time is not yyyy-MM-dd HH:mm:ss');
  }
  if (!verifyMapiParams(fields, opts.verifier, cs)) throw new SignatureError('notification signature does not verify');
  let event: NotifyEvent;
  try {
    event = parseEventXml(notifyType, subTypeText ? (subTypeText as NotifySubType) : undefined, xml);
  } catch (e) {
    rejectUnlessAlipayError(e, 'NOTIFY_MALFORMED', 'xml');
  }
  if (event.partner !== opts.partner)
    throw new InboundRejectedError('ILLEGAL_PARTNER', 'notification is for another partner');
  return {
    notifyId,
    notifyTime,
    notifyType,
    ...(subTypeText ? { notifySubType: subTypeText as NotifySubType } : {}),
    event,
  };
}

/** Parse the raw POST body (decoded exactly once, in the configured charset) and verify it. */
export function verifyNotificationBody(rawBody: string | Uint8Array, opts: InboundOptions): Notification {
  let fields: Record<string, string>;
  try {
    fields = formParse(rawBody, opts.charset);
  } catch (e) {
    rejectUnlessAlipayError(e, 'NOTIFY_MALFORMED', 'body');
  }
  return verifyNotificationFields(fields, opts);
}

// ---------------------------------------------------------------------------------------------- return_url callbacks

/** Flat return parameters of task.create / amount.append (Alipay's task.create document table). */
function freezeReturnParams(e: TaskFreezeEvent): Record<string, string | undefined> {
  return {
    outer_task_id: e.outerTaskId,
    outer_task_freeze_no: e.outerTaskFreezeNo,
    task_amount: formatYuan(e.taskAmountFen),
    additional_profit_amount: y(e.additionalProfitAmountFen),
    additional_profit_transfer_no: e.additionalProfitTransferNo,
    paid_time: formatCompactTime(e.paidTime),
  };
}

export type ReturnInput =
  | { readonly isSuccess: true; readonly event: TaskFreezeEvent | TaskConfirmEvent | LeftAmountHandleEvent }
  | { readonly isSuccess: false; readonly errorCode: string; readonly outerTaskId?: string };

/**
 * Gateway side: the signed return_url callback of a page service. GET services give a redirect URL; POST
 * services (left.amount.handle) give the fields for an auto-submitting form to the return_url.
 */
export function buildReturnCallback(
  service: string,
  returnUrl: string,
  input: ReturnInput,
  signer: MapiSigner,
  charset: string,
):
  | { method: 'GET'; url: string; fields: Record<string, string> }
  | { method: 'POST'; url: string; fields: Record<string, string> } {
  const cs = normalizeCharset(charset);
  if (!isServiceName(service) || SERVICES[service].result !== 'return_url')
    throw new InboundRejectedError('ILLEGAL_SERVICE', 'not a page service');
  const d = SERVICES[service];
  let raw: Record<string, string | undefined>;
  if (!input.isSuccess) raw = { is_success: 'F', error: input.errorCode, outer_task_id: input.outerTaskId };
  else if (d.returnPayload === 'params') {
    if (input.event.type !== 'task_freeze')
      throw new InboundRejectedError('ILLEGAL_ARGUMENT', `${service} returns a task_freeze result`);
    raw = { is_success: 'T', ...freezeReturnParams(input.event) };
  } else raw = { is_success: 'T', xml: eventXml(input.event) };
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) if (v !== undefined && v !== '') fields[k] = v;
  fields.sign = signMapiParams(fields, signer, cs);
  fields.sign_type = signer.signType;
  const query = formSerialize(fields, cs);
  if (d.returnMethod === 'POST') return { method: 'POST', url: returnUrl, fields };
  return { method: 'GET', url: `${returnUrl}${returnUrl.includes('?') ? '&' : '?'}${query}`, fields };
}

export interface ReturnSiteOptions {
  /**
   * Names of the parameters the site put in its own return_url query (e.g. `service`): not Alipay's, not signed,
   * left out of the verification. Every other field is covered by the signature.
   */
  readonly siteParams?: readonly string[];
}

/**
 * Client side: verify a return_url callback of `service`. `raw` is the query string (GET) or the body (POST),
 * decoded exactly once. The signature covers every field but sign / sign_type (an unknown field too), except the
 * parameters of the site's own return_url query named in `site.siteParams`, which are ignored.
 */
export function verifyReturnCallback(
  service: string,
  raw: string | Uint8Array,
  opts: InboundOptions,
  site: ReturnSiteOptions = {},
): ReturnResult {
  if (!isServiceName(service) || SERVICES[service].result !== 'return_url')
    throw new InboundRejectedError('ILLEGAL_SERVICE', 'not a page service');
  const d = SERVICES[service];
  let all: Record<string, string>;
  try {
    all = formParse(raw, opts.charset);
  } catch (e) {
    rejectUnlessAlipayError(e, 'RETURN_MALFORMED', 'return');
  }
  // signed like notifications: every field but sign / sign_type, whatever its name (§2); only the parameters the site
  // put in its own return_url are not Alipay's and are left out
  const siteParams = new Set(site.siteParams ?? []);
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(all)) if (!siteParams.has(k)) fields[k] = v;
  if (!fields.sign || !fields.sign_type) throw new InboundRejectedError('RETURN_MALFORMED', 'sign / sign_type missing');
  if (!verifyMapiParams(fields, opts.verifier, opts.charset))
    throw new SignatureError('return signature does not verify');
  if (fields.is_success === 'F') {
    if (!fields.error) throw new InboundRejectedError('RETURN_MALFORMED', 'failure without error code');
    return {
      isSuccess: false,
      service,
      errorCode: fields.error,
      ...(fields.outer_task_id ? { outerTaskId: fields.outer_task_id } : {}),
    };
  }
  if (fields.is_success !== 'T') throw new InboundRejectedError('RETURN_MALFORMED', 'is_success must be T or F');
  try {
    if (d.returnPayload === 'params') {
      const r: XmlObject = {};
      for (const [k, v] of Object.entries(fields)) r[k] = v;
      const event = EVENT_CODECS.task_freeze.read(r, opts.partner, undefined);
      return { isSuccess: true, service, event };
    }
    if (!fields.xml) throw new InboundRejectedError('RETURN_MALFORMED', 'xml missing');
    const type: NotifyType = service === 'alipay.witkey.task.confirm' ? 'task_confirm' : 'left_amount_handle';
    const event = parseEventXml(type, undefined, fields.xml) as TaskConfirmEvent | LeftAmountHandleEvent;
    if (event.partner !== opts.partner)
      throw new InboundRejectedError('ILLEGAL_PARTNER', 'return is for another partner');
    return { isSuccess: true, service, event };
  } catch (e) {
    rejectUnlessAlipayError(e, 'RETURN_MALFORMED', 'return');
  }
}
