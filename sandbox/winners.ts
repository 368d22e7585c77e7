// Choosing and paying winners: task.confirm (the publisher confirms winners; with announce_period they wait as W,
// without they are paid at once as I), confirm.by.platform (pay W transfers after the announcement end, S) and
// cancel.confirm.by.platform (cancel W transfers during the announcement, C; the amount stays frozen). A winner whose
// account is abnormal (an injected accountAbnormal fault) is reported F with its error_code: at task.confirm nothing
// is committed or paid for it; at the payout its assign_transfer is F (payments.ts). Either way its amount stays
// frozen for the task, free for other winners or the leftover.

import type { TransferRecord as DetailRecord } from '../alipay/core/detail';
import type {
  CancelConfirmByPlatformRequest,
  ConfirmByPlatformRequest,
  TaskConfirmRequest,
} from '../alipay/core/services';
import type { TaskConfirmEvent } from '../alipay/core/events';
import { GatewayRefusal } from './errors';
import { balance, frozenAccount } from './ledger';
import { checkNumber, fingerprint, registerNumber } from './numbers';
import { failTransfer, payTransfer, transferSplit } from './payments';
import type { OpContext } from './context';

/** A winner transfer as reported back (return callbacks, the inspection API). */
export interface WinnerTransferData {
  outerTransferNo: string;
  amountFen: number;
  winnerUserId: string;
  nickname: string;
  status: string;
  /** F: Alipay's error_code. */
  errorCode?: string;
}
import type { PageMeta } from './freeze';
import { scoped, type SandboxState, type TaskRecord, type TransferRecord } from './state';

/** Limit of winner records in one task.confirm (same as the library's DETAIL_LIMITS). */
export const TASK_CONFIRM_MAX_RECORDS = 15;

export function requireTask(state: Readonly<SandboxState>, partner: string, outerTaskId: string): TaskRecord {
  const task = state.tasks[scoped(partner, outerTaskId)];
  if (!task) throw new GatewayRefusal('WITKEY_TASK_NOT_EXIST', `task ${outerTaskId}`);
  return task;
}

export function availableFen(state: Readonly<SandboxState>, task: TaskRecord): number {
  return balance(state, frozenAccount(task.partner, task.outerTaskId)) - task.committedFen;
}

export function transferData(t: TransferRecord): WinnerTransferData {
  return {
    outerTransferNo: t.outerTransferNo,
    amountFen: t.amountFen,
    winnerUserId: t.winnerUserId,
    nickname: t.nickname,
    status: t.status,
    ...(t.errorCode !== undefined ? { errorCode: t.errorCode } : {}),
  };
}

/** The fingerprint of one winner record (what a repeat must match). */
export function recordHash(
  outerTaskId: string,
  source: TransferRecord['source'],
  r: DetailRecord,
  announceEnd: number | undefined,
): string {
  return fingerprint({
    outerTaskId,
    source,
    no: r.outerTransferNo,
    amount: r.amountFen,
    winner: r.alipayUserId,
    nickname: r.nickname,
    announceEnd,
  });
}

/**
 * Check winner records against the task and the number registry; refuses with the witkey codes. Used by
 * task.confirm and left.amount.handle.
 */
export function checkWinnerRecords(
  state: Readonly<SandboxState>,
  task: TaskRecord,
  source: TransferRecord['source'],
  records: readonly DetailRecord[],
  announceEnd: number | undefined,
): void {
  const seen = new Set<string>();
  for (const r of records) {
    if (seen.has(r.outerTransferNo))
      throw new GatewayRefusal('WITKEY_OUTER_TRANSFER_REPEAT', `transfer ${r.outerTransferNo} appears twice`);
    seen.add(r.outerTransferNo);
    if (r.alipayUserId === task.publisherUserId)
      throw new GatewayRefusal('BIDDER_EQUALS_TASK_CREATOR_ERROR', `winner of ${r.outerTransferNo} is the publisher`);
    if (r.amountFen <= 0) throw new GatewayRefusal('ILLEGAL_ARGUMENT', `transfer ${r.outerTransferNo} has no amount`);
    const use = checkNumber(
      state,
      task.partner,
      r.outerTransferNo,
      'transfer',
      task.outerTaskId,
      recordHash(task.outerTaskId, source, r, announceEnd),
    );
    if (use === 'same')
      throw new GatewayRefusal('WITKEY_TRANSFER_ALREADY_EXIST', `transfer ${r.outerTransferNo} exists`);
  }
}

export function createTransfers(
  state: SandboxState,
  ctx: OpContext,
  task: TaskRecord,
  source: TransferRecord['source'],
  records: readonly DetailRecord[],
  announceEnd: number | undefined,
  target: { notifyUrl: string; charset: string; signType: string },
): TransferRecord[] {
  return records.map((r) => {
    const hash = recordHash(task.outerTaskId, source, r, announceEnd);
    registerNumber(state, task.partner, r.outerTransferNo, 'transfer', task.outerTaskId, hash);
    const t: TransferRecord = {
      outerTransferNo: r.outerTransferNo,
      outerTaskId: task.outerTaskId,
      partner: task.partner,
      source,
      amountFen: r.amountFen,
      winnerUserId: r.alipayUserId,
      nickname: r.nickname,
      status: announceEnd === undefined ? 'I' : 'W',
      ...(announceEnd !== undefined ? { announceEnd } : {}),
      ...transferSplit(r.amountFen, ctx.feeRates),
      ...target,
      recordHash: hash,
      createdAt: ctx.now,
    };
    // Alipay looks at the winner's account: an abnormal one fails here (task.confirm: F; left.amount.handle: failure_bidders)
    const errorCode = ctx.winnerFault(source === 'task.confirm' ? 'confirm' : 'leftover', {
      outerTaskId: task.outerTaskId,
      outerTransferNo: r.outerTransferNo,
      alipayUserId: r.alipayUserId,
    });
    if (errorCode !== undefined)
      failTransfer(t, source === 'task.confirm' ? 'confirm' : 'leftover', errorCode, ctx.now);
    state.transfers[scoped(task.partner, r.outerTransferNo)] = t;
    return t;
  });
}

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

/** confirm.by.platform: pay W transfers whose announcement period is over. All or nothing. */
export function payAfterAnnouncement(
  state: SandboxState,
  ctx: OpContext,
  r: ConfirmByPlatformRequest,
): { outerTaskId: string; paid: string[]; failed: string[] } {
  const task = requireTask(state, ctx.partner, r.outerTaskId);
  const seen = new Set<string>();
  const due: TransferRecord[] = [];
  for (const no of r.transferNos) {
    if (seen.has(no)) throw new GatewayRefusal('WITKEY_OUTER_TRANSFER_REPEAT', `transfer ${no} appears twice`);
    seen.add(no);
    const t = state.transfers[scoped(ctx.partner, no)];
    if (!t) throw new GatewayRefusal('WITKEY_TRANSFER_NOT_EXIST', `transfer ${no}`);
    if (t.outerTaskId !== r.outerTaskId)
      throw new GatewayRefusal('WITKEY_DATA_NOT_MATCH', `transfer ${no} belongs to another task`);
    if (t.status === 'S' || t.status === 'I')
      throw new GatewayRefusal('WITKEY_OUTER_TRANSFER_ALREADY_PAID', `transfer ${no} is paid`);
    if (t.status === 'C') throw new GatewayRefusal('WITKEY_NOT_ALLOW', `transfer ${no} was cancelled`);
    if (t.status === 'F')
      throw new GatewayRefusal('WITKEY_NOT_ALLOW', `transfer ${no} failed (${t.errorCode ?? 'no code'})`);
    if (t.announceEnd === undefined || ctx.now < t.announceEnd)
      throw new GatewayRefusal('WITKEY_NOT_ALLOW', `the announcement period of ${no} is not over`);
    due.push(t);
  }
  const paid: string[] = [];
  const failed: string[] = [];
  for (const t of due) {
    t.status = 'S';
    task.committedFen -= t.amountFen;
    // an abnormal account: assign_transfer F, the transfer F, its amount no longer committed (still frozen)
    (payTransfer(state, ctx, task, t, 'announce') ? paid : failed).push(t.outerTransferNo);
  }
  return { outerTaskId: task.outerTaskId, paid, failed };
}

export interface CancelOutcome {
  outerTaskId: string;
  succeeded: Array<{ outerTransferNo: string; transferStatus: string }>;
  failed: Array<{ outerTransferNo: string; errorCode: string }>;
}

/** Status reported in success_list for a cancelled transfer. */
export const CANCELLED_STATUS = 'C';

/** cancel.confirm.by.platform: per transfer; a cancelled transfer's amount stays frozen for the task. */
export function cancelWinners(state: SandboxState, ctx: OpContext, r: CancelConfirmByPlatformRequest): CancelOutcome {
  const task = requireTask(state, ctx.partner, r.outerTaskId);
  const out: CancelOutcome = { outerTaskId: task.outerTaskId, succeeded: [], failed: [] };
  const seen = new Set<string>();
  for (const no of r.transferNos) {
    if (seen.has(no)) {
      out.failed.push({ outerTransferNo: no, errorCode: 'WITKEY_OUTER_TRANSFER_REPEAT' });
      continue;
    }
    seen.add(no);
    const t = state.transfers[scoped(ctx.partner, no)];
    if (!t) out.failed.push({ outerTransferNo: no, errorCode: 'WITKEY_TRANSFER_NOT_EXIST' });
    else if (t.outerTaskId !== r.outerTaskId)
      out.failed.push({ outerTransferNo: no, errorCode: 'WITKEY_DATA_NOT_MATCH' });
    else if (t.status === 'C') out.succeeded.push({ outerTransferNo: no, transferStatus: CANCELLED_STATUS });
    else if (t.status !== 'W' || t.announceEnd === undefined || ctx.now >= t.announceEnd)
      out.failed.push({ outerTransferNo: no, errorCode: 'WITKEY_NOT_ALLOW' });
    else {
      t.status = 'C';
      t.cancelledAt = ctx.now;
      task.committedFen -= t.amountFen;
      out.succeeded.push({ outerTransferNo: no, transferStatus: CANCELLED_STATUS });
    }
  }
  return out;
}
