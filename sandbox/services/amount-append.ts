// alipay.witkey.task.amount.append, opening the publisher's authorisation page: a new freeze trade on an open task
// (more bounty, a later deadline, or both), recorded as WAIT_BUYER_PAY; paying is freeze-payment.ts.

import type { AmountAppendRequest } from '../../alipay/core/services';
import { checkNumber, registerNumber } from '../runtime/business-numbers';
import { scoped, type SandboxState } from '../runtime/persisted-state';
import { newFreeze, registerProfit, type FreezeRef } from './freeze-trade';
import type { OpContext, PageMeta } from './operation';
import { GatewayRefusal } from './refusal';

/** Open the amount.append authorisation page: validate and record the new freeze trade (idempotent). */
export function openAmountAppend(
  state: SandboxState,
  ctx: OpContext,
  r: AmountAppendRequest,
  meta: PageMeta,
): FreezeRef {
  const task = state.tasks[scoped(meta.partner, r.outerTaskId)];
  if (!task) throw new GatewayRefusal('WITKEY_TASK_NOT_EXIST', `task ${r.outerTaskId}`);
  const use = checkNumber(state, meta.partner, r.outerTaskFreezeNo, 'freeze', r.outerTaskId, meta.requestHash);
  if (use === 'same') return { outerTaskId: r.outerTaskId, freezeNo: r.outerTaskFreezeNo };
  if (task.status !== 'OPEN') throw new GatewayRefusal('WITKEY_NOT_ALLOW', `task ${r.outerTaskId} is ${task.status}`);
  if (ctx.now >= task.expiresAt) throw new GatewayRefusal('WITKEY_NOT_ALLOW', 'task has expired');
  if (r.outerAccountId !== task.outerAccountId)
    throw new GatewayRefusal('WITKEY_DATA_NOT_MATCH', 'outer_account_id is not the publisher');
  if (r.taskExpiredTime !== undefined && r.taskExpiredTime <= ctx.now)
    throw new GatewayRefusal('ILLEGAL_ARGUMENT', 'task_expired_time is in the past');
  registerNumber(state, meta.partner, r.outerTaskFreezeNo, 'freeze', r.outerTaskId, meta.requestHash);
  registerProfit(state, meta, r.outerTaskId, r.additionalProfitTransferNo);
  task.freezes.push({
    ...newFreeze(state, ctx, meta, 'append', r),
    ...(r.taskExpiredTime !== undefined ? { newExpiresAt: r.taskExpiredTime } : {}),
  });
  return { outerTaskId: r.outerTaskId, freezeNo: r.outerTaskFreezeNo };
}
