/** A winner transfer: looked up by its number, or made for a winner (its split and business number). */
import { businessNumber } from '../../../alipay/core/business-numbers';
import { splitWinnerTransfer } from '../../../alipay/core/fees';
import type { WinnerInput } from '../../messages';
import type { TaskState, Transfer } from '../types';
import { TaskRuleError } from './errors';

export function findTransfer(state: TaskState, transferNo: string): Transfer {
  const t = state.transfers[transferNo];
  if (!t)
    throw new TaskRuleError(
      'WITKEY_TRANSFER_NOT_EXIST',
      `transfer ${transferNo} does not belong to task ${state.spec.outerTaskId}`,
    );
  return t;
}

export function newTransfer(state: TaskState, round: number, path: Transfer['path'], w: WinnerInput): Transfer {
  const split = splitWinnerTransfer(w.amountFen, state.spec.feeRates);
  const transferNo = businessNumber(state.spec.outerTaskId, { kind: 'transfer', index: state.nextTransferIndex });
  state.nextTransferIndex += 1;
  const t: Transfer = {
    transferNo,
    round,
    path,
    winnerAlipayUserId: w.alipayUserId,
    winnerNickname: w.nickname,
    grossFen: split.grossFen,
    commissionFen: split.commissionFen,
    winnerFen: split.winnerFen,
    alipayFeeFen: split.alipayFeeFen,
    platformFen: split.platformFen,
    status: 'requested',
    winnerPaid: false,
    // a zero commission has nothing to settle: no platform_profit_transfer will come for it
    commissionSettled: split.commissionFen === 0,
  };
  state.transfers[transferNo] = t;
  return t;
}
