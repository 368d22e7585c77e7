// The freeze trade shared by task.create and amount.append: a payment of bounty (plus an optional value-added fee)
// with a sandbox-made trade number, addressable on the OpenAPI side by out_trade_no = outer_task_freeze_no.

import type { TaskCreateRequest } from '../../alipay/core/services';
import { checkNumber, nextSeq, registerNumber } from '../runtime/business-numbers';
import { scoped, type SandboxState } from '../runtime/persisted-state';
import type { OpContext, PageMeta } from './operation';
import type { FreezeRecord, TaskRecord } from './task-records';

export interface FreezeRef {
  outerTaskId: string;
  freezeNo: string;
}

/** Alipay's trade number: the China date, then the sandbox's sequence (28 digits). */
function tradeNo(state: SandboxState, now: number): string {
  const d = new Date(now + 8 * 3600_000);
  const ymd = `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
  return `${ymd}2200${String(nextSeq(state)).padStart(16, '0')}`;
}

export function findFreeze(
  state: Readonly<SandboxState>,
  partner: string,
  freezeNo: string,
): { task: TaskRecord; freeze: FreezeRecord } | undefined {
  const used = state.numbers[scoped(partner, freezeNo)];
  if (!used || used.kind !== 'freeze') return undefined;
  const task = state.tasks[scoped(partner, used.outerTaskId)];
  const freeze = task?.freezes.find((f) => f.freezeNo === freezeNo);
  return task && freeze ? { task, freeze } : undefined;
}

export function registerProfit(
  state: SandboxState,
  meta: PageMeta,
  outerTaskId: string,
  profitNo: string | undefined,
): void {
  if (!profitNo) return;
  checkNumber(state, meta.partner, profitNo, 'profit', outerTaskId, meta.requestHash);
  registerNumber(state, meta.partner, profitNo, 'profit', outerTaskId, meta.requestHash);
}

/** A new, unpaid freeze trade of task.create or amount.append (the fields both share). */
export function newFreeze(
  state: SandboxState,
  ctx: OpContext,
  meta: PageMeta,
  kind: FreezeRecord['kind'],
  r: Pick<
    TaskCreateRequest,
    | 'outerTaskFreezeNo'
    | 'taskAmountFen'
    | 'additionalProfitAmountFen'
    | 'additionalProfitTransferNo'
    | 'notifyUrl'
    | 'returnUrl'
  >,
): FreezeRecord {
  return {
    freezeNo: r.outerTaskFreezeNo,
    kind,
    tradeNo: tradeNo(state, ctx.now),
    amountFen: r.taskAmountFen,
    profitFen: r.additionalProfitAmountFen ?? 0,
    ...(r.additionalProfitTransferNo ? { profitNo: r.additionalProfitTransferNo } : {}),
    status: 'WAIT_BUYER_PAY',
    requestHash: meta.requestHash,
    notifyUrl: r.notifyUrl,
    returnUrl: r.returnUrl,
    charset: meta.charset,
    signType: meta.signType,
    createdAt: ctx.now,
  };
}
