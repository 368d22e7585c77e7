/** confirm.by.platform (pay out after the announcement) and cancel.confirm.by.platform (cancel winners): system calls. */
import {
  buildCancelConfirmByPlatform,
  buildConfirmByPlatform,
  GatewayError,
  parseCancelConfirmReply,
  parseConfirmByPlatformReply,
  signMapiRequest,
  type MapiBusinessRequest,
} from '../alipay';
import type { GatewayConfig } from './config';
import { toActivityFailure } from './failures';
import { sendMapiRequest } from './gateway-http';
import type { TaskActivities } from './types';

/** The answers of confirm.by.platform that mean "this payout was already made" (docs/PROTOCOL.md, "8. Error codes"). */
export const PAYOUT_ALREADY_DONE_CODES: ReadonlySet<string> = new Set([
  'WITKEY_OUTER_TRANSFER_ALREADY_PAID',
  'WITKEY_OUTER_TRANSFER_REPEAT',
]);

async function call(config: GatewayConfig, request: MapiBusinessRequest): Promise<Buffer> {
  const signed = signMapiRequest(request, {
    gatewayUrl: config.gatewayUrl,
    partner: config.partner,
    inputCharset: config.inputCharset,
    signer: config.signer,
  });
  return sendMapiRequest(signed, config.gatewayUrl, config.requestTimeoutMs);
}

export function payoutActivities(
  config: GatewayConfig,
): Pick<TaskActivities, 'confirmByPlatform' | 'cancelConfirmByPlatform'> {
  return {
    async confirmByPlatform({ outerTaskId, transferNos }) {
      const request = buildConfirmByPlatform({ outerTaskId, transferNos });
      try {
        const body = await call(config, request);
        const reply = parseConfirmByPlatformReply(body, config.inputCharset, config.verifier);
        if (reply.outerTaskId !== outerTaskId)
          throw new GatewayError('WITKEY_DATA_NOT_MATCH', 'input', true, `reply names task ${reply.outerTaskId}`);
        return { alreadyDone: false };
      } catch (err) {
        // "already paid" for these transfer numbers: the request is built from the task and the numbers alone, so it
        // is the one sent before, and the payout happened.
        // Other "already" codes (WITKEY_DATA_NOT_MATCH: a different request under a used number) go to an operator.
        if (err instanceof GatewayError && PAYOUT_ALREADY_DONE_CODES.has(err.gatewayCode)) return { alreadyDone: true };
        throw toActivityFailure(err, 'confirm.by.platform');
      }
    },

    async cancelConfirmByPlatform({ outerTaskId, transferNos }) {
      const request = buildCancelConfirmByPlatform({ outerTaskId, transferNos });
      try {
        const body = await call(config, request);
        const reply = parseCancelConfirmReply(body, config.inputCharset, config.verifier);
        const cancelled = reply.succeeded.map((s) => s.outerTransferNo);
        // every failure is reported as is: an "already" code here may mean already paid, so it is not a cancellation
        const failed = reply.failed.map((f) => ({ transferNo: f.outerTransferNo, errorCode: f.errorCode }));
        return { cancelled, failed };
      } catch (err) {
        throw toActivityFailure(err, 'cancel.confirm.by.platform');
      }
    },
  };
}
