/** A task's figures as the sandbox (the gateway) sees them, in the workflow's buckets. */
import type { TaskRecord } from '../../sandbox';
import type { LedgerFigures } from '../../workflows/task/types';

/** The sandbox's record of a task: in process (Sandbox.task) or over its control API (GET /sandbox/tasks/:id). */
export interface SandboxTasks {
  task(outerTaskId: string): TaskRecord | undefined | Promise<TaskRecord | undefined>;
}

export async function sandboxLedger(sandbox: SandboxTasks, outerTaskId: string): Promise<LedgerFigures | undefined> {
  const task = await sandbox.task(outerTaskId);
  if (!task) return undefined;
  const t = task.totals;
  return {
    bountyFrozenFen: t.bountyFrozen,
    valueAddedFeePaidFen: t.valueAddedPaid,
    winnersReceivedFen: t.winnersReceived,
    platformReceivedFen: t.platformReceived,
    alipayFeesFen: t.alipayFees,
    refundedFen: t.refunded,
    stillFrozenFen:
      t.bountyFrozen + t.valueAddedPaid - (t.winnersReceived + t.platformReceived + t.alipayFees + t.refunded),
  };
}
