/**
 * The activities of a bounty task, as types only: the workflow imports this module by type (proxyActivities),
 * the worker wires the implementations (activities/index.ts). One activity per gateway operation.
 *
 * Idempotency: every business number is derived from the task and the step (alipay/core/business-numbers), and
 * every request is built from the task and those numbers alone, so a retry sends the same request; an "already
 * done" answer counts as success only where the code says the very operation was done (PAYOUT_ALREADY_DONE_CODES).
 */
import type { AdminPage, CancelWinnersResult, TaskResult } from '../workflows/messages';
import type { TaskTerms } from '../workflows/task/types';

export interface PageTransfer {
  transferNo: string;
  amountFen: number;
  winnerAlipayUserId: string;
  winnerNickname: string;
}

export interface TaskActivities {
  /** task.create: the signed cashier URL the publisher's browser is sent to. Builds a URL; calls nothing. */
  createTaskPage: (input: {
    spec: TaskTerms;
    freezeNo: string;
    valueAddedFeeTransferNo?: string;
  }) => Promise<{ url: string }>;
  /** task.confirm: the signed page on which the publisher confirms a round of winners. */
  createConfirmPage: (input: {
    outerTaskId: string;
    publisherId: string;
    publisherAlipayUserId: string;
    transfers: PageTransfer[];
    announceEndMs?: number;
  }) => Promise<{ url: string }>;
  /** amount.append: the signed page on which the publisher adds bounty and/or extends the deadline. */
  createAppendPage: (input: {
    outerTaskId: string;
    publisherId: string;
    freezeNo: string;
    addBountyFen: number;
    addValueAddedFeeFen: number;
    valueAddedFeeTransferNo?: string;
    newExpiresAtMs: number;
  }) => Promise<{ url: string }>;
  /** confirm.by.platform: pay out transfers whose announcement is over (at most 30). */
  confirmByPlatform: (input: { outerTaskId: string; transferNos: string[] }) => Promise<{ alreadyDone: boolean }>;
  /** cancel.confirm.by.platform: cancel winners during their announcement (at most 50). */
  cancelConfirmByPlatform: (input: { outerTaskId: string; transferNos: string[] }) => Promise<CancelWinnersResult>;
  /** alipay.trade.query on the freeze payment (out_trade_no = outer_task_freeze_no). */
  queryFreezeTrade: (input: { freezeNo: string }) => Promise<FreezeTradeQuery>;
  /** alipay.trade.cancel on the freeze payment; retried by the retry policy while retry_flag is Y. */
  cancelFreezeTrade: (input: { freezeNo: string }) => Promise<FreezeTradeCancel>;
  /** Writes the closed task's record (ledger, transfers, operator actions, notifications) outside Temporal. */
  writeAuditRecord: (input: { outerTaskId: string; record: TaskResult }) => Promise<{ path: string }>;
  /** left.amount.handle: the admin's page (a POST form) splitting the leftover. */
  createLeftoverPage: (input: {
    outerTaskId: string;
    refund?: { serialNo: string; amountFen: number };
    platform?: { serialNo: string; amountFen: number };
    transfers: PageTransfer[];
  }) => Promise<{ page: AdminPage }>;
}

export type FreezeTradeQuery =
  | {
      kind: 'found';
      tradeStatus: 'WAIT_BUYER_PAY' | 'TRADE_CLOSED' | 'TRADE_SUCCESS' | 'TRADE_FINISHED';
      totalAmountFen?: number;
    }
  | { kind: 'not_found' }
  | { kind: 'failed'; code: string };

export type FreezeTradeCancel =
  { kind: 'closed' } | { kind: 'refunded' } | { kind: 'no_action' } | { kind: 'failed'; code: string };

/** Failure types the activities throw: defined where the workflow's retry policies can read them too. */
export { GATEWAY_FAILURE } from '../workflows/gateway-failures';
