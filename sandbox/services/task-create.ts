// alipay.witkey.task.create, opening the cashier: the task and its first freeze trade are recorded as
// WAIT_BUYER_PAY (visible to alipay.trade.query); paying is freeze-payment.ts. Idempotent per task
// (docs/PROTOCOL.md §3.1 Business parameters): the same freeze number with the same request opens the same trade.

import type { TaskCreateRequest } from '../../alipay/core/services';
import { emptyTotals } from '../books/task-totals';
import { checkNumber, registerNumber } from '../runtime/business-numbers';
import { scoped, type SandboxState } from '../runtime/persisted-state';
import { newFreeze, registerProfit, type FreezeRef } from './freeze-trade';
import type { OpContext, PageMeta } from './operation';
import { GatewayRefusal } from './refusal';

/** Open the cashier for task.create: validate and record the task and its freeze trade (idempotent). */
export function openTaskCreate(state: SandboxState, ctx: OpContext, r: TaskCreateRequest, meta: PageMeta): FreezeRef {
  const key = scoped(meta.partner, r.outerTaskId);
  const use = checkNumber(state, meta.partner, r.outerTaskFreezeNo, 'freeze', r.outerTaskId, meta.requestHash);
  if (use === 'same') return { outerTaskId: r.outerTaskId, freezeNo: r.outerTaskFreezeNo };
  if (state.tasks[key])
    throw new GatewayRefusal('WITKEY_TASK_EXIST_ERROR', `task ${r.outerTaskId} exists with another freeze number`);
  if (r.taskExpiredTime <= ctx.now) throw new GatewayRefusal('ILLEGAL_ARGUMENT', 'task_expired_time is in the past');
  if (r.additionalProfitTransferNo === r.outerTaskFreezeNo)
    throw new GatewayRefusal('WITKEY_DATA_NOT_MATCH', 'additional_profit_transfer_no equals outer_task_freeze_no');
  registerNumber(state, meta.partner, r.outerTaskFreezeNo, 'freeze', r.outerTaskId, meta.requestHash);
  registerProfit(state, meta, r.outerTaskId, r.additionalProfitTransferNo);
  const freeze = newFreeze(state, ctx, meta, 'create', r);
  state.tasks[key] = {
    outerTaskId: r.outerTaskId,
    partner: meta.partner,
    outerAccountId: r.outerAccountId,
    ...(r.outerAccountName ? { outerAccountName: r.outerAccountName } : {}),
    title: r.taskTitle,
    type: r.taskType,
    expiresAt: r.taskExpiredTime,
    status: 'WAIT_PAY',
    freezes: [freeze],
    committedFen: 0,
    totals: emptyTotals(),
    createdAt: ctx.now,
  };
  return { outerTaskId: r.outerTaskId, freezeNo: r.outerTaskFreezeNo };
}
