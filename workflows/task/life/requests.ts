/**
 * The publisher's requests that hand out a signed page: selectWinners (task.confirm), planLeftover (the leftover
 * admin page) and extend (amount.append). The ledger records the request, then the page is built; a page that
 * cannot be built withdraws the request. A retried request (same update id) gets the earlier result.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import type { ExtendInput, ExtendResult, PlanLeftoverResult, SelectWinnersResult } from '../../messages';
import * as ledger from '../ledger';
import { failureMessage, pages } from './calls';
import type { TaskCore } from './core';
import { appendPage, confirmPage, leftoverPage } from './pages';

export async function selectWinners(task: TaskCore, request: ledger.SelectWinnersInput): Promise<SelectWinnersResult> {
  const earlier = task.earlierResult<SelectWinnersResult>();
  if (earlier) return earlier;
  const state = task.state;
  const round = ledger.selectWinners(state, request, task.now());
  task.changed();
  try {
    const { url } = await pages.createConfirmPage.executeWithOptions(
      { summary: 'task.confirm page for the publisher' },
      [confirmPage(state, round)],
    );
    const requested = state.rounds.find((r) => r.round === round.round);
    if (requested) Object.assign(requested, { confirmUrl: url, requestedAtMs: task.now() });
    return task.remember({ round: round.round, transferNos: round.transferNos, confirmUrl: url });
  } catch (err) {
    ledger.withdrawRound(state, round.round);
    task.changed();
    throw ApplicationFailure.nonRetryable(
      `the confirmation page could not be built: ${(err as Error).message}`,
      'SelectWinnersFailed',
    );
  }
}

export async function planLeftover(task: TaskCore, request: ledger.LeftoverInput): Promise<PlanLeftoverResult> {
  const earlier = task.earlierResult<PlanLeftoverResult>();
  if (earlier) return earlier;
  const state = task.state;
  const plan = ledger.planLeftover(state, request, task.now());
  task.changed();
  try {
    const { page } = await pages.createLeftoverPage.executeWithOptions(
      { summary: 'left.amount.handle page for the admin' },
      [leftoverPage(state, plan)],
    );
    const planned = state.leftovers.find((p) => p.round === plan.round);
    if (planned) planned.adminPage = page;
    return task.remember({
      round: plan.round,
      transferNos: plan.transferNos,
      refundSerialNo: plan.refund?.serialNo,
      platformSerialNo: plan.platform?.serialNo,
      adminPage: page,
    });
  } catch (err) {
    ledger.withdrawLeftover(state, plan.round);
    task.changed();
    throw ApplicationFailure.nonRetryable(
      `the leftover page could not be built: ${(err as Error).message}`,
      'PlanLeftoverFailed',
    );
  }
}

export async function extend(task: TaskCore, request: ExtendInput): Promise<ExtendResult> {
  const earlier = task.earlierResult<ExtendResult>();
  if (earlier) return earlier;
  const append = ledger.requestAppend(task.state, request, task.now());
  task.changed();
  try {
    const { url } = await pages.createAppendPage.executeWithOptions({ summary: 'cashier page of the added amount' }, [
      appendPage(task.state, append),
    ]);
    return task.remember({ append: append.append, freezeNo: append.freezeNo, appendUrl: url });
  } catch (err) {
    ledger.resolveAppend(task.state, append.append, 'closed', undefined, task.now()); // never handed out: withdrawn
    task.changed();
    throw ApplicationFailure.nonRetryable(
      `the amount.append page could not be built: ${failureMessage(err)}`,
      'ExtendFailed',
    );
  }
}

/** A validator that lets a retried request through: it gets the earlier result whatever the state is now. */
export function unlessRepeated(task: TaskCore, check: () => void): void {
  if (task.earlierResult() === undefined) check();
}

/**
 * After a manual settlement the system moves no more money: a request that would (winners, an append, a leftover
 * plan) is refused in its validator, so it never enters the history (histories that accepted one still replay).
 */
export function refuseAfterSettlement(task: TaskCore, action: string): void {
  const settled = task.state.manualSettlement;
  if (settled)
    throw new ledger.TaskRuleError(
      'WITKEY_NOT_ALLOW',
      `${action}: the task was settled manually by ${settled.operator} (${settled.reason}); no more money moves`,
    );
}
