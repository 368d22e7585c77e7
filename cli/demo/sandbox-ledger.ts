/** A task's figures as the sandbox (the gateway) sees them, in the workflow's buckets. */
import type { Sandbox } from '../../sandbox';
import type { LedgerFigures } from '../../workflows/task/types';

export function sandboxLedger(sandbox: Sandbox, outerTaskId: string): LedgerFigures | undefined {
  const task = sandbox.task(outerTaskId);
  if (!task) return undefined;
  const t = task.totals;
  return {
    bountyFrozenFen: t.bountyFrozen,
    valueAddedFeePaidFen: t.valueAddedPaid,
    winnersReceivedFen: t.winnersReceived,
    platformReceivedFen: t.platformReceived,
    alipayFeesFen: t.alipayFees,
    refundedFen: t.refunded,
    stillFrozenFen: t.bountyFrozen + t.valueAddedPaid - (t.winnersReceived + t.platformReceived + t.alipayFees + t.refunded),
  };
}
