/** What a request must satisfy before it touches the money: the task's terms, the winners, the open task. */
import { splitWinnerTransfer } from '../../../alipay/core/fees';
import { DETAIL_LIMITS } from '../../../alipay/core/services';
import { checkDetailValue } from '../../../alipay/core/detail';
import { PARTNER_ID_PATTERN } from '../../../alipay/core/fields';
import { MAX_FEN } from '../../../alipay/core/money';
import type { WinnerInput } from '../../messages';
import type { TaskTerms, TaskState } from '../types';
import { TaskRuleError } from './errors';
import { availableFen } from './money';

/** Limits of one call: the most records each detail list may carry (DETAIL_LIMITS of alipay/core/services.ts). */
export const LIMITS = {
  winnersPerRound: DETAIL_LIMITS['task.confirm/transfer_detail'].maxRecords,
  payoutBatch: DETAIL_LIMITS['confirm.by.platform/transfer_detail'].maxRecords,
  cancelBatch: DETAIL_LIMITS['cancel.confirm.by.platform/cancel_transfer_detail'].maxRecords,
  leftoverTransfers: DETAIL_LIMITS['left.amount.handle/transfer_detail'].maxRecords,
} as const;

/** Array.isArray without narrowing to any[] (inputs arrive as JSON and are checked field by field). */
export function isList(x: unknown): boolean {
  return Array.isArray(x);
}

export function isFen(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 && n <= MAX_FEN;
}

/** Checks the terms the site publishes (the publish update validator, and a new task). */
export function validateSpec(spec: TaskTerms): TaskTerms {
  const bad = (field: string, why: string): never => {
    throw new TaskRuleError('ILLEGAL_ARGUMENT', `${field}: ${why}`);
  };
  if (typeof spec.outerTaskId !== 'string' || !/^[A-Za-z0-9_.:-]{1,50}$/.test(spec.outerTaskId))
    bad('outerTaskId', "1-50 characters of letters, digits, '_', '.', ':' or '-'");
  if (typeof spec.title !== 'string' || spec.title.length === 0 || spec.title.length > 250)
    bad('title', '1-250 characters');
  if (typeof spec.taskType !== 'string' || spec.taskType.length === 0 || spec.taskType.length > 20)
    bad('taskType', '1-20 characters');
  if (typeof spec.publisherId !== 'string' || spec.publisherId.length === 0 || spec.publisherId.length > 50)
    bad('publisherId', '1-50 characters');
  if (spec.publisherAlipayUserId !== undefined && !PARTNER_ID_PATTERN.test(spec.publisherAlipayUserId))
    bad('publisherAlipayUserId', 'a 16-digit Alipay user id starting with 2088');
  if (!isFen(spec.bountyFen) || spec.bountyFen === 0) bad('bountyFen', 'a positive integer number of fen');
  if (!isFen(spec.valueAddedFeeFen)) bad('valueAddedFeeFen', 'a non-negative integer number of fen');
  if (!Number.isSafeInteger(spec.expiresAtMs) || spec.expiresAtMs <= 0) bad('expiresAtMs', 'a time in ms since epoch');
  if (spec.expiresAtMs % 1000 !== 0)
    bad('expiresAtMs', "whole seconds (Alipay's yyyyMMddHHmmss times carry no milliseconds)");
  for (const k of ['commissionBp', 'alipayFeeBp'] as const) {
    const v = spec.feeRates?.[k];
    if (!Number.isInteger(v) || v < 0 || v > 10_000)
      bad(`feeRates.${k}`, 'an integer number of basis points in 0..10000');
  }
  if (spec.feeRates.commissionBp === 10_000)
    bad('feeRates.commissionBp', 'below 10000 (a winner must receive something)');
  return spec;
}

export function requireOpen(state: TaskState, nowMs: number, action: string): void {
  if (state.cancelled) throw new TaskRuleError('WITKEY_NOT_ALLOW', `${action}: the task was cancelled`);
  if (!state.paid)
    throw new TaskRuleError('WITKEY_NOT_ALLOW', `${action}: the bounty is not frozen yet (awaiting payment)`);
  if (nowMs >= state.spec.expiresAtMs)
    throw new TaskRuleError(
      'WITKEY_NOT_ALLOW',
      `${action}: the task expired at ${new Date(state.spec.expiresAtMs).toISOString()}`,
    );
}

export function validateWinners(state: TaskState, winners: readonly WinnerInput[], max: number): number {
  if (!isList(winners) || winners.length === 0)
    throw new TaskRuleError('ILLEGAL_ARGUMENT', 'winners: at least one winner');
  if (winners.length > max)
    throw new TaskRuleError('WITKEY_COUNT_NOT_MATCH', `winners: at most ${max} in one call, got ${winners.length}`);
  let total = 0;
  winners.forEach((w, i) => {
    const at = `winners[${i}]`;
    if (typeof w.alipayUserId !== 'string' || !PARTNER_ID_PATTERN.test(w.alipayUserId))
      throw new TaskRuleError('ILLEGAL_ARGUMENT', `${at}.alipayUserId: a 16-digit Alipay user id starting with 2088`);
    if (w.alipayUserId === state.spec.publisherAlipayUserId)
      throw new TaskRuleError('BIDDER_EQUALS_TASK_CREATOR_ERROR', `${at}: the winner is the publisher`);
    if (typeof w.nickname !== 'string' || w.nickname.length === 0 || w.nickname.length > 128)
      throw new TaskRuleError('ILLEGAL_ARGUMENT', `${at}.nickname: 1-128 characters`);
    try {
      checkDetailValue(`${at}.nickname`, w.nickname);
    } catch (err) {
      throw new TaskRuleError('ILLEGAL_ARGUMENT', `${at}.nickname: ${(err as Error).message}`);
    }
    if (!isFen(w.amountFen) || w.amountFen === 0)
      throw new TaskRuleError('ILLEGAL_ARGUMENT', `${at}.amountFen: a positive integer number of fen`);
    if (splitWinnerTransfer(w.amountFen, state.spec.feeRates).winnerFen < 1) {
      // rounding the commission half up would leave the winner nothing: such a transfer is refused, never sent
      throw new TaskRuleError(
        'ILLEGAL_ARGUMENT',
        `${at}.amountFen: ${w.amountFen} fen is too small: ` +
          `after the commission (${state.spec.feeRates.commissionBp / 100}%, rounded half up) ` +
          `the winner would receive 0 fen`,
      );
    }
    total += w.amountFen;
  });
  const available = availableFen(state);
  if (total > available)
    throw new TaskRuleError(
      'WITKEY_TASK_LEF_AMOUNT_NOT_ENOUGH',
      `winners total ${total} fen but only ${available} fen of the bounty is free`,
    );
  return total;
}
