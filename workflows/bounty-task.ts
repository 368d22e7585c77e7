/**
 * One bounty task, from the freeze of the bounty to the last fen: an entity workflow. Message handlers are
 * one line each into the pure ledger (task/ledger.ts); the main function only waits, times and calls.
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  log,
  proxyActivities,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { TaskActivities } from '../activities/types';
import {
  cancelWinnersUpdate,
  notificationSignal,
  planLeftoverUpdate,
  publishUpdate,
  selectWinnersUpdate,
  stateQuery,
  type TaskNotification,
  type TaskResult,
} from './messages';
import { WITKEY_AMOUNT_FEN, WITKEY_ANNOUNCEMENT_END, WITKEY_NEEDS_ATTENTION, WITKEY_PHASE, WITKEY_PUBLISHER_ID } from './search-attributes';
import * as ledger from './task/ledger';
import type { TaskSpec, TaskState } from './task/types';
import { describeSpecDifference, taskView } from './task/view';

/** Alipay resends for about 24h22m (2m, 10m, 10m, 1h, 2h, 6h, 15h): the task stays open that long after its last notification. */
export const DEFAULT_RESEND_WINDOW_MS = (2 + 10 + 10 + 60 + 120 + 360 + 900) * 60_000;

export const DEFAULT_PAYMENT_TIMEOUT_MS = 2 * 3_600_000;

export interface TaskSettings {
  /** How long the task keeps accepting notifications after its last expected one. */
  resendWindowMs: number;
  /** How long to wait for the freeze payment before asking Alipay about it (WITKEY_PAYMENT_TIMEOUT). */
  paymentTimeoutMs: number;
}

export interface BountyTaskInput {
  spec: TaskSpec;
  settings: TaskSettings;
  /** State carried over by continue-as-new. */
  carried?: { state: TaskState; cashierUrl?: string };
}

/** Building signed pages is local work: short timeouts, a few retries. */
const pages = proxyActivities<Pick<TaskActivities, 'createTaskPage' | 'createConfirmPage' | 'createLeftoverPage'>>({
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '1 second', maximumAttempts: 5, nonRetryableErrorTypes: ['GatewayInputError', 'GatewayConfigurationError'] },
});

/** The freeze trade on the OpenAPI side: query a few times; cancel, repeated while retry_flag is Y, then hand over. */
const trades = proxyActivities<Pick<TaskActivities, 'queryFreezeTrade' | 'cancelFreezeTrade'>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5, nonRetryableErrorTypes: ['GatewayInputError', 'GatewayConfigurationError'] },
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
  let cashierUrl: string | undefined = input.carried?.cashierUrl;
  let cashierPage: Promise<string> | undefined;
  const processed = new Set(state.processedNotifyIds);
  let changes = 0;
  let cancelsInFlight = 0;
  const now = (): number => Date.now();

  upsertMemo({ title: state.spec.title });
  const published = { phase: '', needsAttention: false, announcementEnd: -1 };
  const publishVisibility = (): void => {
    const phase = ledger.phaseOf(state, now());
    const needsAttention = state.attention.some((a) => !a.resolved);
    const announcementEnd = ledger.nextAnnouncementEnd(state, now()) ?? 0;
    if (phase === published.phase && needsAttention === published.needsAttention && announcementEnd === published.announcementEnd) return;
    upsertSearchAttributes([
      { key: WITKEY_PHASE, value: phase },
      { key: WITKEY_PUBLISHER_ID, value: state.spec.publisherId },
      { key: WITKEY_AMOUNT_FEN, value: state.spec.bountyFen },
      { key: WITKEY_ANNOUNCEMENT_END, value: announcementEnd ? new Date(announcementEnd) : null },
      { key: WITKEY_NEEDS_ATTENTION, value: needsAttention },
    ]);
    Object.assign(published, { phase, needsAttention, announcementEnd });
  };
  const changed = (): void => {
    changes += 1;
    publishVisibility();
  };

  setHandler(stateQuery, () => taskView(state, now(), cashierUrl));

  setHandler(notificationSignal, (n) => {
    if (processed.has(n.notifyId)) return; // a resend: already applied or recorded
    processed.add(n.notifyId);
    state.processedNotifyIds.push(n.notifyId);
    applyNotification(state, n, now());
    state.lastNotificationAtMs = now();
    changed();
  });

  setHandler(
    publishUpdate,
    async () => {
      cashierPage ??= pages.createTaskPage({ spec: state.spec, freezeNo: state.freezeNo, valueAddedFeeTransferNo: state.valueAddedFeeTransferNo }).then((r) => r.url);
      cashierUrl = await cashierPage;
      return { outerTaskId: state.spec.outerTaskId, cashierUrl, phase: ledger.phaseOf(state, now()) };
    },
    {
      validator: (spec: TaskSpec) => {
        const difference = describeSpecDifference(state.spec, spec);
        if (difference) throw new Error(`task ${state.spec.outerTaskId} was already published with different parameters: ${difference}`);
      },
    },
  );

  setHandler(
    selectWinnersUpdate,
    async (request) => {
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
        return { round: round.round, transferNos: round.transferNos, confirmUrl: url };
      } catch (err) {
        ledger.withdrawRound(state, round.round);
        changed();
        throw ApplicationFailure.nonRetryable(`the confirmation page could not be built: ${(err as Error).message}`, 'SelectWinnersFailed');
      }
    },
    { validator: (request: ledger.SelectWinnersInput) => ledger.checkSelectWinners(state, request, now()) },
  );

  setHandler(
    cancelWinnersUpdate,
    async ({ transferNos }) => {
      cancelsInFlight += 1;
      try {
        const result = await gateway.cancelConfirmByPlatform({ outerTaskId: state.spec.outerTaskId, transferNos });
        ledger.applyCancelResult(state, result, now());
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
      const plan = ledger.planLeftover(state, request, now());
      changed();
      try {
        const { page } = await pages.createLeftoverPage({
          outerTaskId: state.spec.outerTaskId,
          refund: plan.refund && { serialNo: plan.refund.serialNo, amountFen: plan.refund.amountFen },
          platform: plan.platform && { serialNo: plan.platform.serialNo, amountFen: plan.platform.shareFen },
          transfers: plan.transferNos.map((no) => pageTransfer(state, no)),
        });
        return { round: plan.round, transferNos: plan.transferNos, refundSerialNo: plan.refund?.serialNo, platformSerialNo: plan.platform?.serialNo, adminPage: page };
      } catch (err) {
        ledger.withdrawLeftover(state, plan.round);
        changed();
        throw ApplicationFailure.nonRetryable(`the leftover page could not be built: ${(err as Error).message}`, 'PlanLeftoverFailed');
      }
    },
    { validator: (request: ledger.LeftoverInput) => ledger.checkPlanLeftover(state, request, now()) },
  );

  publishVisibility();

  // Payment: wait for the freeze; past the deadline, ask Alipay (query first, cancel only without a clear result).
  const startedAt = workflowInfo().runStartTime.getTime();
  if (!input.carried) {
    const deadline = startedAt + input.settings.paymentTimeoutMs;
    if (!state.paid) await condition(() => state.paid || state.cancelled, Math.max(0, deadline - now()));
    if (!state.paid && !state.cancelled) {
      await resolveUnpaidFreeze(state, now);
      changed();
    }
  }

  // The life of the task: wake on every change or at the next moment that matters.
  for (;;) {
    ledger.expire(state, now());

    for (const due of ledger.duePayouts(state, now())) {
      await condition(() => cancelsInFlight === 0); // a cancellation accepted before the end finishes first
      for (let i = 0; i < due.transferNos.length; i += ledger.LIMITS.payoutBatch) {
        const batch = due.transferNos.slice(i, i + ledger.LIMITS.payoutBatch).filter((no) => state.transfers[no]?.status === 'waiting');
        if (batch.length === 0) continue;
        await gateway.confirmByPlatform({ outerTaskId: state.spec.outerTaskId, transferNos: batch });
        ledger.payoutAccepted(state, batch, now());
        log.info('payout accepted', { outerTaskId: state.spec.outerTaskId, round: due.round, transfers: batch.length });
        changed();
      }
    }

    const quietSince = Math.max(state.lastNotificationAtMs ?? 0, state.paidAtMs ?? 0, state.cancellation?.atMs ?? 0);
    const closeAt = quietSince + input.settings.resendWindowMs;
    if (ledger.moneyAtRest(state, now()) && now() >= closeAt) break;

    const wakeAt = [ledger.nextAnnouncementEnd(state, now()), state.paid && now() < state.spec.expiresAtMs ? state.spec.expiresAtMs : undefined, ledger.moneyAtRest(state, now()) ? closeAt : undefined]
      .filter((t): t is number => t !== undefined && t > now())
      .reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY);
    const seen = changes;
    const timeout = Number.isFinite(wakeAt) ? wakeAt - now() : undefined;
    if (timeout === undefined) await condition(() => changes !== seen);
    else await condition(() => changes !== seen, timeout);
    publishVisibility();
  }

  await condition(allHandlersFinished);
  state.settledAtMs = now();
  publishVisibility();
  log.info('task settled', { outerTaskId: state.spec.outerTaskId, workflowId: workflowInfo().workflowId });
  return { view: taskView(state, now(), cashierUrl), processedNotifyIds: [...state.processedNotifyIds] };
}

/**
 * The freeze payment did not arrive in time (seed 004): alipay.trade.query; a paid trade continues the task, a
 * closed one cancels it; with no clear answer, alipay.trade.cancel (close: nothing was charged; refund: bounty and
 * value-added fee go back). Anything still unresolved is put in front of an operator.
 */
async function resolveUnpaidFreeze(state: TaskState, now: () => number): Promise<void> {
  let query: Awaited<ReturnType<TaskActivities['queryFreezeTrade']>> | undefined;
  try {
    query = await trades.queryFreezeTrade({ freezeNo: state.freezeNo });
  } catch (err) {
    log.warn('trade.query gave no answer; cancelling', { outerTaskId: state.spec.outerTaskId, error: (err as Error).message });
  }
  if (state.paid) return; // the notification arrived meanwhile
  if (query?.kind === 'found' && (query.tradeStatus === 'TRADE_SUCCESS' || query.tradeStatus === 'TRADE_FINISHED')) {
    ledger.applyFreezeFoundByQuery(state, query.totalAmountFen, now());
    return;
  }
  if (query?.kind === 'found' && query.tradeStatus === 'TRADE_CLOSED') {
    ledger.cancelBeforePayment(state, 'trade_closed', now());
    return;
  }
  try {
    const cancel = await trades.cancelFreezeTrade({ freezeNo: state.freezeNo });
    if (cancel.kind === 'failed') throw new Error(`trade.cancel refused: ${cancel.code}`);
    if (state.paid && cancel.kind !== 'refunded') return;
    ledger.cancelBeforePayment(state, cancel.kind === 'closed' ? 'closed' : cancel.kind === 'refunded' ? 'refunded' : 'not_found', now());
  } catch (err) {
    state.attention.push({
      code: 'PAYMENT_UNRESOLVED',
      message: `the freeze payment did not arrive and its trade could not be resolved: ${(err as Error).message}`,
      evidence: { query },
      atMs: now(),
    });
  }
}

function pageTransfer(state: TaskState, transferNo: string): import('../activities/types').PageTransfer {
  const t = state.transfers[transferNo];
  return { transferNo, amountFen: t.grossFen, winnerAlipayUserId: t.winnerAlipayUserId, winnerNickname: t.winnerNickname };
}

/** Applies one notification; a notification the ledger cannot take is recorded for an operator, never dropped. */
function applyNotification(state: TaskState, n: TaskNotification, nowMs: number): void {
  try {
    const e = n.event;
    if (e.outerTaskId !== state.spec.outerTaskId) {
      state.attention.push({ code: 'WRONG_TASK', message: `notification for task ${e.outerTaskId} delivered to ${state.spec.outerTaskId}`, evidence: n, atMs: nowMs });
      return;
    }
    switch (e.type) {
      case 'task_freeze':
        ledger.applyFreeze(state, { freezeNo: e.outerTaskFreezeNo, amountFen: e.taskAmountFen, payerAlipayUserId: e.alipayUserId, paidAtMs: e.paidTime }, nowMs);
        return;
      case 'additional_profit_transfer':
        if (e.status !== 'S') {
          state.attention.push({ code: 'VALUE_ADDED_FEE_FAILED', message: `the value-added fee transfer failed (${e.errorCode ?? 'no code'})`, evidence: n, atMs: nowMs });
          return;
        }
        ledger.applyValueAddedFee(state, { transferNo: e.additionalProfitTransferNo, amountFen: e.amountFen }, nowMs);
        return;
      case 'task_confirm':
        ledger.applyTaskConfirm(state, { transfers: e.transfers.map((t) => ({ transferNo: t.outerTransferNo, status: t.status, amountFen: t.amountFen, errorCode: t.errorCode })) }, nowMs);
        return;
      case 'assign_transfer':
        ledger.applyAssign(state, { transferNo: e.outerTransferNo, grossFen: e.amountFen, commissionFen: e.commissionFen, winnerFen: e.winnerAmountFen, success: e.status === 'S', errorCode: e.errorCode }, nowMs);
        return;
      case 'platform_profit_transfer':
        ledger.applyPlatformProfit(state, { transferNo: e.outerTransferNo, profitFen: e.profitAmountFen, alipayFeeFen: e.alipayFeeFen, platformFen: e.platformAmountFen, success: e.status === 'S', errorCode: e.errorCode }, nowMs);
        return;
      case 'left_amount_handle':
        ledger.applyLeftAmountHandled(
          state,
          {
            refund: e.refund,
            platform: e.platform,
            successBidders: e.successBidders.map((b) => ({ transferNo: b.outerTransferNo, amountFen: b.amountFen })),
            failedBidders: e.failureBidders.map((b) => ({ transferNo: b.outerTransferNo, amountFen: b.amountFen, errorCode: b.errorCode })),
          },
          nowMs,
        );
        return;
      case 'refund_transfer':
        ledger.applyRefund(state, { serialNo: e.outerTransferNo, amountFen: e.amountFen, success: e.status === 'S' }, nowMs);
        return;
    }
  } catch (err) {
    state.attention.push({ code: 'NOTIFICATION_REFUSED', message: `${(err as Error).name}: ${(err as Error).message}`, evidence: n, atMs: nowMs });
  }
}
