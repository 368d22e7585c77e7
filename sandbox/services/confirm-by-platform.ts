// alipay.witkey.task.confirm.by.platform: after the announcement end, the platform has Alipay pay the W transfers
// (status S). All or nothing: one refused transfer refuses the request. A winner whose account is abnormal at the
// payment gets an assign_transfer F (winner-payment.ts); its amount is no longer committed and stays frozen.

import type { ConfirmByPlatformRequest } from '../../alipay/core/services';
import { scoped, type SandboxState } from '../runtime/persisted-state';
import type { OpContext } from './operation';
import { GatewayRefusal } from './refusal';
import type { TransferRecord } from './task-records';
import { payTransfer } from './winner-payment';
import { requireTask } from './winner-records';

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
