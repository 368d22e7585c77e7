/**
 * One bounty task, from the freeze of the bounty to the last fen: an entity workflow. Message handlers are
 * one line each into the pure ledger (task/ledger.ts); the main function only waits, times and calls.
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  currentUpdateInfo,
  log,
  patched,
  proxyActivities,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { PageTransfer, TaskActivities } from '../activities/types';
import {
  cancelWinnersUpdate,
  extendUpdate,
  notificationSignal,
  operatorUpdate,
  pageRefusedSignal,
  returnRefusalId,
  planLeftoverUpdate,
  publishUpdate,
  selectWinnersUpdate,
  stateQuery,
  type ExtendInput,
  type ExtendResult,
  type OperatorRequest,
  type PlanLeftoverResult,
  type SelectWinnersResult,
  type TaskNotification,
  type TaskResult,
} from './messages';
import {
  WITKEY_AMOUNT_FEN,
  WITKEY_ANNOUNCEMENT_END,
  WITKEY_NEEDS_ATTENTION,
  WITKEY_PHASE,
  WITKEY_PUBLISHER_ID,
} from './search-attributes';
import * as ledger from './task/ledger';
import type { BlockedStep, TaskSpec, TaskState } from './task/types';
import { describeSpecDifference, taskView } from './task/view';

/** Alipay resends for about 24h22m (2m, 10m, 10m, 1h, 2h, 6h, 15h): the task stays open that long after its last notification. */
export const DEFAULT_RESEND_WINDOW_MS = (2 + 10 + 10 + 60 + 120 + 360 + 900) * 60_000;
export const DEFAULT_PAYMENT_TIMEOUT_MS = 2 * 3_600_000;

/**
 * Versioning: each real change of workflow logic made after histories were recorded gets a patch id here, with
 * the old branch kept until no running task can still need it (test/replay replays the old histories).
 */
export const PAYOUT_BATCHES_ACROSS_ROUNDS = 'payout-batches-across-rounds';
/** The audit record written when a task closes (tasks closed before it have none). */
export const AUDIT_RECORD = 'audit-record';
/** Money in flight whose notifications do not come within Alipay's resend window is flagged for an operator. */
export const OVERDUE_NOTIFICATIONS = 'overdue-notifications';
/** WitkeyAmountFen is upserted whenever the frozen bounty changes (amount.append), not only with the phase. */
export const SEARCH_ATTRIBUTE_AMOUNT = 'search-attribute-amount';
/** A message that arrives while the task closes (its audit record is written) keeps the task open and is acted on. */
export const CLOSE_RECHECKS_MESSAGES = 'close-rechecks-messages';
/** A manual settlement made while a payout is under way stops the batches not yet sent. */
export const SETTLEMENT_STOPS_PAYOUT = 'settlement-stops-payout';
/** A cancellation with an unknown outcome is repeated at once (with backoff), and held for an operator if still unknown. */
export const CANCEL_UNKNOWN_REPEATED = 'cancel-unknown-repeated';
/** Results of selectWinners / planLeftover / extend are kept by request id in the carried state. */
export const REQUESTS_CARRIED = 'requests-carried';
/** cancel_unpaid on a task whose payment step is blocked resolves the freeze now (it used to do nothing). */
export const CANCEL_UNPAID_UNBLOCKS = 'cancel-unpaid-unblocks';
/** Leftover plans never submitted, and frozen money with no plan after expiry, are flagged for an operator. */
export const LEFTOVER_WAITS = 'leftover-waits';
/** A bounty frozen after a manual settlement of an unpaid task is flagged (it kept the task from closing with it hidden). */
export const PAID_AFTER_SETTLEMENT_FLAGGED = 'paid-after-settlement-flagged';
/** `acknowledge` leaves money items open (MONEY_ATTENTION): only their own action resolves them. */
export const MONEY_ATTENTION_STANDS = 'money-attention-stands';
/** An open task with no timer, no activity and nothing for an operator asks an operator (never sits unseen). */
export const NOTHING_SCHEDULED = 'nothing-scheduled-flagged';

export interface TaskSettings {
  /** How long the task keeps accepting notifications after its last expected one. */
  resendWindowMs: number;
  /** How long to wait for a freeze payment (task.create, amount.append) before asking Alipay (WITKEY_PAYMENT_TIMEOUT). */
  paymentTimeoutMs: number;
}

export interface BountyTaskInput {
  spec: TaskSpec;
  settings: TaskSettings;
  /** State carried over by continue-as-new. */
  carried?: { state: TaskState; cashierUrl?: string };
}

/** Building signed pages is local work: short timeouts, a few retries. */
const pages = proxyActivities<
  Pick<TaskActivities, 'createTaskPage' | 'createConfirmPage' | 'createAppendPage' | 'createLeftoverPage'>
>({
  startToCloseTimeout: '20 seconds',
  retry: {
    initialInterval: '1 second',
    maximumAttempts: 5,
    nonRetryableErrorTypes: ['GatewayInputError', 'GatewayConfigurationError'],
  },
});

/** The freeze trade on the OpenAPI side: query a few times; cancel, repeated while retry_flag is Y, then hand over. */
const trades = proxyActivities<Pick<TaskActivities, 'queryFreezeTrade' | 'cancelFreezeTrade'>>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 5,
    nonRetryableErrorTypes: ['GatewayInputError', 'GatewayConfigurationError'],
  },
});

/** Local file writes: retried until they succeed (a full disk is fixed by an operator, the task waits). */
const records = proxyActivities<Pick<TaskActivities, 'writeAuditRecord'>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

/**
 * Cancelling winners answers a person waiting on an update: a few attempts, then the outcome counts as unknown and
 * the cancel is repeated before the payout (it never holds a payout back for long).
 */
const cancels = proxyActivities<Pick<TaskActivities, 'cancelConfirmByPlatform'>>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '10 seconds',
    maximumAttempts: 5,
    nonRetryableErrorTypes: ['GatewayInputError', 'GatewayConfigurationError'],
  },
});

/** Calls to the gateway: retried with the same business numbers until they succeed or fail for good. */
const gateway = proxyActivities<Pick<TaskActivities, 'confirmByPlatform' | 'cancelConfirmByPlatform'>>({
  startToCloseTimeout: '60 seconds',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '10 minutes',
    nonRetryableErrorTypes: ['GatewayInputError', 'GatewayConfigurationError', 'GatewayRequestMismatchError'],
  },
});

export async function bountyTask(input: BountyTaskInput): Promise<TaskResult> {
  const state: TaskState = input.carried?.state ?? ledger.newTaskState(input.spec);
  const settings = input.settings;
  let cashierUrl: string | undefined = input.carried?.cashierUrl;
  let cashierPage: Promise<string> | undefined;
  const processed = new Set(state.processedNotifyIds);
  let changes = 0;
  let cancelsInFlight = 0;
  const now = (): number => Date.now();
  state.paymentDeadlineMs ??= workflowInfo().runStartTime.getTime() + settings.paymentTimeoutMs;
  state.appends ??= [];
  state.operatorActions ??= [];
  state.deferred ??= [];
  state.cancelUnknown ??= [];
  state.latePayments ??= [];
  state.requests ??= {};

  upsertMemo({ title: state.spec.title });
  const published = { phase: '', needsAttention: false, announcementEnd: -1, amountFen: -1 };
  const publishVisibility = (): void => {
    const phase = ledger.phaseOf(state, now());
    const needsAttention = state.attention.some((a) => !a.resolved) || state.blocked !== undefined;
    const announcementEnd = ledger.nextAnnouncementEnd(state, now()) ?? 0;
    const amountFen = state.ledger.bountyFrozenFen || state.spec.bountyFen;
    const unchanged =
      phase === published.phase &&
      needsAttention === published.needsAttention &&
      announcementEnd === published.announcementEnd;
    // v2: an amount.append that changes only the amount is published too
    if (
      unchanged &&
      (amountFen === published.amountFen || published.amountFen === -1 || !patched(SEARCH_ATTRIBUTE_AMOUNT))
    )
      return;
    upsertSearchAttributes([
      { key: WITKEY_PHASE, value: phase },
      { key: WITKEY_PUBLISHER_ID, value: state.spec.publisherId },
      { key: WITKEY_AMOUNT_FEN, value: amountFen },
      { key: WITKEY_ANNOUNCEMENT_END, value: announcementEnd ? new Date(announcementEnd) : null },
      { key: WITKEY_NEEDS_ATTENTION, value: needsAttention },
    ]);
    Object.assign(published, { phase, needsAttention, announcementEnd, amountFen });
  };
  const changed = (): void => {
    changes += 1;
    applyDeferred(state, now());
    publishVisibility();
  };
  const block = (step: BlockedStep['step'], code: string, message: string, evidence?: unknown): void => {
    state.blocked = { step, code, message, sinceMs: now() };
    state.attention.push({ code, message, evidence, atMs: now() });
    log.warn('step blocked, needs an operator', { outerTaskId: state.spec.outerTaskId, step, code });
    changed();
  };

  // ---------------------------------------------------------------------------------------- handlers

  setHandler(stateQuery, () => taskView(state, now(), cashierUrl));

  setHandler(notificationSignal, (n) => {
    if (processed.has(n.notifyId)) return; // a resend: already applied or recorded
    processed.add(n.notifyId);
    state.processedNotifyIds.push(n.notifyId);
    if (applyNotification(state, n, now()) === 'not_yet') state.deferred.push(n);
    state.lastNotificationAtMs = now();
    changed();
  });

  setHandler(pageRefusedSignal, (refusal) => {
    const id = returnRefusalId(refusal);
    if (processed.has(id)) return;
    processed.add(id);
    state.processedNotifyIds.push(id);
    state.attention.push({
      code: 'PAGE_REFUSED',
      message: `Alipay refused ${refusal.service} (${refusal.errorCode}) for ${refusal.references.join(', ') || 'the task'}: the step did not happen; check the page and ask again or withdraw it`,
      evidence: refusal,
      atMs: now(),
    });
    changed();
  });

  setHandler(
    publishUpdate,
    async () => {
      cashierPage ??= pages
        .createTaskPage({
          spec: state.spec,
          freezeNo: state.freezeNo,
          valueAddedFeeTransferNo: state.valueAddedFeeTransferNo,
        })
        .then((r) => r.url);
      try {
        cashierUrl = await cashierPage;
      } catch (err) {
        cashierPage = undefined; // a later publish tries again
        throw ApplicationFailure.nonRetryable(
          `the cashier page could not be built: ${failureMessage(err)}`,
          'PublishFailed',
        );
      }
      return { outerTaskId: state.spec.outerTaskId, cashierUrl, phase: ledger.phaseOf(state, now()) };
    },
    {
      validator: (spec: TaskSpec) => {
        const difference = describeSpecDifference(state.spec, spec);
        if (difference)
          throw new Error(
            `task ${state.spec.outerTaskId} was already published with different parameters: ${difference}`,
          );
      },
    },
  );

  /** The result of an earlier request with the same id (a retry, possibly from before a continue-as-new). */
  const earlierResult = <T>(): T | undefined => {
    const id = currentUpdateInfo()?.id;
    return id !== undefined && Object.prototype.hasOwnProperty.call(state.requests, id)
      ? (state.requests![id] as T)
      : undefined;
  };
  const remember = <T>(result: T): T => {
    const id = currentUpdateInfo()?.id;
    if (id !== undefined && patched(REQUESTS_CARRIED)) state.requests![id] = result;
    return result;
  };
  const unlessRepeated =
    <I>(check: (input: I) => void) =>
    (input: I): void => {
      if (earlierResult() === undefined) check(input);
    };

  setHandler(
    selectWinnersUpdate,
    async (request) => {
      const earlier = earlierResult<SelectWinnersResult>();
      if (earlier) return earlier;
      const round = ledger.selectWinners(state, request, now());
      changed();
      try {
        const { url } = await pages.createConfirmPage({
          outerTaskId: state.spec.outerTaskId,
          publisherId: state.spec.publisherId,
          publisherAlipayUserId: state.spec.publisherAlipayUserId!,
          transfers: round.transferNos.map((no) => pageTransfer(state, no)),
          announceEndMs: round.announceEndMs,
        });
        const requested = state.rounds.find((r) => r.round === round.round);
        if (requested) Object.assign(requested, { confirmUrl: url, requestedAtMs: now() });
        return remember({ round: round.round, transferNos: round.transferNos, confirmUrl: url });
      } catch (err) {
        ledger.withdrawRound(state, round.round);
        changed();
        throw ApplicationFailure.nonRetryable(
          `the confirmation page could not be built: ${(err as Error).message}`,
          'SelectWinnersFailed',
        );
      }
    },
    {
      validator: unlessRepeated((request: ledger.SelectWinnersInput) =>
        ledger.checkSelectWinners(state, request, now()),
      ),
    },
  );

  setHandler(
    cancelWinnersUpdate,
    async ({ transferNos }) => {
      cancelsInFlight += 1;
      try {
        let result;
        try {
          result = await cancels.cancelConfirmByPlatform({ outerTaskId: state.spec.outerTaskId, transferNos });
        } catch (err) {
          // Alipay may or may not have cancelled them: the cancel is repeated (at once, with backoff) until known
          for (const no of transferNos) if (!state.cancelUnknown.includes(no)) state.cancelUnknown.push(no);
          state.attention.push({
            code: 'CANCEL_OUTCOME_UNKNOWN',
            message: `cancel of ${transferNos.join(', ')}: ${failureMessage(err)}; it is repeated until its outcome is known, and the payout is held while it is not`,
            atMs: now(),
          });
          state.cancelRetry = { attempts: 0, nextAtMs: now() };
          changed();
          throw ApplicationFailure.nonRetryable(
            `the cancellation's outcome is unknown (${failureMessage(err)}); it is repeated until known, and the winner is not paid while it is not`,
            'CancelOutcomeUnknown',
          );
        }
        recordCancel(state, result, now());
        changed();
        return { cancelled: result.cancelled, failed: result.failed };
      } finally {
        cancelsInFlight -= 1;
      }
    },
    { validator: ({ transferNos }: { transferNos: string[] }) => ledger.checkCancelWinners(state, transferNos, now()) },
  );

  setHandler(
    planLeftoverUpdate,
    async (request) => {
      const earlier = earlierResult<PlanLeftoverResult>();
      if (earlier) return earlier;
      const plan = ledger.planLeftover(state, request, now());
      changed();
      try {
        const { page } = await pages.createLeftoverPage({
          outerTaskId: state.spec.outerTaskId,
          refund: plan.refund && { serialNo: plan.refund.serialNo, amountFen: plan.refund.amountFen },
          platform: plan.platform && { serialNo: plan.platform.serialNo, amountFen: plan.platform.shareFen },
          transfers: plan.transferNos.map((no) => pageTransfer(state, no)),
        });
        const planned = state.leftovers.find((p) => p.round === plan.round);
        if (planned) planned.adminPage = page;
        return remember({
          round: plan.round,
          transferNos: plan.transferNos,
          refundSerialNo: plan.refund?.serialNo,
          platformSerialNo: plan.platform?.serialNo,
          adminPage: page,
        });
      } catch (err) {
        ledger.withdrawLeftover(state, plan.round);
        changed();
        throw ApplicationFailure.nonRetryable(
          `the leftover page could not be built: ${(err as Error).message}`,
          'PlanLeftoverFailed',
        );
      }
    },
    { validator: unlessRepeated((request: ledger.LeftoverInput) => ledger.checkPlanLeftover(state, request, now())) },
  );

  setHandler(
    extendUpdate,
    async (request) => {
      const earlier = earlierResult<ExtendResult>();
      if (earlier) return earlier;
      const append = ledger.requestAppend(state, request, now());
      changed();
      try {
        const { url } = await pages.createAppendPage({
          outerTaskId: state.spec.outerTaskId,
          publisherId: state.spec.publisherId,
          freezeNo: append.freezeNo,
          addBountyFen: append.addBountyFen,
          addValueAddedFeeFen: append.addValueAddedFeeFen,
          valueAddedFeeTransferNo: append.valueAddedFeeTransferNo,
          newExpiresAtMs: append.newExpiresAtMs,
        });
        return remember({ append: append.append, freezeNo: append.freezeNo, appendUrl: url });
      } catch (err) {
        ledger.resolveAppend(state, append.append, 'closed', undefined, now()); // never handed out: withdrawn
        changed();
        throw ApplicationFailure.nonRetryable(
          `the amount.append page could not be built: ${failureMessage(err)}`,
          'ExtendFailed',
        );
      }
    },
    { validator: unlessRepeated((request: ExtendInput) => ledger.checkExtend(state, request, now())) },
  );

  setHandler(
    operatorUpdate,
    (request) => {
      if (request.action === 'cancel_unpaid' && state.blocked?.step === 'payment' && patched(CANCEL_UNPAID_UNBLOCKS)) {
        // the payment step is waiting for an operator: cancel_unpaid is that operator's answer, so the step runs again now
        ledger.resolveAttention(state, state.blocked.code);
        state.blocked = undefined;
        state.paymentResolved = false;
      }
      const outcome = applyOperatorAction(state, request, now());
      state.operatorActions.push({
        action: request.action,
        operator: request.operator,
        reason: request.reason,
        atMs: now(),
        outcome,
      });
      changed();
      return taskView(state, now(), cashierUrl);
    },
    { validator: (request: OperatorRequest) => checkOperatorRequest(state, request) },
  );

  /** confirm.by.platform in batches of at most 30; a refusal blocks the payout step until an operator retries. */
  const payOut = async (transferNos: string[]): Promise<void> => {
    const settled = (): boolean => state.manualSettlement !== undefined && patched(SETTLEMENT_STOPS_PAYOUT);
    for (let i = 0; i < transferNos.length && !state.blocked && !settled(); i += ledger.LIMITS.payoutBatch) {
      const batch = transferNos
        .slice(i, i + ledger.LIMITS.payoutBatch)
        .filter((no) => state.transfers[no]?.status === 'waiting' && !state.transfers[no].payoutHeld);
      if (batch.length === 0) continue;
      try {
        await gateway.confirmByPlatform({ outerTaskId: state.spec.outerTaskId, transferNos: batch });
        ledger.payoutAccepted(state, batch, now());
      } catch (err) {
        block('payout', 'PAYOUT_FAILED', `confirm.by.platform of ${batch.join(', ')} failed: ${failureMessage(err)}`, {
          transferNos: batch,
        });
        return;
      }
      log.info('payout accepted', { outerTaskId: state.spec.outerTaskId, transfers: batch.length });
      changed();
    }
  };

  /**
   * The task closes: its final record is written. A notification or operator message that arrived meanwhile was
   * recorded by its handler (and Alipay told `success`): then the task does not close and the loop acts on it.
   */
  const close = async (): Promise<Closing> => {
    await condition(allHandlersFinished);
    const seen = changes;
    state.settledAtMs = now();
    publishVisibility();
    const result: TaskResult = {
      view: taskView(state, now(), cashierUrl),
      processedNotifyIds: [...state.processedNotifyIds],
    };
    if (patched(AUDIT_RECORD)) await records.writeAuditRecord({ outerTaskId: state.spec.outerTaskId, record: result });
    if (changes !== seen && patched(CLOSE_RECHECKS_MESSAGES)) {
      state.settledAtMs = undefined;
      publishVisibility();
      return { closed: false };
    }
    return { closed: true, result };
  };

  publishVisibility();

  // ---------------------------------------------------------------------------------------- the life of the task

  for (;;) {
    if (!state.blocked && !state.manualSettlement) {
      // the freeze did not arrive by its deadline: ask Alipay (query first, cancel only without a clear answer)
      if (!state.paid && !state.cancelled && !state.paymentResolved && now() >= state.paymentDeadlineMs) {
        await resolveUnpaidFreeze(state, now, block);
        changed();
      }
      for (const a of state.appends) {
        if (
          a.status === 'requested' &&
          !a.resolved &&
          now() >= a.requestedAtMs + settings.paymentTimeoutMs &&
          !state.blocked
        ) {
          await resolveUnpaidAppend(state, a.append, now, block);
          changed();
        }
      }
    }

    for (const late of state.latePayments.filter((p) => !p.handled)) {
      // paid after the task was cancelled: give the money back (trade.cancel refunds a paid trade)
      try {
        const cancel = await trades.cancelFreezeTrade({ freezeNo: late.freezeNo });
        if (cancel.kind === 'refunded') ledger.recordLatePaymentRefund(state, late.freezeNo);
        else late.handled = true; // nothing to refund at Alipay: the attention item stays for an operator
      } catch (err) {
        late.handled = true;
        state.attention.push({
          code: 'LATE_PAYMENT_UNRESOLVED',
          message: `the late payment ${late.freezeNo} could not be refunded: ${failureMessage(err)}`,
          atMs: now(),
        });
      }
      changed();
    }

    ledger.expire(state, now(), settings.resendWindowMs);
    const watchOverdue = patched(OVERDUE_NOTIFICATIONS);
    if (watchOverdue && ledger.flagOverdue(state, settings.resendWindowMs, now()) > 0) changed();
    const watchLeftover =
      ledger.leftoverDeadlines(state, settings.resendWindowMs).length > 0 && patched(LEFTOVER_WAITS);
    if (watchLeftover && ledger.flagLeftoverWaits(state, settings.resendWindowMs, now()) > 0) changed();

    // a cancellation whose outcome is unknown is repeated while the announcement runs, with backoff
    const repeatCancels =
      !state.manualSettlement && unknownCancels(state).length > 0 && patched(CANCEL_UNKNOWN_REPEATED);
    if (repeatCancels && now() >= (state.cancelRetry?.nextAtMs ?? 0)) {
      await condition(() => cancelsInFlight === 0);
      await repeatUnknownCancels(state, now());
      changed();
    }

    // after a manual settlement the system moves no more money (the operator settled it outside)
    if (state.blocked?.step !== 'payout' && !state.manualSettlement) {
      let due = ledger.duePayouts(state, now());
      if (due.length) await condition(() => cancelsInFlight === 0); // a cancellation accepted before the end finishes first
      const unknown = state.cancelUnknown.filter(
        (no) => state.transfers[no]?.status === 'waiting' && due.some((d) => d.transferNos.includes(no)),
      );
      if (unknown.length && patched(CANCEL_UNKNOWN_REPEATED)) {
        // the announcement is over and the outcome is still unknown: one last attempt, then hold for an operator
        await repeatUnknownCancels(state, now());
        for (const no of unknown) {
          if (state.transfers[no].status === 'waiting')
            ledger.holdPayout(
              state,
              no,
              `its cancellation's outcome stayed unknown until the announcement ended (Alipay: ${state.transfers[no].errorCode ?? 'no answer'})`,
              now(),
            );
        }
        state.cancelUnknown = state.cancelUnknown.filter((no) => !unknown.includes(no));
        changed();
        due = ledger.duePayouts(state, now());
      } else if (unknown.length) {
        try {
          recordCancel(
            state,
            await gateway.cancelConfirmByPlatform({ outerTaskId: state.spec.outerTaskId, transferNos: unknown }),
            now(),
          );
          state.cancelUnknown = state.cancelUnknown.filter((no) => !unknown.includes(no));
        } catch (err) {
          block(
            'payout',
            'CANCEL_OUTCOME_UNKNOWN',
            `the cancel of ${unknown.join(', ')} is still unknown (${failureMessage(err)}): payout held`,
            { transferNos: unknown },
          );
        }
        changed();
      }
      if (patched(PAYOUT_BATCHES_ACROSS_ROUNDS)) {
        // v2: every due transfer, whatever its round, in batches of at most 30 (fewer gateway calls)
        await payOut(due.flatMap((d) => d.transferNos));
      } else {
        // v1 (histories recorded before the patch): one round after another
        for (const d of due) await payOut(d.transferNos);
      }
    }

    const quietSince = Math.max(
      state.lastNotificationAtMs ?? 0,
      state.paidAtMs ?? 0,
      state.cancellation?.atMs ?? 0,
      state.manualSettlement?.atMs ?? 0,
    );
    const cancelRetryAt = repeatCancels ? state.cancelRetry?.nextAtMs : undefined;
    const closeAt = quietSince + settings.resendWindowMs;
    if (!state.blocked && ledger.moneyAtRest(state, now()) && now() >= closeAt) {
      if (state.deferred.length) {
        // the steps these notifications report never came: an operator decides
        for (const n of state.deferred)
          state.attention.push({
            code: 'NOTIFICATION_UNMATCHED',
            message: `${n.event.type} ${n.notifyId} never matched a step of the task`,
            evidence: n,
            atMs: now(),
          });
        state.deferred = [];
        changed();
      }
      if (!state.attention.some((a) => !a.resolved)) {
        // nothing open: the task closes, unless a message arrived while it did
        const closing = await close();
        if (closing.closed) {
          log.info('task settled', { outerTaskId: state.spec.outerTaskId, workflowId: workflowInfo().workflowId });
          return closing.result;
        }
        continue;
      }
    }

    if (workflowInfo().continueAsNewSuggested) {
      // a long life: start afresh with the whole state, after every running handler is done
      await condition(allHandlersFinished);
      return continueAsNew<typeof bountyTask>({ spec: state.spec, settings, carried: { state, cashierUrl } });
    }

    const wakeAt = [
      ledger.nextAnnouncementEnd(state, now()),
      state.rounds.some((r) => r.status === 'requested') ? state.spec.expiresAtMs + settings.resendWindowMs : undefined,
      state.paid && now() < state.spec.expiresAtMs ? state.spec.expiresAtMs : undefined,
      !state.paid && !state.cancelled && !state.paymentResolved ? state.paymentDeadlineMs : undefined,
      ...state.appends
        .filter((a) => a.status === 'requested' && !a.resolved)
        .map((a) => a.requestedAtMs + settings.paymentTimeoutMs),
      ...(watchOverdue ? ledger.overdueDeadlines(state, settings.resendWindowMs).map((d) => d.dueAtMs) : []),
      ...(watchLeftover ? ledger.leftoverDeadlines(state, settings.resendWindowMs).map((d) => d.dueAtMs) : []),
      cancelRetryAt !== undefined && unknownCancels(state).length > 0 ? cancelRetryAt : undefined,
      ledger.moneyAtRest(state, now()) ? closeAt : undefined,
    ]
      .filter((t): t is number => t !== undefined && t > now())
      .reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY);
    if (
      !Number.isFinite(wakeAt) &&
      !state.blocked &&
      !state.attention.some((a) => !a.resolved) &&
      patched(NOTHING_SCHEDULED)
    ) {
      // an open task that waits for nothing the system schedules would sit unseen: it asks an operator instead
      const waiting = taskView(state, now(), cashierUrl).pendingActions;
      state.attention.push({
        code: 'NOTHING_SCHEDULED',
        message: `the task is open but nothing is scheduled (${waiting.join('; ') || 'no pending step'}): check with Alipay and settle it manually`,
        evidence: { ledger: state.ledger },
        atMs: now(),
      });
      changed();
      continue;
    }
    const seen = changes;
    if (Number.isFinite(wakeAt))
      await condition(() => changes !== seen || workflowInfo().continueAsNewSuggested, wakeAt - now());
    else await condition(() => changes !== seen || workflowInfo().continueAsNewSuggested);
    publishVisibility();
  }
}

/** How the life of a task ended: its result, or a message that arrived while it closed and must be acted on. */
type Closing = { closed: true; result: TaskResult } | { closed: false };

// ---------------------------------------------------------------------------------------- steps

function failureMessage(err: unknown): string {
  const cause = (err as { cause?: Error }).cause;
  return cause?.message ?? (err as Error).message;
}

type Block = (step: BlockedStep['step'], code: string, message: string, evidence?: unknown) => void;

/**
 * The freeze payment did not arrive in time (seed 004): alipay.trade.query; a paid trade continues the task, a
 * closed one cancels it; with no clear answer, alipay.trade.cancel (close: nothing was charged; refund: bounty and
 * value-added fee go back). Anything still unresolved waits for an operator.
 */
async function resolveUnpaidFreeze(state: TaskState, now: () => number, block: Block): Promise<void> {
  let query: Awaited<ReturnType<TaskActivities['queryFreezeTrade']>> | undefined;
  try {
    query = await trades.queryFreezeTrade({ freezeNo: state.freezeNo });
  } catch (err) {
    log.warn('trade.query gave no answer; cancelling', {
      outerTaskId: state.spec.outerTaskId,
      error: failureMessage(err),
    });
  }
  if (state.paid) return; // the notification arrived meanwhile
  if (query?.kind === 'found' && (query.tradeStatus === 'TRADE_SUCCESS' || query.tradeStatus === 'TRADE_FINISHED')) {
    ledger.applyFreezeFoundByQuery(state, query.totalAmountFen, now());
    state.paymentResolved = true;
    return;
  }
  if (query?.kind === 'found' && query.tradeStatus === 'TRADE_CLOSED') {
    ledger.cancelBeforePayment(state, 'trade_closed', now());
    state.paymentResolved = true;
    return;
  }
  try {
    const cancel = await trades.cancelFreezeTrade({ freezeNo: state.freezeNo });
    if (cancel.kind === 'failed') throw new Error(`trade.cancel refused: ${cancel.code}`);
    state.paymentResolved = true;
    if (state.paid && cancel.kind !== 'refunded') return;
    ledger.cancelBeforePayment(
      state,
      cancel.kind === 'closed' ? 'closed' : cancel.kind === 'refunded' ? 'refunded' : 'not_found',
      now(),
    );
  } catch (err) {
    block(
      'payment',
      'PAYMENT_UNRESOLVED',
      `the freeze payment did not arrive and its trade could not be resolved: ${failureMessage(err)}`,
      { query },
    );
  }
}

/** The same unknown-outcome treatment for an amount.append whose payment did not arrive. */
async function resolveUnpaidAppend(state: TaskState, n: number, now: () => number, block: Block): Promise<void> {
  const append = state.appends.find((a) => a.append === n)!;
  let query: Awaited<ReturnType<TaskActivities['queryFreezeTrade']>> | undefined;
  try {
    query = await trades.queryFreezeTrade({ freezeNo: append.freezeNo });
  } catch (err) {
    log.warn('trade.query gave no answer for an amount.append; cancelling', {
      outerTaskId: state.spec.outerTaskId,
      error: failureMessage(err),
    });
  }
  if (append.status !== 'requested') return;
  if (query?.kind === 'found' && (query.tradeStatus === 'TRADE_SUCCESS' || query.tradeStatus === 'TRADE_FINISHED')) {
    ledger.resolveAppend(state, n, 'paid', query.totalAmountFen, now());
    append.resolved = true;
    return;
  }
  try {
    const cancel = await trades.cancelFreezeTrade({ freezeNo: append.freezeNo });
    if (cancel.kind === 'failed') throw new Error(`trade.cancel refused: ${cancel.code}`);
    ledger.resolveAppend(state, n, cancel.kind === 'refunded' ? 'refunded' : 'closed', undefined, now());
  } catch (err) {
    block(
      'append',
      'APPEND_UNRESOLVED',
      `amount.append ${n} was not paid and its trade could not be resolved: ${failureMessage(err)}`,
      { query },
    );
  }
}

/** Winners whose cancellation is unknown and still waiting (not held, not yet resolved). */
function unknownCancels(state: TaskState): string[] {
  return state.cancelUnknown.filter(
    (no) => state.transfers[no]?.status === 'waiting' && !state.transfers[no].payoutHeld,
  );
}

/**
 * Repeats the cancellations whose outcome is unknown. Alipay's answer settles each transfer: cancelled, or refused —
 * a refusal is ambiguous after an unknown outcome (Alipay may refuse because it did not cancel), so a refused
 * transfer is held for an operator, never paid by itself. No answer: the next repeat is scheduled with backoff.
 */
async function repeatUnknownCancels(state: TaskState, nowMs: number): Promise<void> {
  const transferNos = unknownCancels(state);
  if (transferNos.length === 0) return;
  const attempts = (state.cancelRetry?.attempts ?? 0) + 1;
  try {
    const result = await cancels.cancelConfirmByPlatform({ outerTaskId: state.spec.outerTaskId, transferNos });
    recordCancel(state, result, nowMs);
    for (const f of result.failed)
      ledger.holdPayout(
        state,
        f.transferNo,
        `Alipay refused to cancel it (${f.errorCode}) after an earlier cancel had an unknown outcome`,
        nowMs,
      );
    const answered = new Set([...result.cancelled, ...result.failed.map((f) => f.transferNo)]);
    state.cancelUnknown = state.cancelUnknown.filter((no) => !answered.has(no));
    if (!state.cancelUnknown.length) ledger.resolveAttention(state, 'CANCEL_OUTCOME_UNKNOWN');
    state.cancelRetry = undefined;
  } catch (err) {
    log.warn('a cancellation with an unknown outcome is still unknown', {
      outerTaskId: state.spec.outerTaskId,
      transferNos,
      attempts,
      error: failureMessage(err),
    });
    state.cancelRetry = { attempts, nextAtMs: nowMs + Math.min(60_000 * 2 ** Math.min(attempts - 1, 6), 3_600_000) };
  }
}

/** Applies a cancel.confirm.by.platform answer; refusals and unexpected answers go to an operator, never throw. */
function recordCancel(
  state: TaskState,
  result: { cancelled: string[]; failed: { transferNo: string; errorCode: string }[] },
  nowMs: number,
): void {
  try {
    ledger.applyCancelResult(state, result, nowMs);
  } catch (err) {
    state.attention.push({
      code: 'CANCEL_REPLY_UNEXPECTED',
      message: `${(err as Error).message}`,
      evidence: result,
      atMs: nowMs,
    });
    return;
  }
  for (const f of result.failed)
    state.attention.push({
      code: 'CANCEL_REFUSED',
      message: `Alipay refused to cancel ${f.transferNo}: ${f.errorCode}`,
      evidence: f,
      atMs: nowMs,
    });
}

/** Applies the notifications that were waiting for an earlier step, as long as one of them makes progress. */
function applyDeferred(state: TaskState, nowMs: number): void {
  for (let progress = true; progress && state.deferred.length;) {
    progress = false;
    for (const n of [...state.deferred]) {
      if (applyNotification(state, n, nowMs) === 'not_yet') continue;
      state.deferred = state.deferred.filter((d) => d.notifyId !== n.notifyId);
      progress = true;
    }
  }
}

function checkOperatorRequest(state: TaskState, request: OperatorRequest): void {
  if (!request || typeof request.operator !== 'string' || !request.operator.trim())
    throw new Error('operator: who is acting (a name or id) is required');
  if (typeof request.reason !== 'string' || !request.reason.trim())
    throw new Error('reason: why, in words, is required (it is recorded)');
  switch (request.action) {
    case 'retry':
      if (!state.blocked) throw new Error('retry: no step is waiting for a retry');
      return;
    case 'acknowledge': {
      if (!state.attention.some((a) => !a.resolved)) throw new Error('acknowledge: nothing needs attention');
      const money = (request.codes ?? []).filter((c) => ledger.MONEY_ATTENTION[c]);
      if (money.length)
        throw new Error(
          `acknowledge: ${money.map((c) => `${c} is about money and is resolved by ${ledger.MONEY_ATTENTION[c]}`).join('; ')}`,
        );
      return;
    }
    case 'cancel_unpaid':
      if (state.paid) throw new Error('cancel_unpaid: the bounty is frozen; only an unpaid task can be cancelled');
      if (state.cancelled || state.paymentResolved) throw new Error('cancel_unpaid: the payment was already resolved');
      return;
    case 'withdraw_round': {
      const round = state.rounds.find((r) => r.round === request.round);
      if (!round) throw new Error(`withdraw_round: the task has no round ${String(request.round)}`);
      if (round.status !== 'requested')
        throw new Error(
          `withdraw_round: round ${round.round} is ${round.status}; only a round the publisher has not confirmed can be withdrawn`,
        );
      return;
    }
    case 'withdraw_leftover': {
      const plan = state.leftovers.find((p) => p.round === request.round);
      if (!plan) throw new Error(`withdraw_leftover: the task has no leftover plan ${String(request.round)}`);
      if (plan.status !== 'planned')
        throw new Error(
          `withdraw_leftover: leftover plan ${plan.round} is ${plan.status}; only a plan whose admin page was not submitted can be withdrawn`,
        );
      return;
    }
    case 'settle_manually':
      if (state.manualSettlement && !state.attention.some((a) => !a.resolved))
        throw new Error('settle_manually: the task is already settled');
      if (!state.blocked && !state.attention.some((a) => !a.resolved))
        throw new Error('settle_manually: only for a task that needs attention');
      return;
    case 'resolve_held_transfer': {
      const t = state.transfers[request.transferNo];
      if (!t) throw new Error(`resolve_held_transfer: the task has no transfer ${String(request.transferNo)}`);
      if (!t.payoutHeld || t.status !== 'waiting')
        throw new Error(`resolve_held_transfer: transfer ${t.transferNo} is ${t.status} and not held`);
      if (request.outcome !== 'pay' && request.outcome !== 'cancelled')
        throw new Error("resolve_held_transfer: outcome must be 'pay' or 'cancelled'");
      return;
    }
    default:
      throw new Error(
        `action: must be retry, acknowledge, settle_manually, cancel_unpaid, withdraw_round, withdraw_leftover or resolve_held_transfer`,
      );
  }
}

/** Applies an operator action; returns what it did, in words (recorded with who and why). */
function applyOperatorAction(state: TaskState, request: OperatorRequest, nowMs: number): string {
  switch (request.action) {
    case 'retry': {
      const step = state.blocked!;
      state.blocked = undefined;
      for (const a of state.attention) if (a.code === step.code && !a.resolved) a.resolved = true;
      if (step.step === 'payment') state.paymentResolved = false;
      return `retrying the ${step.step} step (was ${step.code})`;
    }
    case 'acknowledge': {
      let n = 0;
      for (const a of state.attention) {
        const standing = ledger.MONEY_ATTENTION[a.code] !== undefined && patched(MONEY_ATTENTION_STANDS);
        if (
          !a.resolved &&
          (!request.codes?.length || request.codes.includes(a.code)) &&
          a.code !== state.blocked?.code &&
          !standing
        ) {
          a.resolved = true;
          n += 1;
        }
      }
      return `acknowledged ${n} item(s)`;
    }
    case 'cancel_unpaid': {
      state.paymentDeadlineMs = nowMs; // the loop resolves the freeze trade now
      return 'resolving the unpaid freeze now (trade.query, then trade.cancel)';
    }
    case 'withdraw_round': {
      ledger.withdrawRound(state, request.round, { operator: request.operator, atMs: nowMs });
      return `withdrew round ${request.round}: its amounts are free again (a confirmation that still arrives is recorded for an operator)`;
    }
    case 'withdraw_leftover': {
      ledger.withdrawLeftover(state, request.round);
      return `withdrew leftover plan ${request.round}: its amounts are free again (a submission that still arrives is recorded for an operator)`;
    }
    case 'resolve_held_transfer': {
      ledger.resolveHeldTransfer(state, request.transferNo, request.outcome);
      return request.outcome === 'pay'
        ? `released the payout of ${request.transferNo}: it is paid with the next payout`
        : `recorded ${request.transferNo} as cancelled at Alipay: its amount is free again`;
    }
    case 'settle_manually': {
      state.manualSettlement = {
        operator: request.operator,
        reason: request.reason,
        atMs: nowMs,
        stillFrozenFen: state.ledger.stillFrozenFen,
      };
      state.blocked = undefined;
      for (const a of state.attention) a.resolved = true;
      return `settled manually with ${state.ledger.stillFrozenFen} fen still frozen in the system's books`;
    }
  }
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

/**
 * Applies one notification; a notification the ledger cannot take is recorded for an operator, never dropped;
 * one that reports a step the task has not seen yet is 'not_yet' (the caller keeps it for later).
 */
function applyNotification(state: TaskState, n: TaskNotification, nowMs: number): ledger.Outcome {
  try {
    const e = n.event;
    if (e.outerTaskId !== state.spec.outerTaskId) {
      state.attention.push({
        code: 'WRONG_TASK',
        message: `notification for task ${e.outerTaskId} delivered to ${state.spec.outerTaskId}`,
        evidence: n,
        atMs: nowMs,
      });
      return 'attention';
    }
    switch (e.type) {
      case 'task_freeze': {
        const flagAfterSettlement =
          state.manualSettlement !== undefined && !state.paid ? patched(PAID_AFTER_SETTLEMENT_FLAGGED) : true;
        return ledger.applyFreeze(
          state,
          {
            freezeNo: e.outerTaskFreezeNo,
            amountFen: e.taskAmountFen,
            payerAlipayUserId: e.alipayUserId,
            paidAtMs: e.paidTime,
          },
          nowMs,
          { flagAfterSettlement },
        );
      }
      case 'additional_profit_transfer':
        if (e.status !== 'S') {
          state.attention.push({
            code: 'VALUE_ADDED_FEE_FAILED',
            message: `the value-added fee transfer failed (${e.errorCode ?? 'no code'})`,
            evidence: n,
            atMs: nowMs,
          });
          return 'attention';
        }
        return ledger.applyValueAddedFee(
          state,
          { transferNo: e.additionalProfitTransferNo, amountFen: e.amountFen },
          nowMs,
        );
      case 'task_confirm':
        return ledger.applyTaskConfirm(
          state,
          {
            transfers: e.transfers.map((t) => ({
              transferNo: t.outerTransferNo,
              status: t.status,
              amountFen: t.amountFen,
              errorCode: t.errorCode,
            })),
          },
          nowMs,
        );
      case 'assign_transfer':
        return ledger.applyAssign(
          state,
          {
            transferNo: e.outerTransferNo,
            grossFen: e.amountFen,
            commissionFen: e.commissionFen,
            winnerFen: e.winnerAmountFen,
            success: e.status === 'S',
            errorCode: e.errorCode,
          },
          nowMs,
        );
      case 'platform_profit_transfer':
        return ledger.applyPlatformProfit(
          state,
          {
            transferNo: e.outerTransferNo,
            profitFen: e.profitAmountFen,
            alipayFeeFen: e.alipayFeeFen,
            platformFen: e.platformAmountFen,
            success: e.status === 'S',
            errorCode: e.errorCode,
          },
          nowMs,
        );
      case 'left_amount_handle':
        return ledger.applyLeftAmountHandled(
          state,
          {
            refund: e.refund,
            platform: e.platform,
            successBidders: e.successBidders.map((b) => ({ transferNo: b.outerTransferNo, amountFen: b.amountFen })),
            failedBidders: e.failureBidders.map((b) => ({
              transferNo: b.outerTransferNo,
              amountFen: b.amountFen,
              errorCode: b.errorCode,
            })),
          },
          nowMs,
        );
      case 'refund_transfer':
        return ledger.applyRefund(
          state,
          { serialNo: e.outerTransferNo, amountFen: e.amountFen, success: e.status === 'S' },
          nowMs,
        );
    }
  } catch (err) {
    state.attention.push({
      code: 'NOTIFICATION_REFUSED',
      message: `${(err as Error).name}: ${(err as Error).message}`,
      evidence: n,
      atMs: nowMs,
    });
    return 'attention';
  }
}
