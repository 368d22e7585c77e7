/**
 * Freeze payments that did not come as expected: a freeze (task.create) or an amount.append unpaid by its deadline
 * is resolved with Alipay (alipay.trade.query first, alipay.trade.cancel only without a clear answer: docs/PROTOCOL.md
 * section 9, OpenAPI); a payment that came after the task was cancelled is given back.
 */
import { log } from '@temporalio/workflow';
import type { TaskActivities } from '../../../activities/types';
import * as ledger from '../ledger';
import type { Append } from '../types';
import { failureMessage, askAboutPayment, closePayment } from './calls';
import type { TaskCore } from './core';

type TradeQuery = Awaited<ReturnType<TaskActivities['queryFreezeTrade']>>;
type TradeCancel = Awaited<ReturnType<TaskActivities['cancelFreezeTrade']>>;

/** A freeze or an amount.append is past its payment deadline (and the task does not wait for an operator). */
export function paymentOverdue(task: TaskCore): boolean {
  const state = task.state;
  if (state.blocked || state.manualSettlement) return false;
  return freezeOverdue(task) || state.appends.some((a) => appendOverdue(task, a));
}

/** Resolves, one after another, the freeze and the amount.appends whose payment did not arrive in time. */
export async function settleUnpaidPayments(task: TaskCore): Promise<void> {
  if (freezeOverdue(task)) {
    await resolveUnpaidFreeze(task);
    task.changed();
  }
  for (const a of task.state.appends) {
    if (appendOverdue(task, a) && !task.state.blocked) {
      await resolveUnpaidAppend(task, a.append);
      task.changed();
    }
  }
}

/** Paid after the task was cancelled: the money goes back (trade.cancel refunds a paid trade). */
export async function refundLatePayments(task: TaskCore): Promise<void> {
  const state = task.state;
  for (const late of state.latePayments.filter((p) => !p.handled)) {
    try {
      const cancel = await closePayment(late.freezeNo, `close the late payment ${late.freezeNo}`);
      if (cancel.kind === 'refunded') ledger.recordLatePaymentRefund(state, late.freezeNo);
      else late.handled = true; // nothing to refund at Alipay: the attention item stays for an operator
    } catch (err) {
      late.handled = true;
      state.attention.push({
        code: 'LATE_PAYMENT_UNRESOLVED',
        message: `the late payment ${late.freezeNo} could not be refunded: ${failureMessage(err)}`,
        atMs: task.now(),
      });
    }
    task.changed();
  }
}

function freezeOverdue(task: TaskCore): boolean {
  const state = task.state;
  return !state.paid && !state.cancelled && !state.paymentResolved && task.now() >= state.paymentDeadlineMs!;
}

function appendOverdue(task: TaskCore, a: Append): boolean {
  return a.status === 'requested' && !a.resolved && task.now() >= a.requestedAtMs + task.settings.paymentTimeoutMs;
}

/**
 * The freeze payment did not arrive in time: a paid trade continues the task, a closed one cancels it; with no
 * clear answer, alipay.trade.cancel (close: nothing was charged; refund: bounty and value-added fee go back).
 * Anything still unresolved waits for an operator.
 */
async function resolveUnpaidFreeze(task: TaskCore): Promise<void> {
  const state = task.state;
  let query: TradeQuery | undefined;
  try {
    query = await askAboutPayment(state.freezeNo, 'payment deadline: ask Alipay about the payment');
  } catch (err) {
    log.warn('trade.query gave no answer; cancelling', {
      outerTaskId: state.spec.outerTaskId,
      error: failureMessage(err),
    });
  }
  if (state.paid) return; // the notification arrived meanwhile
  if (freezeSettledByQuery(task, query)) return;
  try {
    freezeSettledByCancel(task, await closePayment(state.freezeNo, 'close the unpaid payment'));
  } catch (err) {
    task.block(
      'payment',
      'PAYMENT_UNRESOLVED',
      `the freeze payment did not arrive and its trade could not be resolved: ${failureMessage(err)}`,
      { query },
    );
  }
}

/** trade.query's clear answers: the trade was paid (the task goes on) or closed (the task is cancelled). */
function freezeSettledByQuery(task: TaskCore, query: TradeQuery | undefined): boolean {
  const state = task.state;
  if (query?.kind === 'found' && (query.tradeStatus === 'TRADE_SUCCESS' || query.tradeStatus === 'TRADE_FINISHED')) {
    ledger.applyFreezeFoundByQuery(state, query.totalAmountFen, task.now());
    state.paymentResolved = true;
    return true;
  }
  if (query?.kind === 'found' && query.tradeStatus === 'TRADE_CLOSED') {
    ledger.cancelBeforePayment(state, 'trade_closed', task.now());
    state.paymentResolved = true;
    return true;
  }
  return false;
}

/** trade.cancel's answer; a refusal throws (the freeze then waits for an operator). */
function freezeSettledByCancel(task: TaskCore, cancel: TradeCancel): void {
  const state = task.state;
  if (cancel.kind === 'failed') throw new Error(`trade.cancel refused: ${cancel.code}`);
  state.paymentResolved = true;
  if (state.paid && cancel.kind !== 'refunded') return;
  ledger.cancelBeforePayment(
    state,
    cancel.kind === 'closed' ? 'closed' : cancel.kind === 'refunded' ? 'refunded' : 'not_found',
    task.now(),
  );
}

/** The same unknown-outcome treatment for an amount.append whose payment did not arrive. */
async function resolveUnpaidAppend(task: TaskCore, n: number): Promise<void> {
  const state = task.state;
  const append = state.appends.find((a) => a.append === n)!;
  let query: TradeQuery | undefined;
  try {
    query = await askAboutPayment(append.freezeNo, `payment deadline: ask Alipay about ${append.freezeNo}`);
  } catch (err) {
    log.warn('trade.query gave no answer for an amount.append; cancelling', {
      outerTaskId: state.spec.outerTaskId,
      error: failureMessage(err),
    });
  }
  if (append.status !== 'requested') return;
  if (query?.kind === 'found' && (query.tradeStatus === 'TRADE_SUCCESS' || query.tradeStatus === 'TRADE_FINISHED')) {
    ledger.resolveAppend(state, n, 'paid', query.totalAmountFen, task.now());
    append.resolved = true;
    return;
  }
  try {
    const cancel = await closePayment(append.freezeNo, `close the unpaid payment ${append.freezeNo}`);
    if (cancel.kind === 'failed') throw new Error(`trade.cancel refused: ${cancel.code}`);
    ledger.resolveAppend(state, n, cancel.kind === 'refunded' ? 'refunded' : 'closed', undefined, task.now());
  } catch (err) {
    const message = `amount.append ${n} was not paid and its trade could not be resolved: ${failureMessage(err)}`;
    task.block('append', 'APPEND_UNRESOLVED', message, { query });
  }
}
