// Paying a freeze trade (task.create's cashier or amount.append's page): the money comes in, the bounty is frozen,
// the value-added fee goes to the platform, and the task_freeze and additional_profit_transfer notifications are
// queued.

import { alipayUserIdFor, EXTERNAL, frozenAccount, platformAccount, publisherAccount } from '../books/accounts';
import { post } from '../books/journal';
import type { SandboxState } from '../runtime/persisted-state';
import { findFreeze } from './freeze-trade';
import type { OpContext } from './operation';
import { GatewayRefusal } from './refusal';
import type { FreezeRecord, TaskRecord } from './task-records';

/**
 * Pay a freeze trade: the payer's money comes in (deposit), the bounty is frozen, the value-added fee goes to the
 * platform, notifications are queued. Paying a paid trade again changes nothing (idempotent, docs/PROTOCOL.md §3.1
 * Business parameters).
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
