/**
 * One bounty task, from the freeze of the bounty to the last fen: an entity workflow. Its messages are handled by
 * the task (task/life/task.ts), which changes its state through the pure ledger (task/ledger); the workflow then
 * lives the task's life: act on what is due, sleep until the next deadline or change, close when all is settled.
 */
import { setHandler } from '@temporalio/workflow';
import {
  cancelWinnersUpdate,
  extendUpdate,
  notificationSignal,
  operatorUpdate,
  pageRefusedSignal,
  planLeftoverUpdate,
  publishUpdate,
  selectWinnersUpdate,
  stateQuery,
  type ExtendInput,
  type OperatorRequest,
  type TaskResult,
} from './messages';
import type { LeftoverInput, SelectWinnersInput } from './task/ledger';
import type { BountyTaskInput } from './task/life/settings';
import { BountyTask } from './task/life/task';
import type { TaskTerms } from './task/types';

export * from './task/life/patches';
export * from './task/life/settings';

export async function bountyTask(input: BountyTaskInput): Promise<TaskResult> {
  const task = new BountyTask(input);
  // the order of registration is the order in which messages that came before the start are applied
  setHandler(stateQuery, () => task.view());
  setHandler(notificationSignal, (n) => task.notify(n));
  setHandler(pageRefusedSignal, (refusal) => task.pageRefused(refusal));
  setHandler(publishUpdate, () => task.publish(), { validator: (spec: TaskTerms) => task.checkPublish(spec) });
  setHandler(selectWinnersUpdate, (request) => task.selectWinners(request), {
    validator: (request: SelectWinnersInput) => task.checkSelectWinners(request),
  });
  setHandler(cancelWinnersUpdate, (request) => task.cancelWinners(request), {
    validator: (request: { transferNos: string[] }) => task.checkCancelWinners(request),
  });
  setHandler(planLeftoverUpdate, (request) => task.planLeftover(request), {
    validator: (request: LeftoverInput) => task.checkPlanLeftover(request),
  });
  setHandler(extendUpdate, (request) => task.extend(request), {
    validator: (request: ExtendInput) => task.checkExtend(request),
  });
  setHandler(operatorUpdate, (request) => task.operatorAction(request), {
    validator: (request: OperatorRequest) => task.checkOperatorAction(request),
  });
  return task.live();
}
