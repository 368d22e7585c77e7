/**
 * Page interfaces (task.create, task.confirm, left.amount.handle): the activity signs the request and hands back
 * what the browser needs. Keys stay in the worker; only the signed URL or form enters workflow history.
 */
import {
  buildAmountAppend,
  buildLeftAmountHandle,
  buildTaskConfirm,
  buildTaskCreate,
  mapiGetUrl,
  signMapiRequest,
  type MapiBusinessRequest,
} from '../alipay';
import type { AdminPage } from '../workflows/messages';
import type { GatewayConfig } from './config';
import { toActivityFailure } from './failures';
import type { TaskActivities } from './types';

/** The return_url of a page service: the webhook reads `service` from it to verify the callback (unsigned site parameter). */
function returnUrlFor(config: GatewayConfig, service: string): string {
  return `${config.returnUrl}${config.returnUrl.includes('?') ? '&' : '?'}service=${encodeURIComponent(service)}`;
}

function sign(config: GatewayConfig, request: MapiBusinessRequest) {
  return signMapiRequest(request, {
    gatewayUrl: config.gatewayUrl,
    partner: config.partner,
    inputCharset: config.inputCharset,
    signer: config.signer,
  });
}

export function pageActivities(
  config: GatewayConfig,
): Pick<TaskActivities, 'createTaskPage' | 'createConfirmPage' | 'createAppendPage' | 'createLeftoverPage'> {
  return {
    async createTaskPage({ spec, freezeNo, valueAddedFeeTransferNo }) {
      try {
        const request = buildTaskCreate({
          outerTaskId: spec.outerTaskId,
          outerTaskFreezeNo: freezeNo,
          taskAmountFen: spec.bountyFen,
          additionalProfitAmountFen: spec.valueAddedFeeFen || undefined,
          additionalProfitTransferNo: valueAddedFeeTransferNo,
          returnUrl: returnUrlFor(config, 'alipay.witkey.task.create'),
          notifyUrl: config.notifyUrl,
          taskType: spec.taskType,
          taskTitle: spec.title,
          taskExpiredTime: spec.expiresAtMs,
          outerAccountName: spec.publisherName,
          outerAccountId: spec.publisherId,
        });
        return { url: mapiGetUrl(sign(config, request), config.gatewayUrl) };
      } catch (err) {
        throw toActivityFailure(err, 'task.create page');
      }
    },

    async createConfirmPage({ outerTaskId, publisherId, publisherAlipayUserId, transfers, announceEndMs }) {
      try {
        const request = buildTaskConfirm({
          outerTaskId,
          outerAccountId: publisherId,
          alipayUserId: publisherAlipayUserId,
          transfers: transfers.map((t) => ({
            outerTransferNo: t.transferNo,
            amountFen: t.amountFen,
            alipayUserId: t.winnerAlipayUserId,
            nickname: t.winnerNickname,
          })),
          announcePeriodEnd: announceEndMs,
          returnUrl: returnUrlFor(config, 'alipay.witkey.task.confirm'),
          notifyUrl: config.notifyUrl,
        });
        return { url: mapiGetUrl(sign(config, request), config.gatewayUrl) };
      } catch (err) {
        throw toActivityFailure(err, 'task.confirm page');
      }
    },

    async createAppendPage({
      outerTaskId,
      publisherId,
      freezeNo,
      addBountyFen,
      addValueAddedFeeFen,
      valueAddedFeeTransferNo,
      newExpiresAtMs,
    }) {
      try {
        const request = buildAmountAppend({
          outerTaskId,
          outerTaskFreezeNo: freezeNo,
          taskAmountFen: addBountyFen,
          taskExpiredTime: newExpiresAtMs,
          outerAccountId: publisherId,
          additionalProfitAmountFen: addValueAddedFeeFen || undefined,
          additionalProfitTransferNo: valueAddedFeeTransferNo,
          returnUrl: returnUrlFor(config, 'alipay.witkey.task.amount.append'),
          notifyUrl: config.notifyUrl,
        });
        return { url: mapiGetUrl(sign(config, request), config.gatewayUrl) };
      } catch (err) {
        throw toActivityFailure(err, 'amount.append page');
      }
    },

    async createLeftoverPage({ outerTaskId, refund, platform, transfers }) {
      try {
        const request = buildLeftAmountHandle({
          outerTaskId,
          outerAccountId: 'platform-admin',
          refund,
          platform,
          transfers: transfers.map((t) => ({
            outerTransferNo: t.transferNo,
            amountFen: t.amountFen,
            alipayUserId: t.winnerAlipayUserId,
            nickname: t.winnerNickname,
          })),
          returnUrl: returnUrlFor(config, 'alipay.witkey.task.left.amount.handle'),
          notifyUrl: config.notifyUrl,
        });
        const signed = sign(config, request);
        const page: AdminPage = { action: config.gatewayUrl, method: 'POST', fields: { ...signed.params } };
        return { page };
      } catch (err) {
        throw toActivityFailure(err, 'left.amount.handle page');
      }
    },
  };
}
