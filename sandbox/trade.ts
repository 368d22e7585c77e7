// The freeze payment seen as an OpenAPI trade (out_trade_no = outer_task_freeze_no): alipay.trade.query and
// alipay.trade.cancel, following the SPEC-NOTES table:
//   unpaid trade -> cancel closes it (action=close, retry_flag=N)
//   paid trade   -> cancel refunds bounty and value-added fee to the publisher (action=refund, retry_flag=N)
//   unknown      -> code 10000 without action
// A repeated cancel answers the recorded action again.

import { formatYuan } from '../alipay/core/money';
import { formatNotifyTime } from '../alipay/core/times';
import { balance, frozenAccount, platformAccount, post, publisherAccount } from './ledger';
import { findFreeze } from './freeze';
import type { OpContext } from './context';
import type { SandboxState } from './state';

export type TradeQueryResult =
  | { found: false }
  | {
      found: true;
      outTradeNo: string;
      tradeNo: string;
      tradeStatus: string;
      totalAmount: string;
      buyerUserId?: string;
      sendPayDate?: string;
    };

export function queryTrade(state: Readonly<SandboxState>, partner: string, outTradeNo: string): TradeQueryResult {
  const found = findFreeze(state, partner, outTradeNo);
  if (!found) return { found: false };
  const { freeze } = found;
  return {
    found: true,
    outTradeNo,
    tradeNo: freeze.tradeNo,
    tradeStatus: freeze.status,
    totalAmount: formatYuan(freeze.amountFen + freeze.profitFen),
    ...(freeze.payerUserId ? { buyerUserId: freeze.payerUserId } : {}),
    ...(freeze.paidAt !== undefined ? { sendPayDate: formatNotifyTime(freeze.paidAt) } : {}),
  };
}

export type TradeCancelResult =
  | { outcome: 'not_found' }
  | { outcome: 'done'; action: 'close' | 'refund'; outTradeNo: string; tradeNo: string }
  | { outcome: 'refused'; subCode: string; subMsg: string };

export function cancelTrade(state: SandboxState, ctx: OpContext, outTradeNo: string): TradeCancelResult {
  const found = findFreeze(state, ctx.partner, outTradeNo);
  if (!found) return { outcome: 'not_found' };
  const { task, freeze } = found;
  const done = (action: 'close' | 'refund'): TradeCancelResult => ({
    outcome: 'done',
    action,
    outTradeNo,
    tradeNo: freeze.tradeNo,
  });
  if (freeze.status === 'TRADE_CLOSED') return done(freeze.cancelAction ?? 'close');
  if (freeze.status === 'WAIT_BUYER_PAY') {
    freeze.status = 'TRADE_CLOSED';
    freeze.cancelAction = 'close';
    if (freeze.kind === 'create') task.status = 'CLOSED';
    return done('close');
  }
  // Paid: refund the bounty of this freeze and its value-added fee, if the bounty is still free to refund.
  const frozen = balance(state, frozenAccount(ctx.partner, task.outerTaskId));
  if (frozen - task.committedFen < freeze.amountFen) {
    return {
      outcome: 'refused',
      subCode: 'ACQ.TRADE_STATUS_ERROR',
      subMsg: 'the frozen bounty has already been assigned to winners',
    };
  }
  if (freeze.kind === 'create' && task.freezes.some((f) => f.kind === 'append' && f.status === 'TRADE_SUCCESS')) {
    return { outcome: 'refused', subCode: 'ACQ.TRADE_STATUS_ERROR', subMsg: 'cancel the appended freezes first' };
  }
  const publisher = freeze.payerUserId!;
  const ref = { partner: ctx.partner, outerTaskId: task.outerTaskId };
  post(state, ctx.now, {
    ...ref,
    from: frozenAccount(ctx.partner, task.outerTaskId),
    to: publisherAccount(publisher),
    amountFen: freeze.amountFen,
    reason: 'refund',
    ref: outTradeNo,
  });
  post(state, ctx.now, {
    ...ref,
    from: platformAccount(ctx.partner),
    to: publisherAccount(publisher),
    amountFen: freeze.profitFen,
    reason: 'value_added_refund',
    ref: freeze.profitNo ?? outTradeNo,
  });
  task.totals.refunded += freeze.amountFen + freeze.profitFen;
  task.totals.platformReceived -= freeze.profitFen;
  freeze.status = 'TRADE_CLOSED';
  freeze.cancelAction = 'refund';
  if (freeze.kind === 'create') task.status = 'CLOSED';
  return done('refund');
}
