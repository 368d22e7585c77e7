// Visiting a page interface (the browser's GET or POST of gateway.do): the request is checked as it will be at
// completion; task.create and amount.append record their trade as WAIT_BUYER_PAY. Nothing is paid or confirmed here.

import type { AnyWitkeyRequest } from '../../alipay/core/services';
import type { VerifiedMapiRequest } from '../../alipay/mapi-request';
import type { SandboxRuntime } from '../runtime/sandbox-runtime';
import { openAmountAppend } from '../services/amount-append';
import { checkLeftover } from '../services/left-amount-handle';
import { checkTaskConfirm } from '../services/task-confirm';
import { openTaskCreate } from '../services/task-create';
import type { GatewayOutcome } from './outcomes';
import { pageSummary } from './page-summary';
import { codeOf, pageMeta } from './request-reading';

/** Open a page interface: validate; task.create / amount.append record their trade as WAIT_BUYER_PAY. */
export async function openPage(
  runtime: SandboxRuntime,
  raw: string,
  req: VerifiedMapiRequest,
  read: AnyWitkeyRequest,
): Promise<GatewayOutcome> {
  const meta = pageMeta(req);
  try {
    const now = await runtime.now();
    const ctx = runtime.context(now);
    const alreadyDone = await runtime.store.mutate((s) => {
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
    return { type: 'page', service: req.service, raw, request: req, alreadyDone, summary: pageSummary(read, req) };
  } catch (err) {
    const { code, message } = codeOf(err);
    return { type: 'page-error', code, message, service: req.service };
  }
}
