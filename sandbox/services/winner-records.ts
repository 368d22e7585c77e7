// Winner transfers, shared by task.confirm and left.amount.handle: checking the winner records of a request against
// the task and the number registry, and creating the transfers. Alipay looks at each winner's account as the
// transfer is created: an abnormal one (an injected accountAbnormal winner fault) makes the transfer F with its
// error_code; nothing is committed or paid for it and its amount stays frozen for the task.

import type { TransferRecord as DetailRecord } from '../../alipay/core/detail';
import { balance, frozenAccount } from '../books/accounts';
import { checkNumber, fingerprint, registerNumber } from '../runtime/business-numbers';
import { scoped, type SandboxState } from '../runtime/persisted-state';
import type { OpContext } from './operation';
import { GatewayRefusal } from './refusal';
import type { TaskRecord, TransferRecord } from './task-records';
import { failTransfer, transferSplit } from './winner-payment';

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
