// The legacy gateway (gateway.do), independent of HTTP: verify the request with the protocol library, apply
// request faults, run the service on the state, and produce the reply (signed XML for system interfaces, an HTML
// page for page interfaces, the completion of a page with its signed return callback, "true"/"false" for
// notify_verify).

import { formParse } from '../../alipay/form';
import { NOTIFY_VERIFY_SERVICE, notifyVerifyAnswer, readNotifyVerifyRequest } from '../../alipay/notify-verify';
import type { RequestFaultSpec } from '../runtime/fault-specs';
import type { SandboxRuntime } from '../runtime/sandbox-runtime';
import { isIssuedNotification } from '../services/notify-verify';
import type { CompletionOutcome, GatewayOutcome } from './outcomes';
import { completePage } from './page-completion';
import { openPage } from './page-opening';
import { charsetOf, codeOf, PAGE_SERVICES, readRequest, sleep, type ReadRequest } from './request-reading';
import { failureReply, runSystemInterface } from './system-interfaces';

/** Cut the reply in the middle of the <response> element: not well formed (the malformedXml fault). */
function malformed(body: Buffer): Buffer {
  const cut = body.indexOf('</response>');
  return body.subarray(0, cut > 0 ? cut - 3 : Math.floor(body.length / 2));
}

function afterFault(outcome: GatewayOutcome, fault: RequestFaultSpec | undefined): GatewayOutcome {
  if (fault?.kind === 'drop') return { type: 'drop' };
  if (fault?.kind === 'malformedXml' && outcome.type === 'xml') return { ...outcome, body: malformed(outcome.body) };
  return outcome;
}

export class Gateway {
  readonly #runtime: SandboxRuntime;
  constructor(runtime: SandboxRuntime) {
    this.#runtime = runtime;
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
    let verified: ReadRequest;
    try {
      verified = readRequest(raw, this.#runtime.signing.verifierFor);
    } catch (err) {
      const { code, message } = codeOf(err);
      if (service && PAGE_SERVICES.has(service)) return { type: 'page-error', code, message, service };
      return failureReply(code, charset);
    }
    const { req } = verified;
    if (PAGE_SERVICES.has(req.service)) return openPage(this.#runtime, raw, req, verified.read!);

    const { delayMs, fault } = this.#runtime.faults.takeRequestFaults(req.service, req.params);
    if (delayMs > 0) await sleep(delayMs);
    if (fault?.kind === 'http5xx') return { type: 'http', status: fault.status ?? 503, body: 'Service Unavailable' };
    if (fault?.kind === 'systemError') return failureReply('SYSTEM_ERROR', req.charset);
    const outcome = await runSystemInterface(this.#runtime, req, verified.read!);
    return afterFault(outcome, fault);
  }

  /** Complete a page interface as its button does (page-completion.ts). */
  complete(raw: string, opts: { payerUserId?: string } = {}): Promise<CompletionOutcome> {
    return completePage(this.#runtime, raw, opts);
  }

  async #notifyVerify(raw: string): Promise<GatewayOutcome> {
    try {
      const { partner, notifyId } = readNotifyVerifyRequest(raw);
      const genuine = this.#runtime.store.read((s) => isIssuedNotification(s, partner, notifyId));
      const a = notifyVerifyAnswer(genuine);
      return { type: 'text', body: a.body, contentType: a.contentType };
    } catch (err) {
      return failureReply(codeOf(err).code, 'utf-8');
    }
  }
}
