// The system interfaces a platform server calls on gateway.do: confirm.by.platform and cancel.confirm.by.platform.
// The service runs on the state under the writer lock; the very same request again answers the recorded reply; the
// reply is signed XML (docs/PROTOCOL.md §4 Synchronous XML replies).

import type { Charset } from '../../alipay/charset';
import { InboundRejectedError } from '../../alipay/core/errors';
import type { AnyWitkeyRequest } from '../../alipay/core/services';
import {
  buildMapiFailureReply,
  buildMapiSuccessReply,
  cancelConfirmResponseXml,
  confirmByPlatformResponseXml,
} from '../../alipay/mapi-reply';
import type { VerifiedMapiRequest } from '../../alipay/mapi-request';
import { requestFingerprint } from '../runtime/business-numbers';
import type { SandboxRuntime } from '../runtime/sandbox-runtime';
import { cancelWinners } from '../services/cancel-confirm-by-platform';
import { payAfterAnnouncement } from '../services/confirm-by-platform';
import type { GatewayOutcome } from './outcomes';
import { codeOf } from './request-reading';

/** The signed is_success=F reply with the gateway's code. */
export function failureReply(code: string, charset: Charset): GatewayOutcome {
  return { type: 'xml', body: buildMapiFailureReply(code, charset), charset };
}

/** Run a system interface (confirm.by.platform, cancel.confirm.by.platform) and build its signed reply. */
export async function runSystemInterface(
  runtime: SandboxRuntime,
  req: VerifiedMapiRequest,
  read: AnyWitkeyRequest,
): Promise<GatewayOutcome> {
  const hash = requestFingerprint(req.service, req.partner, req.business);
  let responseXml: string;
  try {
    const now = await runtime.now();
    const ctx = runtime.context(now);
    responseXml = await runtime.store.mutate((s) => {
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
    runtime.commit(ctx);
  } catch (err) {
    const { code, message } = codeOf(err);
    if (code === 'SYSTEM_ERROR')
      runtime.log(`gateway: ${req.service}: ${message}`, {
        outerTaskId: req.params.outer_task_id,
        service: req.service,
      });
    return failureReply(code, req.charset);
  }
  const echo: Record<string, string> = { ...req.params };
  delete echo.sign;
  const body = buildMapiSuccessReply({
    request: echo,
    responseXml,
    signer: runtime.signing.signerFor(req.signType),
    charset: req.charset,
  });
  return { type: 'xml', body, charset: req.charset };
}
