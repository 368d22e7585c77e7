/**
 * The unknown-outcome path of the freeze payment (docs/PROTOCOL.md, "9. OpenAPI"): alipay.trade.query, then
 * alipay.trade.cancel only when the query gives no clear result. The freeze is addressed with
 * out_trade_no = outer_task_freeze_no. Retrying (retry_flag Y, code 20000, SYSTEM_ERROR) is the activity retry
 * policy's job: those answers are thrown as retryable failures.
 */
import { ApplicationFailure } from '@temporalio/common';
import {
  buildTradeCancel,
  buildTradeQuery,
  parseTradeCancelResponse,
  parseTradeQueryResponse,
  type OpenApiRequest,
} from '../alipay';
import type { GatewayConfig } from './config';
import { toActivityFailure } from './failures';
import { GATEWAY_FAILURE, type TaskActivities } from './types';

async function post(config: GatewayConfig, request: OpenApiRequest): Promise<Buffer> {
  const res = await fetch(request.url, {
    method: 'POST',
    body: request.body,
    headers: { 'content-type': request.contentType },
    signal: AbortSignal.timeout(config.requestTimeoutMs),
  });
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200)
    throw ApplicationFailure.retryable(`OpenAPI answered HTTP ${res.status}`, GATEWAY_FAILURE.transient);
  return body;
}

function openApi(config: GatewayConfig) {
  if (!config.openApi)
    throw ApplicationFailure.nonRetryable(
      'the OpenAPI gateway is not configured (ALIPAY_OPENAPI_URL, ALIPAY_APP_ID, keys)',
      GATEWAY_FAILURE.configuration,
    );
  return config.openApi;
}

export function freezeTradeActivities(
  config: GatewayConfig,
): Pick<TaskActivities, 'queryFreezeTrade' | 'cancelFreezeTrade'> {
  return {
    async queryFreezeTrade({ freezeNo }) {
      const api = openApi(config);
      try {
        const result = parseTradeQueryResponse(
          await post(config, buildTradeQuery(api, { outTradeNo: freezeNo })),
          api.alipayPublicKey,
          api.charset ?? 'utf-8',
        );
        if (result.kind === 'unknown')
          throw ApplicationFailure.retryable(
            `trade.query: outcome unknown (${result.code}${result.subCode ? ` ${result.subCode}` : ''})`,
            GATEWAY_FAILURE.transient,
          );
        if (result.kind === 'failed') return { kind: 'failed', code: result.subCode ?? result.code };
        if (result.kind === 'not_found') return { kind: 'not_found' };
        return { kind: 'found', tradeStatus: result.tradeStatus, totalAmountFen: result.totalAmountFen };
      } catch (err) {
        throw toActivityFailure(err, 'trade.query');
      }
    },

    async cancelFreezeTrade({ freezeNo }) {
      const api = openApi(config);
      try {
        const result = parseTradeCancelResponse(
          await post(config, buildTradeCancel(api, { outTradeNo: freezeNo })),
          api.alipayPublicKey,
          api.charset ?? 'utf-8',
        );
        if (result.kind === 'retry')
          throw ApplicationFailure.retryable(
            `trade.cancel: retry_flag Y (${result.code}${result.subCode ? ` ${result.subCode}` : ''})`,
            GATEWAY_FAILURE.transient,
          );
        if (result.kind === 'failed') return { kind: 'failed', code: result.subCode ?? result.code };
        return { kind: result.kind };
      } catch (err) {
        throw toActivityFailure(err, 'trade.cancel');
      }
    },
  };
}
