/**
 * One bounty task, from the freeze of the bounty to the last fen: its life (act on what is due, sleep until the next
 * deadline or change, close when all is settled) and its messages, which change its state through the pure ledger
 * (task/ledger) and wake its life.
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  workflowInfo,
} from '@temporalio/workflow';
import type {
  CancelWinnersResult,
  ExtendInput,
  ExtendResult,
  OperatorRequest,
  PageRefusal,
  PlanLeftoverResult,
  PublishResult,
  SelectWinnersResult,
  TaskNotification,
  TaskResult,
  TaskView,
} from '../../messages';
import { returnRefusalId } from '../../messages';
import * as ledger from '../ledger';
import type { TaskTerms } from '../types';
import { describeSpecDifference } from '../view';
import { cancels, failureMessage, pages } from './calls';
import { cancelRepeatDue, recordCancel, recordUnknownCancel, repeatUnknownCancelsNow } from './cancels';
import { close, flagUnmatchedNotifications, mayClose } from './closing';
import { TaskCore } from './core';
import { flagNothingScheduled, nextDeadline, sleepUntil, watchDeadlines } from './deadlines';
import { applyNotification } from './notifications';
import { applyOperatorAction, checkOperatorRequest, unblockPaymentStep } from './operator';
import { taskPage } from './pages';
import { CANCEL_UNPAID_UNBLOCKS } from './patches';
import { paymentOverdue, refundLatePayments, settleUnpaidPayments } from './payments';
import { payOutEndedAnnouncements, payoutMayRun } from './payout';
import * as requests from './requests';
import type { BountyTaskInput } from './settings';

export class BountyTask extends TaskCore {
  /** Notify ids (and page refusals) already applied or recorded: a resend changes nothing. */
  private readonly processed = new Set(this.state.processedNotifyIds);
  private cashierPage: Promise<string> | undefined;

  // ---------------------------------------------------------------------------------------- the life of the task

  /** Acts on what is due, closes when all is settled, else sleeps until the next deadline or change. */
  async live(): Promise<TaskResult> {
    this.publishVisibility();
    for (;;) {
      const stepsAtMs = this.now();
      if (paymentOverdue(this)) await settleUnpaidPayments(this);
      if (this.state.latePayments.some((p) => !p.handled)) await refundLatePayments(this);
      const watching = watchDeadlines(this);
      if (cancelRepeatDue(this, watching)) await repeatUnknownCancelsNow(this);
      if (payoutMayRun(this)) await payOutEndedAnnouncements(this);
      if (mayClose(this)) {
        flagUnmatchedNotifications(this);
        if (!this.state.attention.some((a) => !a.resolved)) {
          // nothing open: the task closes, unless a message arrived while it did
          const closing = await close(this);
          if (closing.closed) return closing.result;
          continue;
        }
      }
      if (workflowInfo().continueAsNewSuggested) return this.startAfresh();
      const deadline = nextDeadline(this, watching, stepsAtMs);
      if (flagNothingScheduled(this, deadline, watching)) continue;
      await sleepUntil(this, deadline);
    }
  }

  /** A long life: start afresh with the whole state, after every running handler is done. */
  private async startAfresh(): Promise<never> {
    await condition(allHandlersFinished);
    const input: BountyTaskInput = {
      spec: this.state.spec,
      settings: this.settings,
      carried: { state: this.state, cashierUrl: this.cashierUrl },
    };
    return continueAsNew<(input: BountyTaskInput) => Promise<TaskResult>>(input);
  }

  // ---------------------------------------------------------------------------------------- messages

  /** An Alipay notification (signal): applied once, or kept until the step it reports exists. */
  notify(n: TaskNotification): void {
    if (!this.firstTime(n.notifyId)) return; // a resend: already applied or recorded
    if (applyNotification(this.state, n, this.now()) === 'not_yet') this.state.deferred.push(n);
    this.state.lastNotificationAtMs = this.now();
    this.changed();
  }

  /** Alipay refused a page the task handed out: the step did not happen, an operator looks at it. */
  pageRefused(refusal: PageRefusal): void {
    if (!this.firstTime(returnRefusalId(refusal))) return;
    this.state.attention.push({
      code: 'PAGE_REFUSED',
      message: `Alipay refused ${refusal.service} (${refusal.errorCode}) for ${refusal.references.join(', ') || 'the task'}: the step did not happen; check the page and ask again or withdraw it`,
      evidence: refusal,
      atMs: this.now(),
    });
    this.changed();
  }

  /** publish: the cashier page where the publisher freezes the bounty (built once; a failed build is tried again). */
  async publish(): Promise<PublishResult> {
    this.cashierPage ??= pages.createTaskPage
      .executeWithOptions({ summary: 'cashier page of the bounty' }, [taskPage(this.state)])
      .then((r) => r.url);
    try {
      this.cashierUrl = await this.cashierPage;
    } catch (err) {
      this.cashierPage = undefined; // a later publish tries again
      throw ApplicationFailure.nonRetryable(
        `the cashier page could not be built: ${failureMessage(err)}`,
        'PublishFailed',
      );
    }
    return {
      outerTaskId: this.state.spec.outerTaskId,
      cashierUrl: this.cashierUrl,
      phase: ledger.phaseOf(this.state, this.now()),
    };
  }

  /** A task is published once: publishing it again with other parameters is refused. */
  checkPublish(spec: TaskTerms): void {
    const difference = describeSpecDifference(this.state.spec, spec);
    if (difference)
      throw new Error(
        `task ${this.state.spec.outerTaskId} was already published with different parameters: ${difference}`,
      );
  }

  /** selectWinners: a round of winners, and the page where the publisher confirms it. */
  selectWinners(request: ledger.SelectWinnersInput): Promise<SelectWinnersResult> {
    return requests.selectWinners(this, request);
  }

  checkSelectWinners(request: ledger.SelectWinnersInput): void {
    requests.unlessRepeated(this, () => {
      requests.refuseAfterSettlement(this, 'selectWinners');
      ledger.checkSelectWinners(this.state, request, this.now());
    });
  }

  /** cancelWinners: winners cancelled during their announcement; an unknown outcome is repeated until known. */
  async cancelWinners({ transferNos }: { transferNos: string[] }): Promise<CancelWinnersResult> {
    const finished = this.cancelsUnderWay.start();
    try {
      let result;
      try {
        result = await cancels.cancelConfirmByPlatform.executeWithOptions(
          { summary: `cancel ${transferNos.length} winner(s) during the announcement` },
          [{ outerTaskId: this.state.spec.outerTaskId, transferNos }],
        );
      } catch (err) {
        const failure = recordUnknownCancel(this.state, transferNos, err, this.now());
        this.changed();
        throw failure;
      }
      recordCancel(this.state, result, this.now());
      this.changed();
      return { cancelled: result.cancelled, failed: result.failed };
    } finally {
      finished();
    }
  }

  checkCancelWinners({ transferNos }: { transferNos: string[] }): void {
    ledger.checkCancelWinners(this.state, transferNos, this.now());
  }

  /** planLeftover: what happens to the money no winner got, and the admin page that hands it to Alipay. */
  planLeftover(request: ledger.LeftoverInput): Promise<PlanLeftoverResult> {
    return requests.planLeftover(this, request);
  }

  checkPlanLeftover(request: ledger.LeftoverInput): void {
    requests.unlessRepeated(this, () => {
      requests.refuseAfterSettlement(this, 'planLeftover');
      ledger.checkPlanLeftover(this.state, request, this.now());
    });
  }

  /** extend: an amount.append (more bounty, a later expiry), and the page where the publisher pays it. */
  extend(request: ExtendInput): Promise<ExtendResult> {
    return requests.extend(this, request);
  }

  checkExtend(request: ExtendInput): void {
    requests.unlessRepeated(this, () => {
      requests.refuseAfterSettlement(this, 'extend');
      ledger.checkExtend(this.state, request, this.now());
    });
  }

  /** operator: an operator's action, recorded with who, why and what it did; answers with the task's view. */
  operatorAction(request: OperatorRequest): TaskView {
    const state = this.state;
    if (request.action === 'cancel_unpaid' && state.blocked?.step === 'payment' && patched(CANCEL_UNPAID_UNBLOCKS))
      unblockPaymentStep(state);
    const outcome = applyOperatorAction(state, request, this.now());
    state.operatorActions.push({
      action: request.action,
      operator: request.operator,
      reason: request.reason,
      atMs: this.now(),
      outcome,
    });
    this.changed();
    return this.view();
  }

  checkOperatorAction(request: OperatorRequest): void {
    checkOperatorRequest(this.state, request);
  }

  /** Records a notify id; false if it was seen before. */
  private firstTime(id: string): boolean {
    if (this.processed.has(id)) return false;
    this.processed.add(id);
    this.state.processedNotifyIds.push(id);
    return true;
  }
}
