// The OpenAPI gateway (alipay.trade.query, alipay.trade.cancel on the freeze payment), independent of HTTP. Requests
// are verified and responses signed through the protocol library (alipay/openapi.ts, alipay/trade.ts;
// docs/PROTOCOL.md §9 OpenAPI).

import { InboundRejectedError, AlipayError } from '../../alipay/core/errors';
import {
  buildOpenApiResponse,
  responseKey,
  verifyOpenApiRequest,
  type VerifiedOpenApiRequest,
} from '../../alipay/openapi';
import { TRADE_CANCEL, TRADE_QUERY, tradeCancelResponseBody, tradeQueryResponseBody } from '../../alipay/trade';
import type { SandboxState } from '../runtime/persisted-state';
import type { SandboxRuntime } from '../runtime/sandbox-runtime';
import { cancelTrade } from '../services/trade-cancel';
import { queryTrade } from '../services/trade-query';
import { sleep } from './request-reading';

export type OpenApiOutcome =
  { type: 'json'; body: string; charset: string } | { type: 'http'; status: number; body: string } | { type: 'drop' };

/** Resolve trade_no to the freeze number when only trade_no is given. */
function outTradeNoOf(
  state: Readonly<SandboxState>,
  partner: string,
  biz: Readonly<Record<string, unknown>>,
): string | undefined {
  if (typeof biz.out_trade_no === 'string' && biz.out_trade_no.length > 0) return biz.out_trade_no;
  if (typeof biz.trade_no !== 'string' || biz.trade_no.length === 0) return undefined;
  for (const task of Object.values(state.tasks)) {
    if (task.partner !== partner) continue;
    const f = task.freezes.find((x) => x.tradeNo === biz.trade_no);
    if (f) return f.freezeNo;
  }
  return `unknown:${biz.trade_no}`;
}

export class OpenApiGateway {
  readonly #runtime: SandboxRuntime;
  constructor(runtime: SandboxRuntime) {
    this.#runtime = runtime;
  }

  #json(method: string, body: Record<string, unknown>, charset: string, sign = true): OpenApiOutcome {
    const key = method === TRADE_QUERY || method === TRADE_CANCEL ? responseKey(method) : 'error_response';
    return {
      type: 'json',
      body: buildOpenApiResponse(method, body, this.#runtime.signing.alipayRsaPrivate, { charset, sign, key }),
      charset,
    };
  }

  async handle(rawBody: string, rawQuery: string): Promise<OpenApiOutcome> {
    let req: VerifiedOpenApiRequest;
    try {
      req = verifyOpenApiRequest(
        rawBody,
        (appId) => (appId === this.#runtime.config.appId ? this.#runtime.signing.appPublicKey : undefined),
        rawQuery,
      );
    } catch (err) {
      const sub =
        err instanceof InboundRejectedError
          ? err.code
          : err instanceof AlipayError
            ? 'isv.invalid-parameter'
            : 'isp.unknow-error';
      const missing = sub.startsWith('isv.missing');
      return this.#json(
        'error',
        {
          code: missing ? '40001' : '40002',
          msg: missing ? 'Missing Required Arguments' : 'Invalid Arguments',
          sub_code: sub,
          sub_msg: (err as Error).message,
        },
        'utf-8',
        false,
      );
    }
    const { method, charset } = req;
    if (method !== TRADE_QUERY && method !== TRADE_CANCEL) {
      return this.#json(
        method,
        {
          code: '40002',
          msg: 'Invalid Arguments',
          sub_code: 'isv.invalid-method',
          sub_msg: `method ${method.slice(0, 60)} is not emulated`,
        },
        charset,
        false,
      );
    }
    const outTradeNo = this.#runtime.store.read((s) => outTradeNoOf(s, this.#runtime.config.partnerId, req.bizContent));
    if (!outTradeNo)
      return this.#json(
        method,
        {
          code: '40002',
          msg: 'Invalid Arguments',
          sub_code: 'ACQ.INVALID_PARAMETER',
          sub_msg: 'out_trade_no or trade_no is required',
        },
        charset,
      );
    const { delayMs, fault } = this.#runtime.faults.takeRequestFaults(method, {
      ...req.params,
      out_trade_no: outTradeNo,
    });
    if (delayMs > 0) await sleep(delayMs);
    if (fault?.kind === 'http5xx') return { type: 'http', status: fault.status ?? 503, body: 'Service Unavailable' };
    if (fault?.kind === 'systemError') {
      if (method === TRADE_CANCEL)
        return this.#json(method, tradeCancelResponseBody({ systemError: true, outTradeNo }), charset);
      return this.#json(
        method,
        { code: '20000', msg: 'Service Currently Unavailable', sub_code: 'isp.unknow-error', sub_msg: 'system busy' },
        charset,
      );
    }
    let out: OpenApiOutcome;
    try {
      out = method === TRADE_QUERY ? this.#query(outTradeNo, charset) : await this.#cancel(outTradeNo, charset);
    } catch (err) {
      this.#runtime.log(`openapi: ${method}: ${(err as Error).message}`, { outTradeNo, service: method });
      out = this.#json(
        method,
        { code: '20000', msg: 'Service Currently Unavailable', sub_code: 'isp.unknow-error', sub_msg: 'system error' },
        charset,
      );
    }
    if (fault?.kind === 'drop') return { type: 'drop' };
    if (fault?.kind === 'malformedXml' && out.type === 'json')
      return { ...out, body: out.body.slice(0, Math.floor(out.body.length / 2)) };
    return out;
  }

  #query(outTradeNo: string, charset: string): OpenApiOutcome {
    const r = this.#runtime.store.read((s) => queryTrade(s, this.#runtime.config.partnerId, outTradeNo));
    if (!r.found) return this.#json(TRADE_QUERY, tradeQueryResponseBody({ found: false }), charset);
    const body: Record<string, string> = {
      ...tradeQueryResponseBody({
        found: true,
        tradeStatus: r.tradeStatus as 'WAIT_BUYER_PAY',
        outTradeNo: r.outTradeNo,
        tradeNo: r.tradeNo,
        totalAmount: r.totalAmount,
      }),
      ...(r.buyerUserId ? { buyer_user_id: r.buyerUserId } : {}),
      ...(r.sendPayDate ? { send_pay_date: r.sendPayDate } : {}),
    };
    return this.#json(TRADE_QUERY, body, charset);
  }

  async #cancel(outTradeNo: string, charset: string): Promise<OpenApiOutcome> {
    const now = await this.#runtime.now();
    const ctx = this.#runtime.context(now);
    const r = await this.#runtime.store.mutate((s) => cancelTrade(s, ctx, outTradeNo));
    if (r.outcome === 'not_found')
      return this.#json(TRADE_CANCEL, tradeCancelResponseBody({ retryFlag: 'N', outTradeNo }), charset);
    if (r.outcome === 'done')
      return this.#json(
        TRADE_CANCEL,
        tradeCancelResponseBody({ action: r.action, retryFlag: 'N', outTradeNo, tradeNo: r.tradeNo }),
        charset,
      );
    return this.#json(
      TRADE_CANCEL,
      {
        code: '40004',
        msg: 'Business Failed',
        sub_code: r.subCode,
        sub_msg: r.subMsg,
        out_trade_no: outTradeNo,
        retry_flag: 'N',
      },
      charset,
    );
  }
}
