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

/** What each message does, shown by the Web UI and `temporal workflow metadata`. */
const ABOUT = {
  state: 'The whole task: phase, ledger in fen, transfers, rounds, leftover plans, attention, what it waits for',
  notification: 'An Alipay notification, verified by the webhook (it answered `success` once Temporal had it)',
  pageRefused: 'Alipay refused a page the publisher or admin opened (from the return page)',
  publish: 'Publish the task: returns the cashier URL that freezes the bounty',
  selectWinners: 'Select a round of winners: returns the task.confirm page for the publisher',
  cancelWinners: 'Cancel winners during their announcement period (cancel.confirm.by.platform)',
  planLeftover: 'Plan the leftover after expiry (refund, platform share, more winners): returns the admin page',
  extend: 'Extend the task (expiry) and optionally add to the bounty (amount.append)',
  operator: 'An operator action (retry, resume, settle_manually, cancel_unpaid, acknowledge, ...): docs/OPERATIONS.md',
};

export async function bountyTask(input: BountyTaskInput): Promise<TaskResult> {
  const task = new BountyTask(input);
  // the order of registration is the order in which messages that came before the start are applied
  listen(task);
  takeRequests(task);
  return task.live();
}

function listen(task: BountyTask): void {
  setHandler(stateQuery, () => task.view(), { description: ABOUT.state });
  setHandler(notificationSignal, (n) => task.notify(n), { description: ABOUT.notification });
  setHandler(pageRefusedSignal, (refusal) => task.pageRefused(refusal), { description: ABOUT.pageRefused });
}

function takeRequests(task: BountyTask): void {
  setHandler(publishUpdate, () => task.publish(), {
    validator: (spec: TaskTerms) => task.checkPublish(spec),
    description: ABOUT.publish,
  });
  setHandler(selectWinnersUpdate, (request) => task.selectWinners(request), {
    validator: (request: SelectWinnersInput) => task.checkSelectWinners(request),
    description: ABOUT.selectWinners,
  });
  setHandler(cancelWinnersUpdate, (request) => task.cancelWinners(request), {
    validator: (request: { transferNos: string[] }) => task.checkCancelWinners(request),
    description: ABOUT.cancelWinners,
  });
  setHandler(planLeftoverUpdate, (request) => task.planLeftover(request), {
    validator: (request: LeftoverInput) => task.checkPlanLeftover(request),
    description: ABOUT.planLeftover,
  });
  setHandler(extendUpdate, (request) => task.extend(request), {
    validator: (request: ExtendInput) => task.checkExtend(request),
    description: ABOUT.extend,
  });
  setHandler(operatorUpdate, (request) => task.operatorAction(request), {
    validator: (request: OperatorRequest) => task.checkOperatorAction(request),
    description: ABOUT.operator,
  });
}
