/**
 * Random ledger operations in any order, as the workflow may interleave them (a notification, an update or an
 * operator action can arrive while another step waits on Alipay): every notification, request, withdrawal, payout,
 * expiry, amount.append and cancellation, with inputs mostly valid so the runs reach deep states. What the
 * workflow does outside the ledger (settling by hand, closing, reopening) is done here directly, the same way.
 */
import fc from 'fast-check';
import * as ledger from '../../workflows/task/ledger';
import type { TaskState, TaskTerms } from '../../workflows/task/types';

const HOUR = 3_600_000;
export const T0 = Date.UTC(2026, 0, 1);
const PUBLISHER = '2088000000000001';

export type LedgerOp =
  | { op: 'freeze' | 'freezeByQuery' | 'vaf' | 'payout' | 'expire' | 'latePaymentRefund' | 'flagWaits' }
  | { op: 'settleByHand' | 'close' | 'reopen' }
  | { op: 'advance'; hours: number }
  | { op: 'select'; amounts: number[]; announce: boolean }
  | { op: 'confirm'; pick: number; fail: boolean[] }
  | { op: 'assign' | 'profit'; pick: number; ok: boolean }
  | { op: 'cancel' | 'hold' | 'withdrawRound' | 'withdrawLeftover'; pick: number }
  | { op: 'resolveHeld'; pick: number; pay: boolean }
  | { op: 'leftover'; refundPct: number; platformPct: number; winners: number }
  | { op: 'handled'; pick: number; failFirst: boolean }
  | { op: 'refund' | 'platformShare'; pick: number; ok: boolean }
  | { op: 'extend'; addBountyFen: number; addVafFen: number; days: number }
  | { op: 'appendPaid' | 'appendVaf'; pick: number }
  | { op: 'resolveAppend'; pick: number; outcome: 'paid' | 'closed' | 'refunded' }
  | { op: 'cancelUnpaid'; outcome: 'closed' | 'refunded' | 'not_found' | 'trade_closed' };

const pick = fc.nat(20);
/** A share of what is free: often all or nothing, so that runs also end with nothing left frozen. */
const percent = fc.oneof(fc.constantFrom(0, 100), fc.integer({ min: 0, max: 100 }));
const common: fc.Arbitrary<LedgerOp>[] = [
  fc.constantFrom<LedgerOp>(
    { op: 'freeze' },
    { op: 'freezeByQuery' },
    { op: 'vaf' },
    { op: 'payout' },
    { op: 'expire' },
    { op: 'latePaymentRefund' },
    { op: 'flagWaits' },
  ),
  fc.record({ op: fc.constant('advance' as const), hours: fc.integer({ min: 1, max: 24 * 3 }) }),
  fc.record({
    op: fc.constant('select' as const),
    amounts: fc.array(fc.integer({ min: 1, max: 30_000 }), { minLength: 1, maxLength: 3 }),
    announce: fc.boolean(),
  }),
  fc.record({
    op: fc.constant('confirm' as const),
    pick,
    fail: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
  }),
  fc.record({ op: fc.constantFrom('assign' as const, 'profit' as const), pick, ok: fc.boolean() }),
  fc.record({
    op: fc.constantFrom('cancel' as const, 'hold' as const, 'withdrawRound' as const, 'withdrawLeftover' as const),
    pick,
  }),
  fc.record({ op: fc.constant('resolveHeld' as const), pick, pay: fc.boolean() }),
  fc.record({
    op: fc.constant('leftover' as const),
    refundPct: percent,
    platformPct: percent,
    winners: fc.integer({ min: 0, max: 2 }),
  }),
  fc.record({ op: fc.constant('handled' as const), pick, failFirst: fc.boolean() }),
  fc.record({ op: fc.constantFrom('refund' as const, 'platformShare' as const), pick, ok: fc.boolean() }),
];
/** The ends of a task, and appends (a requested append keeps a task from closing): rare. */
const rare: fc.Arbitrary<LedgerOp>[] = [
  fc.record({
    op: fc.constant('extend' as const),
    addBountyFen: fc.integer({ min: 0, max: 20_000 }),
    addVafFen: fc.integer({ min: 0, max: 500 }),
    days: fc.integer({ min: 0, max: 5 }),
  }),
  fc.record({ op: fc.constantFrom('appendPaid' as const, 'appendVaf' as const), pick }),
  fc.record({
    op: fc.constant('resolveAppend' as const),
    pick,
    outcome: fc.constantFrom('paid', 'closed', 'refunded'),
  }),
  fc.constantFrom<LedgerOp>({ op: 'settleByHand' }, { op: 'close' }, { op: 'reopen' }),
  fc.record({
    op: fc.constant('cancelUnpaid' as const),
    outcome: fc.constantFrom('closed', 'refunded', 'not_found', 'trade_closed'),
  }),
];
export const ledgerOpArb: fc.Arbitrary<LedgerOp> = fc.oneof(
  ...common.map((arbitrary) => ({ arbitrary, weight: 10 })),
  ...rare.map((arbitrary) => ({ arbitrary, weight: 2 })),
);

/** A run: most tasks are paid at once (the interesting moves come after the freeze). */
export const ledgerRunArb = fc.record({
  bountyFen: fc.integer({ min: 1, max: 60_000 }),
  valueAddedFeeFen: fc.integer({ min: 0, max: 3_000 }),
  paidFirst: fc.boolean(),
  ops: fc.array(ledgerOpArb, { minLength: 5, maxLength: 150 }),
});

function choose<T>(items: T[], n: number): T | undefined {
  return items.length ? items[n % items.length] : undefined;
}

export function newTask(bountyFen: number, valueAddedFeeFen: number): TaskState {
  const terms: TaskTerms = {
    outerTaskId: 'graph-task',
    title: 'status graph task',
    taskType: 'DESIGN',
    publisherId: 'publisher-1',
    publisherAlipayUserId: PUBLISHER,
    bountyFen,
    valueAddedFeeFen,
    expiresAtMs: T0 + 5 * 24 * HOUR,
    feeRates: { commissionBp: 1_000, alipayFeeBp: 150 },
  };
  return ledger.newTaskState(terms);
}

/** Called after each operation that ran (refused ones included) with the state before it and the time. */
export type StepObserver = (op: LedgerOp, before: TaskState, after: TaskState, nowMs: number) => void;

/**
 * Runs the operations on the state. A refused operation (TaskRuleError) and a transition caught breaking the
 * money invariant (ConservationError) change nothing and the run goes on; any other error (a StatusMoveError
 * above all) is thrown.
 */
export function runOps(state: TaskState, ops: LedgerOp[], observe?: StepObserver): { refused: number } {
  let now = T0;
  let seq = 2;
  let refused = 0;
  for (const o of ops) {
    const before = observe && (JSON.parse(JSON.stringify(state)) as TaskState);
    try {
      now = apply(state, o, now, () => `2088${String(seq++).padStart(12, '0')}`);
    } catch (err) {
      if (err instanceof ledger.TaskRuleError || err instanceof ledger.ConservationError) refused += 1;
      else throw err;
    }
    if (observe && before) observe(o, before, state, now);
  }
  return { refused };
}

function apply(state: TaskState, o: LedgerOp, now: number, winner: () => string): number {
  const transfers = (...statuses: string[]): string[] =>
    Object.values(state.transfers)
      .filter((t) => statuses.includes(t.status))
      .map((t) => t.transferNo);
  switch (o.op) {
    case 'advance':
      return now + o.hours * HOUR;
    case 'freeze':
      ledger.applyFreeze(state, { freezeNo: state.freezeNo, amountFen: state.spec.bountyFen }, now);
      break;
    case 'freezeByQuery':
      ledger.applyFreezeFoundByQuery(state, undefined, now);
      break;
    case 'vaf':
      if (state.valueAddedFeeTransferNo)
        ledger.applyValueAddedFee(
          state,
          { transferNo: state.valueAddedFeeTransferNo, amountFen: state.spec.valueAddedFeeFen },
          now,
        );
      break;
    case 'select': {
      const winners = o.amounts.map((amountFen) => ({ alipayUserId: winner(), nickname: 'w', amountFen }));
      ledger.selectWinners(state, { winners, announceEndMs: o.announce ? now + 24 * HOUR : undefined }, now);
      break;
    }
    case 'confirm': {
      const round = choose(state.rounds, o.pick);
      if (!round) break;
      const transfers = round.transferNos.map((no, i) => ({
        transferNo: no,
        status: o.fail[i % 3] ? ('F' as const) : round.announceEndMs === undefined ? ('I' as const) : ('W' as const),
        amountFen: state.transfers[no].grossFen,
      }));
      ledger.applyTaskConfirm(state, { transfers }, now);
      break;
    }
    case 'payout':
      for (const due of ledger.duePayouts(state, now)) ledger.payoutAccepted(state, due.transferNos, now);
      break;
    case 'expire':
      ledger.expire(state, now);
      break;
    case 'assign': {
      const t = state.transfers[choose(transfers('requested', 'waiting', 'paying', 'paid'), o.pick) ?? ''];
      if (t) ledger.applyAssign(state, { transferNo: t.transferNo, winnerFen: t.winnerFen, success: o.ok }, now);
      break;
    }
    case 'profit': {
      const t = state.transfers[choose(transfers('requested', 'waiting', 'paying', 'paid'), o.pick) ?? ''];
      if (t)
        ledger.applyPlatformProfit(
          state,
          { transferNo: t.transferNo, platformFen: t.platformFen, success: o.ok ? undefined : false },
          now,
        );
      break;
    }
    case 'cancel': {
      const no = choose(transfers('waiting', 'paying'), o.pick);
      if (no) ledger.applyCancelResult(state, { cancelled: [no], failed: [] }, now);
      break;
    }
    case 'hold': {
      const no = choose(transfers('waiting'), o.pick);
      if (no) ledger.holdPayout(state, no, 'the cancellation is unknown', now);
      break;
    }
    case 'resolveHeld': {
      const held = Object.values(state.transfers).filter((t) => t.payoutHeld);
      const t = choose(held, o.pick);
      if (t) ledger.resolveHeldTransfer(state, t.transferNo, o.pay ? 'pay' : 'cancelled');
      break;
    }
    case 'withdrawRound': {
      const round = choose(state.rounds, o.pick);
      if (round) ledger.withdrawRound(state, round.round, o.pick % 2 ? { operator: 'op', atMs: now } : undefined);
      break;
    }
    case 'withdrawLeftover': {
      const plan = choose(state.leftovers, o.pick);
      if (plan) ledger.withdrawLeftover(state, plan.round);
      break;
    }
    case 'leftover': {
      const free = ledger.availableFen(state);
      const refundFen = Math.floor((free * o.refundPct) / 100);
      const platformFen = Math.floor(((free - refundFen) * o.platformPct) / 100);
      const rest = free - refundFen - platformFen;
      const winners =
        o.winners > 0 && rest >= o.winners
          ? Array.from({ length: o.winners }, (_, i) => ({
              alipayUserId: winner(),
              nickname: 'late',
              amountFen: i === 0 ? rest - (o.winners - 1) : 1,
            }))
          : [];
      ledger.planLeftover(state, { refundFen, platformFen, winners }, now);
      break;
    }
    case 'handled': {
      const plan = choose(state.leftovers, o.pick);
      if (!plan) break;
      const bidders = plan.transferNos.map((no) => ({ transferNo: no, amountFen: state.transfers[no].grossFen }));
      const failed = o.failFirst ? bidders.slice(0, 1) : [];
      ledger.applyLeftAmountHandled(
        state,
        {
          refund: plan.refund && { serialNo: plan.refund.serialNo, amountFen: plan.refund.amountFen },
          platform: plan.platform && { serialNo: plan.platform.serialNo, amountFen: plan.platform.shareFen },
          successBidders: bidders.slice(failed.length),
          failedBidders: failed,
        },
        now,
      );
      break;
    }
    case 'refund': {
      const plan = choose(
        state.leftovers.filter((p) => p.refund),
        o.pick,
      );
      if (plan?.refund)
        ledger.applyRefund(
          state,
          { serialNo: plan.refund.serialNo, amountFen: plan.refund.amountFen, success: o.ok },
          now,
        );
      break;
    }
    case 'platformShare': {
      const plan = choose(
        state.leftovers.filter((p) => p.platform),
        o.pick,
      );
      if (plan?.platform)
        ledger.applyPlatformProfit(
          state,
          {
            transferNo: plan.platform.serialNo,
            platformFen: plan.platform.platformFen,
            success: o.ok ? undefined : false,
          },
          now,
        );
      break;
    }
    case 'extend': {
      const newExpiresAtMs = state.spec.expiresAtMs + o.days * 24 * HOUR;
      ledger.requestAppend(
        state,
        { addBountyFen: o.addBountyFen, addValueAddedFeeFen: o.addVafFen, newExpiresAtMs },
        now,
      );
      break;
    }
    case 'appendPaid': {
      const a = choose(state.appends, o.pick);
      if (a) ledger.applyFreeze(state, { freezeNo: a.freezeNo, amountFen: a.addBountyFen }, now);
      break;
    }
    case 'appendVaf': {
      const a = choose(
        state.appends.filter((x) => x.valueAddedFeeTransferNo),
        o.pick,
      );
      if (a)
        ledger.applyValueAddedFee(
          state,
          { transferNo: a.valueAddedFeeTransferNo!, amountFen: a.addValueAddedFeeFen },
          now,
        );
      break;
    }
    case 'resolveAppend': {
      const a = choose(state.appends, o.pick);
      if (a) ledger.resolveAppend(state, a.append, o.outcome, undefined, now);
      break;
    }
    case 'cancelUnpaid':
      ledger.cancelBeforePayment(state, o.outcome, now);
      break;
    case 'latePaymentRefund':
      ledger.recordLatePaymentRefund(state, state.freezeNo);
      break;
    case 'flagWaits':
      ledger.flagOverdue(state, 24 * HOUR, now);
      ledger.flagLeftoverWaits(state, 24 * HOUR, now);
      break;
    // what the workflow does itself: an operator's manual settlement, closing, and reopening on a late message
    case 'settleByHand':
      state.manualSettlement = {
        operator: 'op',
        reason: 'test',
        atMs: now,
        stillFrozenFen: state.ledger.stillFrozenFen,
      };
      break;
    case 'close':
      if (ledger.moneyAtRest(state, now)) state.settledAtMs = now;
      break;
    case 'reopen':
      state.settledAtMs = undefined;
      break;
  }
  return now;
}
