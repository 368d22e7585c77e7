/**
 * The workflow under test on a Temporal server with recording fake activities (FakeGateway) and notifications sent
 * as signals, as the webhook would. Used by the workflow tests of both lifecycle parts.
 */
import assert from 'node:assert/strict';
import { Worker } from '@temporalio/worker';
import { businessNumber } from '../../alipay/core/business-numbers';
import type { NotifyEvent } from '../../alipay/core/events';
import { splitWinnerTransfer, type FeeRates } from '../../alipay/core/fees';
import { WitkeyTasks } from '../../client/tasks';
import type { StartedServer } from '../../devstack/servers';
import { witkeyWorkflowOptions } from '../../worker';
import type { TaskSettings } from '../../workflows/bounty-task';
import { notificationSignal, taskWorkflowId, type TaskNotification, type TaskResult } from '../../workflows/messages';
import { FakeGateway } from './fake-gateway';
import { saveHistory } from './histories';

export const RATES: FeeRates = { commissionBp: 1_000, alipayFeeBp: 150 };
export const PUBLISHER = '2088100000000001';
export const WINNERS = ['2088200000000001', '2088200000000002', '2088200000000003'];
const PARTNER = '2088000000000000';

export interface WorkflowHarness {
  server: StartedServer;
  gateway: FakeGateway;
  tasks: WitkeyTasks;
  now(): Promise<number>;
  notify(outerTaskId: string, event: object, notifyId?: string): Promise<void>;
  publishAndPay(id: string, bountyFen: number, valueAddedFeeFen: number, expiresInMs: number): Promise<void>;
  /** The assign and platform-profit notifications of a transfer, reordered (profit first) and each sent three times. */
  payTransfer(id: string, transferNo: string, grossFen: number, subType: 'ANNOUNCE' | 'IMMEDIATE'): Promise<void>;
  result(id: string): Promise<TaskResult>;
  /** Records the task's history under a fixed name and replays it at once (test/support/histories.ts; docs/VERSIONING.md). */
  saveHistory(id: string, name: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startWorkflowHarness(
  server: StartedServer,
  settings: Partial<TaskSettings> = {},
): Promise<WorkflowHarness> {
  const gateway = new FakeGateway();
  const taskQueue = `harness-${process.pid}-${Date.now()}`;
  const worker = await Worker.create({
    connection: server.env.nativeConnection,
    namespace: server.namespace,
    taskQueue,
    ...(await witkeyWorkflowOptions()),
    activities: gateway.activities(),
  });
  const running = worker.run();
  const tasks = new WitkeyTasks(server.env.client, {
    taskQueue,
    feeRates: RATES,
    settings: { resendWindowMs: 86_400_000, ...settings },
  });
  let seq = 0;
  const now = (): Promise<number> => server.env.currentTimeMs();
  const notify = async (outerTaskId: string, event: object, notifyId = `n-${process.pid}-${++seq}`): Promise<void> => {
    const n: TaskNotification = {
      notifyId,
      via: 'notify',
      event: { ...event, partner: PARTNER, outerTaskId } as NotifyEvent,
    };
    await server.env.client.workflow.getHandle(taskWorkflowId(outerTaskId)).signal(notificationSignal, n);
  };
  return {
    server,
    gateway,
    tasks,
    now,
    notify,
    async publishAndPay(id, bountyFen, valueAddedFeeFen, expiresInMs) {
      const res = await tasks.publish({
        outerTaskId: id,
        title: `task ${id}`,
        taskType: 'DESIGN',
        publisherId: 'pub-1',
        publisherAlipayUserId: PUBLISHER,
        bountyFen,
        valueAddedFeeFen,
        expiresAtMs: (await now()) + expiresInMs,
      });
      assert.match(res.cashierUrl, /outer_task_freeze_no=/);
      assert.equal(res.phase, 'awaiting_payment');
      await notify(id, {
        type: 'task_freeze',
        outerTaskFreezeNo: businessNumber(id, { kind: 'freeze' }),
        taskAmountFen: bountyFen,
        paidTime: await now(),
      });
      if (valueAddedFeeFen)
        await notify(id, {
          type: 'additional_profit_transfer',
          additionalProfitTransferNo: businessNumber(id, { kind: 'additionalProfit' }),
          amountFen: valueAddedFeeFen,
          status: 'S',
          transferTime: await now(),
        });
    },
    async payTransfer(id, transferNo, grossFen, subType) {
      const split = splitWinnerTransfer(grossFen, RATES);
      const assign = {
        type: 'assign_transfer',
        subType: `ASSIGN_FOR_${subType}_PAYMENT`,
        outerTransferNo: transferNo,
        alipayUserId: WINNERS[0],
        amountFen: grossFen,
        commissionFen: split.commissionFen,
        winnerAmountFen: split.winnerFen,
        status: 'S',
        transferTime: await now(),
      };
      const profit = {
        type: 'platform_profit_transfer',
        subType: `PLATFORM_PROFIT_BY_${subType}_PAYMENT`,
        outerTransferNo: transferNo,
        profitAmountFen: split.commissionFen,
        alipayFeeFen: split.alipayFeeFen,
        platformAmountFen: split.platformFen,
        status: 'S',
        transferTime: await now(),
      };
      for (let i = 0; i < 3; i++) await notify(id, profit, `profit-${transferNo}`);
      for (let i = 0; i < 3; i++) await notify(id, assign, `assign-${transferNo}`);
    },
    result: (id) => server.env.client.workflow.getHandle(taskWorkflowId(id)).result() as Promise<TaskResult>,
    saveHistory: (id, name) => saveHistory(server.env.client, id, name),
    async stop() {
      worker.shutdown();
      await running;
    },
  };
}

export function conserved(result: TaskResult): void {
  const l = result.view.ledger;
  assert.equal(
    l.bountyFrozenFen + l.valueAddedFeePaidFen,
    l.winnersReceivedFen + l.platformReceivedFen + l.alipayFeesFen + l.refundedFen + l.stillFrozenFen,
  );
}
