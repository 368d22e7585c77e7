// Completing a page interface as the user would by pressing its button: pay (task.create / amount.append) or
// confirm (task.confirm / left.amount.handle). The signed request is verified again, request faults apply, the
// service runs, and the answer is the signed return callback (docs/PROTOCOL.md §5 Return callbacks).

import type { TaskFreezeEvent } from '../../alipay/core/events';
import { InboundRejectedError } from '../../alipay/core/errors';
import { SERVICES } from '../../alipay/core/services';
import { buildReturnCallback } from '../../alipay/notify';
import type { SandboxState } from '../runtime/persisted-state';
import type { SandboxRuntime } from '../runtime/sandbox-runtime';
import { openAmountAppend } from '../services/amount-append';
import { payFreeze } from '../services/freeze-payment';
import { handleLeftover } from '../services/left-amount-handle';
import { confirmWinners } from '../services/task-confirm';
import { openTaskCreate } from '../services/task-create';
import type { FreezeRecord, TaskRecord } from '../services/task-records';
import type { CompletionOutcome, PageCompletion } from './outcomes';
import { codeOf, pageMeta, PAGE_SERVICES, readRequest, sleep, type ReadRequest } from './request-reading';

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

/** `raw` is the signed request (query string or form body). */
export async function completePage(
  runtime: SandboxRuntime,
  raw: string,
  opts: { payerUserId?: string } = {},
): Promise<CompletionOutcome> {
  let verified: ReadRequest;
  try {
    verified = readRequest(raw, runtime.signing.verifierFor);
  } catch (err) {
    return { type: 'refused', ...codeOf(err) };
  }
  const { req } = verified;
  const read = verified.read!;
  if (!PAGE_SERVICES.has(req.service))
    return { type: 'refused', code: 'ILLEGAL_SERVICE', message: `${req.service} is not a page interface` };
  const { delayMs, fault } = runtime.faults.takeRequestFaults(req.service, req.params);
  if (delayMs > 0) await sleep(delayMs);
  if (fault?.kind === 'http5xx') return { type: 'http', status: fault.status ?? 503, body: 'Service Unavailable' };
  if (fault?.kind === 'systemError') return { type: 'refused', code: 'SYSTEM_ERROR', message: 'injected fault' };
  const meta = pageMeta(req);
  let result: { event: PageCompletion['event']; alreadyDone: boolean; returnUrl: string };
  try {
    const now = await runtime.now();
    const ctx = runtime.context(now);
    result = await runtime.store.mutate((s: SandboxState) => {
      // a page done once is remembered by its request: a resubmission answers the same event
      const doneOnce = (event: PageCompletion['event'], returnUrl: string) => {
        s.operations[meta.requestHash] = { service: req.service, at: now, result: { event, returnUrl } };
        return { event, alreadyDone: false, returnUrl };
      };
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
        case 'alipay.witkey.task.confirm':
          return doneOnce(confirmWinners(s, ctx, read.request, meta).event, read.request.returnUrl);
        case 'alipay.witkey.task.left.amount.handle':
          return doneOnce(handleLeftover(s, ctx, read.request, meta).event, read.request.returnUrl);
        default:
          throw new InboundRejectedError('ILLEGAL_SERVICE', 'not a page interface');
      }
    });
    runtime.commit(ctx);
  } catch (err) {
    const { code, message } = codeOf(err);
    if (code === 'SYSTEM_ERROR')
      runtime.log(`gateway: ${req.service}: ${message}`, {
        outerTaskId: req.params.outer_task_id,
        service: req.service,
      });
    return { type: 'refused', code, message };
  }
  const cb = buildReturnCallback(
    req.service,
    result.returnUrl,
    { isSuccess: true, event: result.event },
    runtime.signing.signerFor(req.signType),
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
