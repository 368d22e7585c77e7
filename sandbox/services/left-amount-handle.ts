// alipay.witkey.task.left.amount.handle: after the task's deadline, with no W transfer in flight, split what is still frozen into a
// refund to the publisher, a platform share (Alipay charges its fee on it) and payments to other winners (paid
// immediately, with commission). Queues the intermediate left_amount_handle notification, then refund_transfer,
// assign_transfer and platform_profit_transfer notifications. A winner whose account is abnormal (an injected
// accountAbnormal fault) is listed in failure_bidders with its error_code; no assign follows and its amount stays
// frozen (free for a new plan).

import { splitLeftoverPlatformShare } from '../../alipay/core/fees';
import type { LeftAmountHandleRequest } from '../../alipay/core/services';
import type { LeftAmountHandleEvent } from '../../alipay/core/events';
import { ALIPAY_FEES, frozenAccount, platformAccount, publisherAccount } from '../books/accounts';
import { post } from '../books/journal';
import { checkNumber, fingerprint, registerNumber } from '../runtime/business-numbers';
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

export const LEFTOVER_MAX_TRANSFERS = 15;

function serialHash(outerTaskId: string, kind: 'refund' | 'platform', serialNo: string, amountFen: number): string {
  return fingerprint({ outerTaskId, kind, serialNo, amountFen });
}

/** Everything left.amount.handle checks, at page open and again at confirmation. */
export function checkLeftover(
  state: Readonly<SandboxState>,
  ctx: OpContext,
  r: LeftAmountHandleRequest,
  partner: string,
): TaskRecord {
  const task = requireTask(state, partner, r.outerTaskId);
  if (task.status !== 'OPEN') throw new GatewayRefusal('WITKEY_NOT_ALLOW', `task ${r.outerTaskId} is ${task.status}`);
  if (ctx.now < task.expiresAt) throw new GatewayRefusal('WITKEY_NOT_ALLOW', 'the task has not expired yet');
  // committedFen is the sum of the task's W transfers (the conservation check holds it so): the transfers are only
  // searched, for the refusal's message, when there is one, not at every leftover of every task.
  for (const t of task.committedFen > 0 ? Object.values(state.transfers) : []) {
    if (t.partner === partner && t.outerTaskId === r.outerTaskId && t.status === 'W') {
      throw new GatewayRefusal(
        'NOT_DONE_OF_TRANSFER_FOUND',
        `transfer ${t.outerTransferNo} is still in its announcement period`,
      );
    }
  }
  const transfers = r.transfers ?? [];
  if (transfers.length > LEFTOVER_MAX_TRANSFERS)
    throw new GatewayRefusal('WITKEY_COUNT_NOT_MATCH', `more than ${LEFTOVER_MAX_TRANSFERS} transfers`);
  for (const [kind, d] of [
    ['refund', r.refund],
    ['platform', r.platform],
  ] as const) {
    if (!d) continue;
    if (d.amountFen <= 0) throw new GatewayRefusal('ILLEGAL_ARGUMENT', `${kind}_detail has no amount`);
    const use = checkNumber(
      state,
      partner,
      d.serialNo,
      kind,
      r.outerTaskId,
      serialHash(r.outerTaskId, kind, d.serialNo, d.amountFen),
    );
    if (use === 'same')
      throw new GatewayRefusal('WITKEY_TRANSFER_ALREADY_EXIST', `${kind} serial ${d.serialNo} was handled`);
  }
  checkWinnerRecords(state, task, 'left.amount.handle', transfers, undefined);
  let total = (r.refund?.amountFen ?? 0) + (r.platform?.amountFen ?? 0);
  for (const t of transfers) total += t.amountFen;
  if (total > availableFen(state, task))
    throw new GatewayRefusal(
      'WITKEY_TASK_LEF_AMOUNT_NOT_ENOUGH',
      `leftover plan ${total} fen, frozen ${availableFen(state, task)} fen`,
    );
  return task;
}

export interface LeftoverOutcome {
  outerTaskId: string;
  refund?: { serialNo: string; amountFen: number };
  platform?: { serialNo: string; amountFen: number };
  successBidders: WinnerTransferData[];
  failureBidders: WinnerTransferData[];
  /** The left_amount_handle event (notified and in the return callback). */
  event: LeftAmountHandleEvent;
}

export function handleLeftover(
  state: SandboxState,
  ctx: OpContext,
  r: LeftAmountHandleRequest,
  meta: PageMeta,
): LeftoverOutcome {
  const task = checkLeftover(state, ctx, r, meta.partner);
  const target = { url: r.notifyUrl, charset: meta.charset, signType: meta.signType };
  const ref = { partner: task.partner, outerTaskId: task.outerTaskId };
  const from = frozenAccount(task.partner, task.outerTaskId);
  const created = createTransfers(state, ctx, task, 'left.amount.handle', r.transfers ?? [], undefined, {
    notifyUrl: r.notifyUrl,
    charset: meta.charset,
    signType: meta.signType,
  });
  const succeeded = created.filter((t) => t.status !== 'F');
  const failed = created.filter((t) => t.status === 'F');
  const event: LeftAmountHandleEvent = {
    type: 'left_amount_handle',
    partner: task.partner,
    outerTaskId: task.outerTaskId,
    ...(r.refund ? { refund: { ...r.refund } } : {}),
    ...(r.platform ? { platform: { ...r.platform } } : {}),
    successBidders: succeeded.map((t) => ({
      outerTransferNo: t.outerTransferNo,
      amountFen: t.amountFen,
      alipayUserId: t.winnerUserId,
      nickname: t.nickname,
    })),
    failureBidders: failed.map((t) => ({
      outerTransferNo: t.outerTransferNo,
      amountFen: t.amountFen,
      alipayUserId: t.winnerUserId,
      nickname: t.nickname,
      errorCode: t.errorCode!,
    })),
  };
  const outcome: LeftoverOutcome = {
    outerTaskId: task.outerTaskId,
    ...(r.refund ? { refund: { ...r.refund } } : {}),
    ...(r.platform ? { platform: { ...r.platform } } : {}),
    successBidders: succeeded.map(transferData),
    failureBidders: failed.map(transferData),
    event,
  };
  ctx.enqueue(state, { outerTaskId: task.outerTaskId, target, data: event });

  if (r.refund) {
    registerNumber(
      state,
      task.partner,
      r.refund.serialNo,
      'refund',
      task.outerTaskId,
      serialHash(task.outerTaskId, 'refund', r.refund.serialNo, r.refund.amountFen),
    );
    const publisher = task.publisherUserId!;
    post(state, ctx.now, {
      ...ref,
      from,
      to: publisherAccount(publisher),
      amountFen: r.refund.amountFen,
      reason: 'refund',
      ref: r.refund.serialNo,
    });
    task.totals.refunded += r.refund.amountFen;
    ctx.enqueue(state, {
      outerTaskId: task.outerTaskId,
      target,
      data: {
        type: 'refund_transfer',
        partner: task.partner,
        outerTaskId: task.outerTaskId,
        outerTransferNo: r.refund.serialNo,
        amountFen: r.refund.amountFen,
        status: 'S',
        transferTime: ctx.now,
      },
    });
  }
  for (const t of succeeded) payTransfer(state, ctx, task, t, 'immediate');
  if (r.platform) {
    registerNumber(
      state,
      task.partner,
      r.platform.serialNo,
      'platform',
      task.outerTaskId,
      serialHash(task.outerTaskId, 'platform', r.platform.serialNo, r.platform.amountFen),
    );
    const split = splitLeftoverPlatformShare(r.platform.amountFen, ctx.feeRates);
    post(state, ctx.now, {
      ...ref,
      from,
      to: platformAccount(task.partner),
      amountFen: split.platformFen,
      reason: 'leftover_platform',
      ref: r.platform.serialNo,
    });
    post(state, ctx.now, {
      ...ref,
      from,
      to: ALIPAY_FEES,
      amountFen: split.alipayFeeFen,
      reason: 'alipay_fee',
      ref: r.platform.serialNo,
    });
    task.totals.platformReceived += split.platformFen;
    task.totals.alipayFees += split.alipayFeeFen;
    ctx.enqueue(state, {
      outerTaskId: task.outerTaskId,
      target,
      data: {
        type: 'platform_profit_transfer',
        subType: 'PLATFORM_PROFIT_BY_IMMEDIATE_PAYMENT',
        partner: task.partner,
        outerTaskId: task.outerTaskId,
        outerTransferNo: r.platform.serialNo,
        profitAmountFen: split.shareFen,
        alipayFeeFen: split.alipayFeeFen,
        platformAmountFen: split.platformFen,
        status: 'S',
        transferTime: ctx.now,
      },
    });
  }
  return outcome;
}
