// Freezing the bounty: task.create (the cashier) and amount.append (the publisher adds bounty and/or extends the
// deadline). Opening the page records the trade as WAIT_BUYER_PAY (visible to alipay.trade.query); paying moves
// the money and queues the task_freeze and additional_profit_transfer notifications.

import type { AmountAppendRequest, TaskCreateRequest } from '../alipay/core/services';
import { GatewayRefusal } from './errors';
import { EXTERNAL, frozenAccount, platformAccount, post, publisherAccount } from './ledger';
import { checkNumber, nextSeq, registerNumber } from './numbers';
import { alipayUserIdFor, type OpContext } from './context';
import { emptyTotals, scoped, type FreezeRecord, type SandboxState, type TaskRecord } from './state';

export interface PageMeta {
  partner: string;
  charset: string;
  signType: string;
  /** Fingerprint of the whole request (business parameters). */
  requestHash: string;
}

export interface FreezeRef {
  outerTaskId: string;
  freezeNo: string;
}

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

function registerProfit(state: SandboxState, meta: PageMeta, outerTaskId: string, profitNo: string | undefined): void {
  if (!profitNo) return;
  checkNumber(state, meta.partner, profitNo, 'profit', outerTaskId, meta.requestHash);
  registerNumber(state, meta.partner, profitNo, 'profit', outerTaskId, meta.requestHash);
}

/** A new, unpaid freeze trade of task.create or amount.append (the fields both share). */
function newFreeze(
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

/**
 * Pay a freeze trade: the payer's money comes in (deposit), the bounty is frozen, the value-added fee goes to the
 * platform, notifications are queued. Paying a paid trade again changes nothing (the seed's idempotency).
 */
export function payFreeze(
  state: SandboxState,
  ctx: OpContext,
  partner: string,
  freezeNo: string,
  payerUserId?: string,
): { task: TaskRecord; freeze: FreezeRecord; alreadyPaid: boolean } {
  const found = findFreeze(state, partner, freezeNo);
  if (!found) throw new GatewayRefusal('WITKEY_TASK_NOT_EXIST', `no trade ${freezeNo}`);
  const { task, freeze } = found;
  if (freeze.status === 'TRADE_SUCCESS') return { task, freeze, alreadyPaid: true };
  if (freeze.status === 'TRADE_CLOSED') throw new GatewayRefusal('WITKEY_NOT_ALLOW', `trade ${freezeNo} is closed`);
  if (task.status === 'CLOSED') throw new GatewayRefusal('WITKEY_NOT_ALLOW', `task ${task.outerTaskId} is closed`);
  const publisher = task.publisherUserId ?? payerUserId ?? alipayUserIdFor(partner, task.outerAccountId);
  if (!/^2088[0-9]{12}$/.test(publisher)) throw new GatewayRefusal('ILLEGAL_ARGUMENT', 'payer must be a 2088 id');
  if (payerUserId && payerUserId !== publisher)
    throw new GatewayRefusal('WITKEY_DATA_NOT_MATCH', 'the payer is not the publisher of the task');
  if (freeze.kind === 'append' && ctx.now >= task.expiresAt)
    throw new GatewayRefusal('WITKEY_NOT_ALLOW', 'task has expired');
  const ref = { partner, outerTaskId: task.outerTaskId };
  post(state, ctx.now, {
    ...ref,
    from: EXTERNAL,
    to: publisherAccount(publisher),
    amountFen: freeze.amountFen + freeze.profitFen,
    reason: 'deposit',
    ref: freezeNo,
  });
  post(state, ctx.now, {
    ...ref,
    from: publisherAccount(publisher),
    to: frozenAccount(partner, task.outerTaskId),
    amountFen: freeze.amountFen,
    reason: 'freeze',
    ref: freezeNo,
  });
  post(state, ctx.now, {
    ...ref,
    from: publisherAccount(publisher),
    to: platformAccount(partner),
    amountFen: freeze.profitFen,
    reason: 'value_added_fee',
    ref: freeze.profitNo ?? freezeNo,
  });
  task.totals.bountyFrozen += freeze.amountFen;
  task.totals.valueAddedPaid += freeze.profitFen;
  task.totals.platformReceived += freeze.profitFen;
  task.publisherUserId = publisher;
  task.status = 'OPEN';
  if (freeze.newExpiresAt !== undefined) task.expiresAt = freeze.newExpiresAt;
  freeze.status = 'TRADE_SUCCESS';
  freeze.paidAt = ctx.now;
  freeze.payerUserId = publisher;
  const target = { url: freeze.notifyUrl, charset: freeze.charset, signType: freeze.signType };
  ctx.enqueue(state, {
    outerTaskId: task.outerTaskId,
    target,
    data: {
      type: 'task_freeze',
      partner,
      outerTaskId: task.outerTaskId,
      outerTaskFreezeNo: freezeNo,
      taskAmountFen: freeze.amountFen,
      ...(freeze.profitFen > 0 && freeze.profitNo
        ? { additionalProfitAmountFen: freeze.profitFen, additionalProfitTransferNo: freeze.profitNo }
        : {}),
      paidTime: ctx.now,
      alipayUserId: publisher,
    },
  });
  if (freeze.profitFen > 0 && freeze.profitNo) {
    ctx.enqueue(state, {
      outerTaskId: task.outerTaskId,
      target,
      data: {
        type: 'additional_profit_transfer',
        partner,
        outerTaskId: task.outerTaskId,
        additionalProfitTransferNo: freeze.profitNo,
        amountFen: freeze.profitFen,
        status: 'S',
        transferTime: ctx.now,
      },
    });
  }
  return { task, freeze, alreadyPaid: false };
}
