// alipay.witkey.task.cancel.confirm.by.platform: during the announcement, the platform cancels W transfers (C), per
// transfer; a cancelled transfer's amount stays frozen for the task. No notification.

import type { CancelConfirmByPlatformRequest } from '../../alipay/core/services';
import { scoped, type SandboxState } from '../runtime/persisted-state';
import type { OpContext } from './operation';
import { requireTask } from './winner-records';

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
