// alipay.trade.cancel on the freeze payment (out_trade_no = outer_task_freeze_no), as the table of
// docs/PROTOCOL.md §9 OpenAPI says:
//   unpaid trade -> cancel closes it (action=close, retry_flag=N)
//   paid trade   -> cancel refunds bounty and value-added fee to the publisher (action=refund, retry_flag=N)
//   unknown      -> code 10000 without action
// A repeated cancel answers the recorded action again.

import { balance, frozenAccount, platformAccount, publisherAccount } from '../books/accounts';
import { post } from '../books/journal';
import type { SandboxState } from '../runtime/persisted-state';
import { findFreeze } from './freeze-trade';
import type { OpContext } from './operation';

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
