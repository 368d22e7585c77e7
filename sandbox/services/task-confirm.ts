// alipay.witkey.task.confirm, confirmed by the publisher: with announce_period the winners wait as W (their amount
// committed, still frozen) until confirm.by.platform; without, they are paid at once as I. A winner whose account is
// abnormal is reported F (winner-records.ts).

import type { TaskConfirmRequest } from '../../alipay/core/services';
import type { TaskConfirmEvent } from '../../alipay/core/events';
import type { SandboxState } from '../runtime/persisted-state';
import type { OpContext, PageMeta } from './operation';
import { GatewayRefusal } from './refusal';
import type { TaskRecord } from './task-records';
import { payTransfer } from './winner-payment';
import {
  availableFen,
  checkWinnerRecords,
  createTransfers,
  requireTask,
  transferData,
  type WinnerTransferData,
} from './winner-records';

/** Limit of winner records in one task.confirm (same as the library's DETAIL_LIMITS). */
export const TASK_CONFIRM_MAX_RECORDS = 15;

/** Everything task.confirm checks, at page open and again at confirmation. */
export function checkTaskConfirm(
  state: Readonly<SandboxState>,
  ctx: OpContext,
  r: TaskConfirmRequest,
  partner: string,
): TaskRecord {
  const task = requireTask(state, partner, r.outerTaskId);
  if (task.status !== 'OPEN') throw new GatewayRefusal('WITKEY_NOT_ALLOW', `task ${r.outerTaskId} is ${task.status}`);
  if (ctx.now >= task.expiresAt) throw new GatewayRefusal('WITKEY_NOT_ALLOW', 'task has expired');
  if (r.outerAccountId !== task.outerAccountId)
    throw new GatewayRefusal('WITKEY_DATA_NOT_MATCH', 'outer_account_id is not the publisher');
  if (r.alipayUserId !== task.publisherUserId)
    throw new GatewayRefusal('WITKEY_DATA_NOT_MATCH', 'alipay_user_id is not the publisher');
  if (r.transfers.length > TASK_CONFIRM_MAX_RECORDS)
    throw new GatewayRefusal('WITKEY_COUNT_NOT_MATCH', `more than ${TASK_CONFIRM_MAX_RECORDS} winners`);
  if (r.announcePeriodEnd !== undefined && r.announcePeriodEnd <= ctx.now)
    throw new GatewayRefusal('ILLEGAL_ARGUMENT', 'announce_period is not in the future');
  checkWinnerRecords(state, task, 'task.confirm', r.transfers, r.announcePeriodEnd);
  let total = 0;
  for (const t of r.transfers) total += t.amountFen;
  if (total > availableFen(state, task))
    throw new GatewayRefusal(
      'WITKEY_TASK_LEF_AMOUNT_NOT_ENOUGH',
      `winners ${total} fen, available ${availableFen(state, task)} fen`,
    );
  return task;
}

/** task.confirm, confirmed by the publisher. Returns the task_confirm event (notified and in the return callback). */
export function confirmWinners(
  state: SandboxState,
  ctx: OpContext,
  r: TaskConfirmRequest,
  meta: PageMeta,
): { outerTaskId: string; transfers: WinnerTransferData[]; event: TaskConfirmEvent } {
  const task = checkTaskConfirm(state, ctx, r, meta.partner);
  const created = createTransfers(state, ctx, task, 'task.confirm', r.transfers, r.announcePeriodEnd, {
    notifyUrl: r.notifyUrl,
    charset: meta.charset,
    signType: meta.signType,
  });
  for (const t of created) {
    if (t.status === 'W') task.committedFen += t.amountFen;
  }
  const target = { url: r.notifyUrl, charset: meta.charset, signType: meta.signType };
  const transfers = created.map(transferData);
  const event: TaskConfirmEvent = {
    type: 'task_confirm',
    partner: task.partner,
    outerTaskId: task.outerTaskId,
    ...(r.announcePeriodEnd !== undefined ? { announcePeriodEnd: r.announcePeriodEnd } : {}),
    transfers: created.map((t) => ({
      outerTransferNo: t.outerTransferNo,
      amountFen: t.amountFen,
      alipayUserId: t.winnerUserId,
      ...(t.status === 'F'
        ? { status: 'F' as const, errorCode: t.errorCode! }
        : { status: t.status === 'W' ? ('W' as const) : ('I' as const) }),
    })),
  };
  ctx.enqueue(state, { outerTaskId: task.outerTaskId, target, data: event });
  for (const t of created) if (t.status === 'I') payTransfer(state, ctx, task, t, 'immediate');
  return { outerTaskId: task.outerTaskId, transfers, event };
}
