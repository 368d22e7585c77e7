// alipay.trade.query on the freeze payment (out_trade_no = outer_task_freeze_no, docs/PROTOCOL.md §9 OpenAPI):
// the trade's status (WAIT_BUYER_PAY once the cashier was opened, TRADE_SUCCESS once paid, TRADE_CLOSED once
// cancelled), its total (bounty + value-added fee), the payer and the payment time.

import { formatYuan } from '../../alipay/core/money';
import { formatNotifyTime } from '../../alipay/core/times';
import type { SandboxState } from '../runtime/persisted-state';
import { findFreeze } from './freeze-trade';

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
