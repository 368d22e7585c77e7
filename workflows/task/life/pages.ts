/** What each signed page the task hands out is built from (the page activities take these as they are). */
import type { PageTransfer, TaskActivities } from '../../../activities/types';
import type { Append, LeftoverPlan, Round, TaskState } from '../types';

type InputOf<K extends keyof TaskActivities> = Parameters<TaskActivities[K]>[0];

/** task.create: the publisher's cashier page, where the bounty is frozen. */
export function taskPage(state: TaskState): InputOf<'createTaskPage'> {
  return { spec: state.spec, freezeNo: state.freezeNo, valueAddedFeeTransferNo: state.valueAddedFeeTransferNo };
}

/** task.confirm: the page where the publisher confirms a round of winners. */
export function confirmPage(state: TaskState, round: Round): InputOf<'createConfirmPage'> {
  return {
    outerTaskId: state.spec.outerTaskId,
    publisherId: state.spec.publisherId,
    publisherAlipayUserId: state.spec.publisherAlipayUserId!,
    transfers: round.transferNos.map((no) => pageTransfer(state, no)),
    announceEndMs: round.announceEndMs,
  };
}

/** The admin page that hands the leftover to Alipay (refund, platform share, late winners). */
export function leftoverPage(state: TaskState, plan: LeftoverPlan): InputOf<'createLeftoverPage'> {
  return {
    outerTaskId: state.spec.outerTaskId,
    refund: plan.refund && { serialNo: plan.refund.serialNo, amountFen: plan.refund.amountFen },
    platform: plan.platform && { serialNo: plan.platform.serialNo, amountFen: plan.platform.shareFen },
    transfers: plan.transferNos.map((no) => pageTransfer(state, no)),
  };
}

/** amount.append: the page where the publisher adds to the bounty (and extends the task). */
export function appendPage(state: TaskState, append: Append): InputOf<'createAppendPage'> {
  return {
    outerTaskId: state.spec.outerTaskId,
    publisherId: state.spec.publisherId,
    freezeNo: append.freezeNo,
    addBountyFen: append.addBountyFen,
    addValueAddedFeeFen: append.addValueAddedFeeFen,
    valueAddedFeeTransferNo: append.valueAddedFeeTransferNo,
    newExpiresAtMs: append.newExpiresAtMs,
  };
}

function pageTransfer(state: TaskState, transferNo: string): PageTransfer {
  const t = state.transfers[transferNo];
  return {
    transferNo,
    amountFen: t.grossFen,
    winnerAlipayUserId: t.winnerAlipayUserId,
    winnerNickname: t.winnerNickname,
  };
}
