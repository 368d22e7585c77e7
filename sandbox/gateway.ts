// The legacy gateway (gateway.do), independent of HTTP: verify the request with the protocol library, apply
// request faults, run the service on the state, and produce the reply (signed XML for system interfaces, an HTML
// page for page interfaces, the completion of a page with its signed return callback, "true"/"false" for
// notify_verify).

import { InboundRejectedError, AlipayError } from '../alipay/core/errors';
import type { LeftAmountHandleEvent, TaskConfirmEvent, TaskFreezeEvent } from '../alipay/core/events';
import { SERVICES, isServiceName, readWitkeyRequest, type AnyWitkeyRequest } from '../alipay/core/services';
import { declaredCharset, formParse } from '../alipay/form';
import {
  buildMapiFailureReply,
  buildMapiSuccessReply,
  cancelConfirmResponseXml,
  confirmByPlatformResponseXml,
} from '../alipay/mapi-reply';
import { verifyMapiRequest, type VerifiedMapiRequest } from '../alipay/mapi-request';
import { buildReturnCallback } from '../alipay/notify';
import { NOTIFY_VERIFY_SERVICE, notifyVerifyAnswer, readNotifyVerifyRequest } from '../alipay/notify-verify';
import type { Charset } from '../alipay/charset';
import type { SandboxCore } from './core';
import { ConservationError, GatewayRefusal } from './errors';
import type { RequestFaultSpec } from './faults';
import { openAmountAppend, openTaskCreate, payFreeze, type PageMeta } from './freeze';
import { handleLeftover, checkLeftover } from './leftover';
import { requestFingerprint } from './numbers';
import { cancelWinners, checkTaskConfirm, confirmWinners, payAfterAnnouncement } from './winners';
import type { FreezeRecord, SandboxState, TaskRecord } from './state';

export type GatewayOutcome =
  | { type: 'xml'; body: Buffer; charset: Charset }
  | { type: 'text'; body: string; contentType: string }
  | {
      type: 'page';
      service: string;
      raw: string;
      request: VerifiedMapiRequest;
      alreadyDone: boolean;
      summary: PageSummary;
    }
  | { type: 'page-error'; code: string; message: string; service?: string }
  | { type: 'http'; status: number; body: string }
  | { type: 'drop' };

/** What a page shows (cashier / authorisation / admin confirmation). */
export interface PageSummary {
  title: string;
  lines: Array<[string, string]>;
}

export interface PageCompletion {
  service: string;
  outerTaskId: string;
  /** True when the request had already been completed (nothing changed this time). */
  alreadyDone: boolean;
  /** The return callback: for GET services the full redirect URL; for POST the return_url and the form fields. */
  returnMethod: 'GET' | 'POST';
  returnUrl: string;
  returnFields: Record<string, string>;
  charset: Charset;
  /** The event reported in the callback (task_freeze, task_confirm or left_amount_handle). */
  event: TaskFreezeEvent | TaskConfirmEvent | LeftAmountHandleEvent;
}

export type CompletionOutcome =
  | { type: 'done'; completion: PageCompletion; dropped: boolean }
  | { type: 'refused'; code: string; message: string }
  | { type: 'http'; status: number; body: string };

const PAGE_SERVICES = new Set([
  'alipay.witkey.task.create',
  'alipay.witkey.task.amount.append',
  'alipay.witkey.task.confirm',
  'alipay.witkey.task.left.amount.handle',
]);

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Map a library error on reading a request to the gateway's code. */
function codeOf(err: unknown): { code: string; message: string } {
  if (err instanceof GatewayRefusal) return { code: err.code, message: err.message };
  if (err instanceof InboundRejectedError) return { code: err.code, message: err.message };
  if (err instanceof AlipayError) return { code: 'ILLEGAL_ARGUMENT', message: err.message };
  if (err instanceof ConservationError) return { code: 'SYSTEM_ERROR', message: err.message };
  return { code: 'SYSTEM_ERROR', message: (err as Error)?.message ?? String(err) };
}

function charsetOf(raw: string): Charset {
  try {
    return declaredCharset(raw);
  } catch {
    return 'utf-8';
  }
}

function freezeEvent(partner: string, task: TaskRecord, f: FreezeRecord): TaskFreezeEvent {
  return {
    type: 'task_freeze',
    partner,
    outerTaskId: task.outerTaskId,
    outerTaskFreezeNo: f.freezeNo,
    taskAmountFen: f.amountFen,
    ...(f.profitFen > 0 && f.profitNo
      ? { additionalProfitAmountFen: f.profitFen, additionalProfitTransferNo: f.profitNo }
      : {}),
    paidTime: f.paidAt!,
    alipayUserId: f.payerUserId!,
  };
}

function malformed(body: Buffer): Buffer {
  // Cut the reply in the middle of the <response> element: not well formed.
  const cut = body.indexOf('</response>');
  return body.subarray(0, cut > 0 ? cut - 3 : Math.floor(body.length / 2));
}

export class Gateway {
  readonly #core: SandboxCore;
  constructor(core: SandboxCore) {
    this.#core = core;
  }

  #verify(raw: string): { req: VerifiedMapiRequest; read: AnyWitkeyRequest | undefined } {
    const req = verifyMapiRequest(raw, this.#core.wire.verifierFor);
    if (!isServiceName(req.service))
      throw new InboundRejectedError('ILLEGAL_SERVICE', `unknown service ${req.service.slice(0, 80)}`);
    return { req, read: readWitkeyRequest(req.service, req.business) };
  }

  #failure(code: string, charset: Charset): GatewayOutcome {
    return { type: 'xml', body: buildMapiFailureReply(code, charset), charset };
  }

  /** Handle one gateway.do request: `raw` is the query string (GET) or the form body (POST), still URL-encoded. */
  async handle(raw: string): Promise<GatewayOutcome> {
    const charset = charsetOf(raw);
    let service: string | undefined;
    try {
      service = formParse(raw, charset).service;
    } catch {
      service = undefined;
    }
    if (service === NOTIFY_VERIFY_SERVICE) return this.#notifyVerify(raw);
    let verified: { req: VerifiedMapiRequest; read: AnyWitkeyRequest | undefined };
    try {
      verified = this.#verify(raw);
    } catch (err) {
      const { code, message } = codeOf(err);
      if (service && PAGE_SERVICES.has(service)) return { type: 'page-error', code, message, service };
      return this.#failure(code, charset);
    }
    const { req } = verified;
    if (PAGE_SERVICES.has(req.service)) return this.#openPage(raw, req, verified.read!);

    const { delayMs, fault } = this.#core.faults.takeRequestFaults(req.service, req.params);
    if (delayMs > 0) await sleep(delayMs);
    if (fault?.kind === 'http5xx') return { type: 'http', status: fault.status ?? 503, body: 'Service Unavailable' };
    if (fault?.kind === 'systemError') return this.#failure('SYSTEM_ERROR', req.charset);
    const outcome = await this.#system(req, verified.read!);
    return this.#afterFault(outcome, fault);
  }

  #afterFault(outcome: GatewayOutcome, fault: RequestFaultSpec | undefined): GatewayOutcome {
    if (fault?.kind === 'drop') return { type: 'drop' };
    if (fault?.kind === 'malformedXml' && outcome.type === 'xml') return { ...outcome, body: malformed(outcome.body) };
    return outcome;
  }

  async #notifyVerify(raw: string): Promise<GatewayOutcome> {
    try {
      const { partner, notifyId } = readNotifyVerifyRequest(raw);
      const genuine = this.#core.store.read((s) => s.notifications[notifyId]?.partner === partner);
      const a = notifyVerifyAnswer(genuine);
      return { type: 'text', body: a.body, contentType: a.contentType };
    } catch (err) {
      return this.#failure(codeOf(err).code, 'utf-8');
    }
  }

  /** Run a system interface (confirm.by.platform, cancel.confirm.by.platform) and build its signed reply. */
  async #system(req: VerifiedMapiRequest, read: AnyWitkeyRequest): Promise<GatewayOutcome> {
    const hash = requestFingerprint(req.service, req.partner, req.business);
    let responseXml: string;
    try {
      const now = await this.#core.now();
      const ctx = this.#core.context(now);
      responseXml = await this.#core.store.mutate((s) => {
        const done = s.operations[hash];
        if (done) return done.result.responseXml as string;
        let xml: string;
        if (read.service === 'alipay.witkey.task.confirm.by.platform') {
          const r = payAfterAnnouncement(s, ctx, read.request);
          xml = confirmByPlatformResponseXml({ outerTaskId: r.outerTaskId });
        } else if (read.service === 'alipay.witkey.task.cancel.confirm.by.platform') {
          xml = cancelConfirmResponseXml(cancelWinners(s, ctx, read.request));
        } else {
          throw new InboundRejectedError('ILLEGAL_SERVICE', `${req.service} is not a system interface`);
        }
        s.operations[hash] = { service: req.service, at: now, result: { responseXml: xml } };
        return xml;
      });
      this.#core.commit(ctx);
    } catch (err) {
      const { code, message } = codeOf(err);
      if (code === 'SYSTEM_ERROR') this.#core.log(`gateway: ${req.service}: ${message}`);
      return this.#failure(code, req.charset);
    }
    const echo: Record<string, string> = { ...req.params };
    delete echo.sign;
    const body = buildMapiSuccessReply({
      request: echo,
      responseXml,
      signer: this.#core.wire.signerFor(req.signType),
      charset: req.charset,
    });
    return { type: 'xml', body, charset: req.charset };
  }

  #meta(req: VerifiedMapiRequest): PageMeta {
    return {
      partner: req.partner,
      charset: req.charset,
      signType: req.signType,
      requestHash: requestFingerprint(req.service, req.partner, req.business),
    };
  }

  /** Open a page interface: validate; task.create / amount.append record their trade as WAIT_BUYER_PAY. */
  async #openPage(raw: string, req: VerifiedMapiRequest, read: AnyWitkeyRequest): Promise<GatewayOutcome> {
    const meta = this.#meta(req);
    try {
      const now = await this.#core.now();
      const ctx = this.#core.context(now);
      const alreadyDone = await this.#core.store.mutate((s) => {
        if (s.operations[meta.requestHash]) return true;
        if (read.service === 'alipay.witkey.task.create') {
          const ref = openTaskCreate(s, ctx, read.request, meta);
          return (
            s.tasks[`${meta.partner}:${ref.outerTaskId}`].freezes.find((f) => f.freezeNo === ref.freezeNo)!.status ===
            'TRADE_SUCCESS'
          );
        }
        if (read.service === 'alipay.witkey.task.amount.append') {
          const ref = openAmountAppend(s, ctx, read.request, meta);
          return (
            s.tasks[`${meta.partner}:${ref.outerTaskId}`].freezes.find((f) => f.freezeNo === ref.freezeNo)!.status ===
            'TRADE_SUCCESS'
          );
        }
        if (read.service === 'alipay.witkey.task.confirm') checkTaskConfirm(s, ctx, read.request, meta.partner);
        if (read.service === 'alipay.witkey.task.left.amount.handle') checkLeftover(s, ctx, read.request, meta.partner);
        return false;
      });
      return { type: 'page', service: req.service, raw, request: req, alreadyDone, summary: this.#summary(read, req) };
    } catch (err) {
      const { code, message } = codeOf(err);
      return { type: 'page-error', code, message, service: req.service };
    }
  }

  #summary(read: AnyWitkeyRequest, req: VerifiedMapiRequest): PageSummary {
    const yuan = (fen: number): string => `${(fen - (fen % 100)) / 100}.${String(fen % 100).padStart(2, '0')} yuan`;
    switch (read.service) {
      case 'alipay.witkey.task.create':
      case 'alipay.witkey.task.amount.append': {
        const r = read.request;
        return {
          title:
            read.service === 'alipay.witkey.task.create'
              ? 'Alipay cashier: freeze the bounty'
              : 'Alipay: add to the bounty',
          lines: [
            ['Task', r.outerTaskId],
            ['Freeze number', r.outerTaskFreezeNo],
            ['Bounty', yuan(r.taskAmountFen)],
            ['Value-added fee', yuan(r.additionalProfitAmountFen ?? 0)],
            ['Total to pay', yuan(r.taskAmountFen + (r.additionalProfitAmountFen ?? 0))],
            ['Publisher (site user)', r.outerAccountId],
          ],
        };
      }
      case 'alipay.witkey.task.confirm':
        return {
          title: 'Alipay: confirm the winners',
          lines: [
            ['Task', read.request.outerTaskId],
            [
              'Announcement ends',
              read.request.announcePeriodEnd === undefined
                ? 'no announcement: pay at once'
                : new Date(read.request.announcePeriodEnd).toISOString(),
            ],
            ...read.request.transfers.map((t): [string, string] => [
              `Winner ${t.outerTransferNo}`,
              `${t.nickname} (${t.alipayUserId}): ${yuan(t.amountFen)}`,
            ]),
          ],
        };
      case 'alipay.witkey.task.left.amount.handle':
        return {
          title: 'Alipay: handle the leftover bounty (platform administrator)',
          lines: [
            ['Task', read.request.outerTaskId],
            [
              'Refund to the publisher',
              read.request.refund ? `${read.request.refund.serialNo}: ${yuan(read.request.refund.amountFen)}` : '-',
            ],
            [
              'Platform share',
              read.request.platform
                ? `${read.request.platform.serialNo}: ${yuan(read.request.platform.amountFen)}`
                : '-',
            ],
            ...(read.request.transfers ?? []).map((t): [string, string] => [
              `Winner ${t.outerTransferNo}`,
              `${t.nickname} (${t.alipayUserId}): ${yuan(t.amountFen)}`,
            ]),
          ],
        };
      default:
        return { title: req.service, lines: [] };
    }
  }

  /**
   * Complete a page interface as the user would by pressing its button: pay (task.create / amount.append) or
   * confirm (task.confirm / left.amount.handle). `raw` is the signed request (query string or form body).
   */
  async complete(raw: string, opts: { payerUserId?: string } = {}): Promise<CompletionOutcome> {
    let verified: { req: VerifiedMapiRequest; read: AnyWitkeyRequest | undefined };
    try {
      verified = this.#verify(raw);
    } catch (err) {
      return { type: 'refused', ...codeOf(err) };
    }
    const { req } = verified;
    const read = verified.read!;
    if (!PAGE_SERVICES.has(req.service))
      return { type: 'refused', code: 'ILLEGAL_SERVICE', message: `${req.service} is not a page interface` };
    const { delayMs, fault } = this.#core.faults.takeRequestFaults(req.service, req.params);
    if (delayMs > 0) await sleep(delayMs);
    if (fault?.kind === 'http5xx') return { type: 'http', status: fault.status ?? 503, body: 'Service Unavailable' };
    if (fault?.kind === 'systemError') return { type: 'refused', code: 'SYSTEM_ERROR', message: 'injected fault' };
    const meta = this.#meta(req);
    let result: { event: PageCompletion['event']; alreadyDone: boolean; returnUrl: string };
    try {
      const now = await this.#core.now();
      const ctx = this.#core.context(now);
      result = await this.#core.store.mutate((s: SandboxState) => {
        const done = s.operations[meta.requestHash];
        if (done)
          return {
            event: done.result.event as PageCompletion['event'],
            alreadyDone: true,
            returnUrl: done.result.returnUrl as string,
          };
        switch (read.service) {
          case 'alipay.witkey.task.create':
          case 'alipay.witkey.task.amount.append': {
            const ref =
              read.service === 'alipay.witkey.task.create'
                ? openTaskCreate(s, ctx, read.request, meta)
                : openAmountAppend(s, ctx, read.request, meta);
            const paid = payFreeze(s, ctx, meta.partner, ref.freezeNo, opts.payerUserId);
            return {
              event: freezeEvent(meta.partner, paid.task, paid.freeze),
              alreadyDone: paid.alreadyPaid,
              returnUrl: paid.freeze.returnUrl,
            };
          }
          case 'alipay.witkey.task.confirm': {
            const { event } = confirmWinners(s, ctx, read.request, meta);
            s.operations[meta.requestHash] = {
              service: req.service,
              at: now,
              result: { event, returnUrl: read.request.returnUrl },
            };
            return { event, alreadyDone: false, returnUrl: read.request.returnUrl };
          }
          case 'alipay.witkey.task.left.amount.handle': {
            const { event } = handleLeftover(s, ctx, read.request, meta);
            s.operations[meta.requestHash] = {
              service: req.service,
              at: now,
              result: { event, returnUrl: read.request.returnUrl },
            };
            return { event, alreadyDone: false, returnUrl: read.request.returnUrl };
          }
          default:
            throw new InboundRejectedError('ILLEGAL_SERVICE', 'not a page interface');
        }
      });
      this.#core.commit(ctx);
    } catch (err) {
      const { code, message } = codeOf(err);
      if (code === 'SYSTEM_ERROR') this.#core.log(`gateway: ${req.service}: ${message}`);
      return { type: 'refused', code, message };
    }
    const cb = buildReturnCallback(
      req.service,
      result.returnUrl,
      { isSuccess: true, event: result.event },
      this.#core.wire.signerFor(req.signType),
      req.charset,
    );
    const descriptor = SERVICES[req.service as keyof typeof SERVICES];
    const completion: PageCompletion = {
      service: req.service,
      outerTaskId: result.event.outerTaskId,
      alreadyDone: result.alreadyDone,
      returnMethod: descriptor.returnMethod ?? cb.method,
      returnUrl: cb.url,
      returnFields: cb.fields,
      charset: req.charset,
      event: result.event,
    };
    return { type: 'done', completion, dropped: fault?.kind === 'drop' };
  }
}
