/**
 * The task ledger, driven by random sequences of operations and notifications, checked after every step against
 * a small reference model written here (its own fee arithmetic in BigInt, its own buckets), not against the
 * ledger's own invariant check. Forbidden operations must be refused and change nothing.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import * as ledger from '../../workflows/task/ledger';
import type { TaskTerms, TaskState } from '../../workflows/task/types';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const PUBLISHER = '2088000000000001';

// ---------------------------------------------------------------------------------------------- reference model

function roundHalfUp(numerator: bigint, denominator: bigint): bigint {
  return (numerator * 2n + denominator) / (denominator * 2n);
}
function refSplit(
  gross: number,
  commissionBp: number,
  feeBp: number,
): { winner: number; commission: number; fee: number; platform: number } {
  const c = roundHalfUp(BigInt(gross) * BigInt(commissionBp), 10_000n);
  const f = roundHalfUp(c * BigInt(feeBp), 10_000n);
  return { winner: Number(BigInt(gross) - c), commission: Number(c), fee: Number(f), platform: Number(c - f) };
}

interface RefTransfer {
  gross: number;
  winnerDue: number; // still to reach the winner (0 once paid)
  commissionDue: number; // still to reach the platform (0 once settled)
  live: boolean; // false once failed / cancelled / abandoned
  leftover: boolean; // planned in a leftover split (not abandoned at expiry)
  confirmed: boolean; // the publisher (task_confirm) or the admin (left_amount_handle) confirmed it
}

class Reference {
  frozenIn = 0;
  vaf = 0;
  winners = 0;
  platform = 0;
  fees = 0;
  refunded = 0;
  transfers = new Map<string, RefTransfer>();
  parts = new Map<string, { amount: number; live: boolean; platformNet?: number; fee?: number }>();
  constructor(readonly spec: TaskTerms) {}
  get stillFrozen(): number {
    return this.frozenIn - this.winners - (this.platform - this.vaf) - this.fees - this.refunded;
  }
  get earmarked(): number {
    let sum = 0;
    for (const t of this.transfers.values()) if (t.live) sum += t.winnerDue + t.commissionDue;
    for (const p of this.parts.values()) if (p.live) sum += p.amount;
    return sum;
  }
  get available(): number {
    return this.stillFrozen - this.earmarked;
  }
}

function expectFigures(state: TaskState, ref: Reference): void {
  assert.deepEqual(state.ledger, {
    bountyFrozenFen: ref.frozenIn,
    valueAddedFeePaidFen: ref.vaf,
    winnersReceivedFen: ref.winners,
    platformReceivedFen: ref.platform,
    alipayFeesFen: ref.fees,
    refundedFen: ref.refunded,
    stillFrozenFen: ref.stillFrozen,
  });
  assert.equal(ledger.availableFen(state), ref.available, 'available');
  // the five buckets add up (computed here, not by the ledger)
  const l = state.ledger;
  assert.equal(
    l.bountyFrozenFen + l.valueAddedFeePaidFen,
    l.winnersReceivedFen + l.platformReceivedFen + l.alipayFeesFen + l.refundedFen + l.stillFrozenFen,
  );
}

function refused(state: TaskState, fn: () => unknown, code?: string): void {
  const before = JSON.stringify(state);
  assert.throws(fn, (err: unknown) => err instanceof ledger.TaskRuleError && (code === undefined || err.code === code));
  assert.equal(JSON.stringify(state), before, 'a refused operation changes nothing');
}

// ---------------------------------------------------------------------------------------------- operations

type Op =
  | { op: 'freeze' }
  | { op: 'vaf' }
  | { op: 'select'; amounts: number[]; announce: boolean }
  | { op: 'confirm'; pick: number; fail: boolean[] }
  | { op: 'advance'; hours: number }
  | { op: 'payout' }
  | { op: 'cancel'; pick: number }
  | { op: 'assign'; pick: number; ok: boolean }
  | { op: 'profit'; pick: number }
  | { op: 'leftover'; refundPct: number; platformPct: number; winners: number }
  | { op: 'handled'; failFirst: boolean }
  | { op: 'refund'; ok: boolean }
  | { op: 'platformShare' }
  | { op: 'overdraw' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.constant<Op>({ op: 'freeze' }),
  fc.constant<Op>({ op: 'vaf' }),
  fc.record({
    op: fc.constant('select' as const),
    amounts: fc.array(fc.integer({ min: 1, max: 40_000 }), { minLength: 1, maxLength: 4 }),
    announce: fc.boolean(),
  }),
  fc.record({
    op: fc.constant('confirm' as const),
    pick: fc.nat(),
    fail: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
  }),
  fc.record({ op: fc.constant('advance' as const), hours: fc.integer({ min: 1, max: 24 * 12 }) }),
  fc.constant<Op>({ op: 'payout' }),
  fc.record({ op: fc.constant('cancel' as const), pick: fc.nat() }),
  fc.record({ op: fc.constant('assign' as const), pick: fc.nat(), ok: fc.boolean() }),
  fc.record({ op: fc.constant('profit' as const), pick: fc.nat() }),
  fc.record({
    op: fc.constant('leftover' as const),
    refundPct: fc.integer({ min: 0, max: 100 }),
    platformPct: fc.integer({ min: 0, max: 100 }),
    winners: fc.integer({ min: 0, max: 2 }),
  }),
  fc.record({ op: fc.constant('handled' as const), failFirst: fc.boolean() }),
  fc.record({ op: fc.constant('refund' as const), ok: fc.boolean() }),
  fc.constant<Op>({ op: 'platformShare' }),
  fc.constant<Op>({ op: 'overdraw' }),
);

const specArb = fc.record({
  bountyFen: fc.integer({ min: 1, max: 200_000 }),
  valueAddedFeeFen: fc.integer({ min: 0, max: 5_000 }),
  commissionBp: fc.integer({ min: 0, max: 3_000 }),
  alipayFeeBp: fc.integer({ min: 0, max: 2_000 }),
});

function pick<T>(items: T[], n: number): T | undefined {
  return items.length ? items[n % items.length] : undefined;
}

type SpecParams = { bountyFen: number; valueAddedFeeFen: number; commissionBp: number; alipayFeeBp: number };

export const coverage: Record<string, number> = {};

export function run(specParams: SpecParams, ops: Op[]): TaskState {
  const spec: TaskTerms = {
    outerTaskId: 'prop-task',
    title: 'property task',
    taskType: 'DESIGN',
    publisherId: 'publisher-1',
    publisherAlipayUserId: PUBLISHER,
    bountyFen: specParams.bountyFen,
    valueAddedFeeFen: specParams.valueAddedFeeFen,
    expiresAtMs: T0 + 10 * DAY,
    feeRates: { commissionBp: specParams.commissionBp, alipayFeeBp: specParams.alipayFeeBp },
  };
  const rates = spec.feeRates;
  const state = ledger.newTaskState(spec);
  const ref = new Reference(spec);
  let now = T0;
  let winnerSeq = 2;
  const winner = (): string => `2088${String(winnerSeq++).padStart(12, '0')}`;
  const byStatus = (status: string): string[] =>
    Object.values(state.transfers)
      .filter((t) => t.status === status)
      .map((t) => t.transferNo)
      .sort();

  for (const o of ops) {
    switch (o.op) {
      case 'freeze': {
        const outcome = ledger.applyFreeze(state, { freezeNo: state.freezeNo, amountFen: spec.bountyFen }, now);
        if (ref.frozenIn === 0) {
          assert.equal(outcome, 'applied');
          ref.frozenIn = spec.bountyFen;
        } else assert.equal(outcome, 'duplicate');
        break;
      }
      case 'vaf': {
        if (spec.valueAddedFeeFen === 0) break;
        const outcome = ledger.applyValueAddedFee(
          state,
          { transferNo: state.valueAddedFeeTransferNo!, amountFen: spec.valueAddedFeeFen },
          now,
        );
        if (ref.vaf === 0) {
          assert.equal(outcome, 'applied');
          ref.vaf = spec.valueAddedFeeFen;
          ref.platform += spec.valueAddedFeeFen;
        } else assert.equal(outcome, 'duplicate');
        break;
      }
      case 'select': {
        const input = {
          winners: o.amounts.map((amountFen) => ({ alipayUserId: winner(), nickname: 'w', amountFen })),
          announceEndMs: o.announce ? now + 3 * DAY : undefined,
        };
        const total = o.amounts.reduce((a, b) => a + b, 0);
        const allowed = ref.frozenIn > 0 && now < spec.expiresAtMs && total <= ref.available;
        if (!allowed) {
          refused(state, () => ledger.selectWinners(state, input, now));
          break;
        }
        const round = ledger.selectWinners(state, input, now);
        round.transferNos.forEach((no, i) => {
          const s = refSplit(o.amounts[i], rates.commissionBp, rates.alipayFeeBp);
          ref.transfers.set(no, {
            gross: o.amounts[i],
            winnerDue: s.winner,
            commissionDue: s.commission,
            live: true,
            leftover: false,
            confirmed: false,
          });
        });
        break;
      }
      case 'confirm': {
        const requested = state.rounds.filter((r) => r.status === 'requested');
        const round = pick(requested, o.pick);
        if (!round) break;
        const transfers = round.transferNos.map((no, i) => {
          const t = state.transfers[no];
          const fail = o.fail[i % 4];
          return {
            transferNo: no,
            status: fail ? ('F' as const) : round.announceEndMs === undefined ? ('I' as const) : ('W' as const),
            amountFen: t.grossFen,
          };
        });
        assert.equal(ledger.applyTaskConfirm(state, { transfers }, now), 'applied');
        for (const c of transfers) {
          ref.transfers.get(c.transferNo)!.confirmed = true;
          if (c.status === 'F') ref.transfers.get(c.transferNo)!.live = false;
        }
        assert.equal(ledger.applyTaskConfirm(state, { transfers }, now), 'duplicate', 'a resend changes nothing');
        break;
      }
      case 'advance': {
        now += o.hours * 3_600_000;
        ledger.expire(state, now);
        // at expiry, winners the publisher never confirmed are abandoned (not the admin's leftover transfers)
        if (now >= spec.expiresAtMs)
          for (const t of ref.transfers.values()) if (!t.leftover && !t.confirmed) t.live = false;
        break;
      }
      case 'payout': {
        for (const due of ledger.duePayouts(state, now)) ledger.payoutAccepted(state, due.transferNos, now);
        break;
      }
      case 'cancel': {
        const no = pick(byStatus('waiting'), o.pick);
        if (!no) {
          const paid = pick(byStatus('paid'), o.pick);
          if (paid) refused(state, () => ledger.checkCancelWinners(state, [paid], now), 'WITKEY_NOT_ALLOW');
          break;
        }
        const t = state.transfers[no];
        const end = state.rounds.find((r) => r.round === t.round)!.announceEndMs!;
        if (now >= end) {
          refused(state, () => ledger.checkCancelWinners(state, [no], now), 'WITKEY_NOT_ALLOW');
          break;
        }
        ledger.checkCancelWinners(state, [no], now);
        ledger.applyCancelResult(state, { cancelled: [no], failed: [] }, now);
        ref.transfers.get(no)!.live = false;
        break;
      }
      case 'assign': {
        const candidates = Object.values(state.transfers).filter(
          (t) => t.status === 'paying' && !t.winnerPaid && !t.commissionSettled,
        );
        const t = pick(candidates, o.pick);
        if (!t) break;
        const r = ref.transfers.get(t.transferNo)!;
        const expected = refSplit(r.gross, rates.commissionBp, rates.alipayFeeBp).winner;
        // a wrong amount is flagged and applies nothing
        const flaggedBefore = state.attention.length;
        assert.equal(
          ledger.applyAssign(state, { transferNo: t.transferNo, winnerFen: expected + 1, success: true }, now),
          'attention',
        );
        assert.equal(state.attention.length, flaggedBefore + 1);
        if (o.ok) {
          assert.equal(
            ledger.applyAssign(state, { transferNo: t.transferNo, winnerFen: expected, success: true }, now),
            'applied',
          );
          ref.winners += expected;
          r.winnerDue = 0;
          assert.equal(
            ledger.applyAssign(state, { transferNo: t.transferNo, winnerFen: expected, success: true }, now),
            'duplicate',
          );
        } else {
          assert.equal(
            ledger.applyAssign(
              state,
              { transferNo: t.transferNo, winnerFen: expected, success: false, errorCode: 'X' },
              now,
            ),
            'applied',
          );
          r.live = false;
        }
        break;
      }
      case 'profit': {
        const t = pick(
          Object.values(state.transfers).filter((x) => x.status === 'paid' && !x.commissionSettled),
          o.pick,
        );
        if (!t) break;
        const s = refSplit(ref.transfers.get(t.transferNo)!.gross, rates.commissionBp, rates.alipayFeeBp);
        assert.equal(
          ledger.applyPlatformProfit(state, { transferNo: t.transferNo, platformFen: s.platform }, now),
          'applied',
        );
        ref.platform += s.platform;
        ref.fees += s.fee;
        ref.transfers.get(t.transferNo)!.commissionDue = 0;
        break;
      }
      case 'leftover': {
        const avail = ref.available;
        const refundFen = Math.floor((avail * o.refundPct) / 200);
        const platformFen = Math.floor(((avail - refundFen) * o.platformPct) / 200);
        const rest = avail - refundFen - platformFen;
        const winners =
          o.winners > 0 && rest >= o.winners
            ? Array.from({ length: o.winners }, (_, i) => ({
                alipayUserId: winner(),
                nickname: 'late',
                amountFen: i === 0 ? rest - (o.winners - 1) : 1,
              }))
            : [];
        const input = { refundFen, platformFen, winners };
        const inFlight = [...ref.transfers.values()].some(
          (t) => t.live && t.confirmed && (t.winnerDue > 0 || t.commissionDue > 0),
        );
        const openPlan = state.leftovers.some((p) => p.status === 'planned');
        const moves = refundFen + platformFen + winners.reduce((a, w) => a + w.amountFen, 0);
        const allowed =
          ref.frozenIn > 0 && now >= spec.expiresAtMs && !inFlight && !openPlan && moves > 0 && moves <= avail;
        if (!allowed) {
          refused(state, () => ledger.planLeftover(state, input, now));
          break;
        }
        const plan = ledger.planLeftover(state, input, now);
        if (plan.refund) ref.parts.set(plan.refund.serialNo, { amount: refundFen, live: true });
        if (plan.platform) {
          const fee = Number(roundHalfUp(BigInt(platformFen) * BigInt(rates.alipayFeeBp), 10_000n));
          ref.parts.set(plan.platform.serialNo, {
            amount: platformFen,
            live: true,
            fee,
            platformNet: platformFen - fee,
          });
        }
        plan.transferNos.forEach((no, i) => {
          const s = refSplit(winners[i].amountFen, rates.commissionBp, rates.alipayFeeBp);
          ref.transfers.set(no, {
            gross: winners[i].amountFen,
            winnerDue: s.winner,
            commissionDue: s.commission,
            live: true,
            leftover: true,
            confirmed: false,
          });
        });
        break;
      }
      case 'handled': {
        const plan = state.leftovers.find((p) => p.status === 'planned');
        if (!plan) break;
        const bidders = plan.transferNos.map((no) => ({ transferNo: no, amountFen: state.transfers[no].grossFen }));
        const failed = o.failFirst ? bidders.slice(0, 1) : [];
        const ev = {
          refund: plan.refund && { serialNo: plan.refund.serialNo, amountFen: plan.refund.amountFen },
          platform: plan.platform && { serialNo: plan.platform.serialNo, amountFen: plan.platform.shareFen },
          successBidders: bidders.slice(failed.length),
          failedBidders: failed,
        };
        assert.equal(ledger.applyLeftAmountHandled(state, ev, now), 'applied');
        for (const b of bidders) ref.transfers.get(b.transferNo)!.confirmed = true;
        for (const f of failed) ref.transfers.get(f.transferNo)!.live = false;
        assert.equal(ledger.applyLeftAmountHandled(state, ev, now), 'duplicate');
        break;
      }
      case 'refund': {
        const plan = state.leftovers.find((p) => p.refund?.status === 'accepted');
        if (!plan) break;
        const part = ref.parts.get(plan.refund!.serialNo)!;
        assert.equal(
          ledger.applyRefund(state, { serialNo: plan.refund!.serialNo, amountFen: part.amount, success: o.ok }, now),
          'applied',
        );
        if (o.ok) ref.refunded += part.amount;
        part.live = false;
        break;
      }
      case 'platformShare': {
        const plan = state.leftovers.find((p) => p.platform?.status === 'accepted');
        if (!plan) break;
        const part = ref.parts.get(plan.platform!.serialNo)!;
        assert.equal(
          ledger.applyPlatformProfit(
            state,
            { transferNo: plan.platform!.serialNo, platformFen: part.platformNet! },
            now,
          ),
          'applied',
        );
        ref.platform += part.platformNet!;
        ref.fees += part.fee!;
        part.live = false;
        break;
      }
      case 'overdraw': {
        if (ref.frozenIn === 0 || now >= spec.expiresAtMs) break;
        const input = { winners: [{ alipayUserId: winner(), nickname: 'greedy', amountFen: ref.available + 1 }] };
        refused(state, () => ledger.selectWinners(state, input, now), 'WITKEY_TASK_LEF_AMOUNT_NOT_ENOUGH');
        break;
      }
    }
    expectFigures(state, ref);
    coverage[`${o.op}:${ledger.phaseOf(state, now)}`] = (coverage[`${o.op}:${ledger.phaseOf(state, now)}`] ?? 0) + 1;
  }
  return state;
}

function smallSpec(outerTaskId: string, bountyFen: number, feeRates: TaskTerms['feeRates']): TaskTerms {
  return {
    outerTaskId,
    title: 't',
    taskType: 'X',
    publisherId: 'p',
    publisherAlipayUserId: PUBLISHER,
    bountyFen,
    valueAddedFeeFen: 0,
    expiresAtMs: T0 + DAY,
    feeRates,
  };
}

describe('task ledger (property-based, against a reference model)', () => {
  test('any sequence of allowed operations conserves money; forbidden ones change nothing', () => {
    fc.assert(
      fc.property(
        specArb,
        fc.boolean(),
        fc.array(opArb, { minLength: 5, maxLength: 120, size: 'large' }),
        (spec, paidFirst, ops) => {
          run(spec, paidFirst ? [{ op: 'freeze' }, ...ops] : ops);
        },
      ),
      { numRuns: 400 },
    );
    // the runs reached the interesting places, not just the start
    for (const key of [
      'select:open',
      'confirm:announcement',
      'assign:payout',
      'cancel:open',
      'leftover:leftover',
      'refund:leftover',
      'handled:leftover',
    ]) {
      assert.ok((coverage[key] ?? 0) > 0, `no run reached ${key}: ${JSON.stringify(coverage)}`);
    }
  });

  test('a full lifecycle settles every fen of bounty and value-added fee', () => {
    const ops: Op[] = [
      { op: 'freeze' },
      { op: 'vaf' },
      { op: 'select', amounts: [30_000, 12_345], announce: true },
      { op: 'confirm', pick: 0, fail: [false, false, false, false] },
      { op: 'select', amounts: [1_000], announce: false },
      { op: 'confirm', pick: 0, fail: [false, false, false, false] },
      { op: 'assign', pick: 0, ok: true },
      { op: 'profit', pick: 0 },
      { op: 'cancel', pick: 1 },
      { op: 'advance', hours: 24 * 4 },
      { op: 'payout' },
      { op: 'assign', pick: 0, ok: true },
      { op: 'profit', pick: 0 },
      { op: 'advance', hours: 24 * 7 },
      { op: 'leftover', refundPct: 100, platformPct: 100, winners: 1 },
      { op: 'handled', failFirst: false },
      { op: 'refund', ok: true },
      { op: 'platformShare' },
      { op: 'assign', pick: 0, ok: true },
      { op: 'profit', pick: 0 },
    ];
    const state = run({ bountyFen: 100_000, valueAddedFeeFen: 2_000, commissionBp: 1_000, alipayFeeBp: 150 }, ops);
    const l = state.ledger;
    assert.equal(l.stillFrozenFen, 0, 'nothing left frozen');
    assert.equal(l.bountyFrozenFen + l.valueAddedFeePaidFen, 102_000);
    assert.equal(l.winnersReceivedFen + l.platformReceivedFen + l.alipayFeesFen + l.refundedFen, 102_000);
    assert.ok(l.refundedFen > 0 && l.winnersReceivedFen > 0 && l.alipayFeesFen > 0);
    assert.ok(ledger.moneyAtRest(state, T0 + 11 * 24 * 3_600_000));
  });

  test('the split of a transfer matches the notes: commission, winner, Alipay fee, platform', () => {
    const state = ledger.newTaskState(smallSpec('t', 100_000, { commissionBp: 1_000, alipayFeeBp: 150 }));
    ledger.applyFreeze(state, { freezeNo: state.freezeNo, amountFen: 100_000 }, T0);
    const round = ledger.selectWinners(
      state,
      { winners: [{ alipayUserId: '2088000000000009', nickname: 'a', amountFen: 12_345 }] },
      T0,
    );
    const t = state.transfers[round.transferNos[0]];
    // c = round_half_up(12345 × 0.10) = 1235 (1234.5 rounds up); f = round_half_up(1235 × 0.015) = 19 (18.525)
    assert.deepEqual([t.commissionFen, t.winnerFen, t.alipayFeeFen, t.platformFen], [1235, 11_110, 19, 1216]);
  });

  test('a winner equal to the publisher is refused', () => {
    const state = ledger.newTaskState(smallSpec('t2', 1_000, { commissionBp: 0, alipayFeeBp: 0 }));
    ledger.applyFreeze(state, { freezeNo: state.freezeNo, amountFen: 1_000 }, T0);
    refused(
      state,
      () => ledger.selectWinners(state, { winners: [{ alipayUserId: PUBLISHER, nickname: 'me', amountFen: 10 }] }, T0),
      'BIDDER_EQUALS_TASK_CREATOR_ERROR',
    );
  });
});
