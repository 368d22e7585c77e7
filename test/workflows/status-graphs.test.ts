/**
 * The status graphs of the ledger (workflows/task/ledger/status-graphs.ts): a transition that moves a record or the
 * phase outside its graph is refused and changes nothing, and random sequences of ledger operations, in any order
 * the workflow may interleave them, never make such a move.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import * as ledger from '../../workflows/task/ledger';
import type { TaskState } from '../../workflows/task/types';
import { ledgerRunArb, newTask, runOps, T0, type LedgerOp } from './ledger-ops';

function refusedMove(state: TaskState, nowMs: number | undefined, fn: (s: TaskState) => void, message: RegExp): void {
  const before = JSON.stringify(state);
  assert.throws(
    () => (nowMs === undefined ? ledger.transition(state, fn) : ledger.transition(state, nowMs, fn)),
    (err: unknown) => err instanceof ledger.StatusMoveError && message.test(err.message),
  );
  assert.equal(JSON.stringify(state), before, 'a refused move changes nothing');
}

function taskWithRound(): { state: TaskState; transferNo: string } {
  const state = newTask(10_000, 0);
  runOps(state, [{ op: 'freeze' }, { op: 'select', amounts: [1_000, 2_000], announce: true }]);
  return { state, transferNo: state.rounds[0].transferNos[0] };
}

describe('status graphs', () => {
  test('a move outside the transfer graph is refused, naming the transfer, from and to; nothing is committed', () => {
    const { state, transferNo } = taskWithRound();
    refusedMove(
      state,
      T0,
      (s) => {
        s.ledger.winnersReceivedFen += 0; // a change beside it is not committed either
        s.attention.push({ code: 'X', message: 'x', atMs: T0 });
        s.transfers[transferNo].status = 'paid';
      },
      new RegExp(`^transfer ${transferNo}: requested -> paid is not a move of its status graph$`),
    );
    assert.equal(state.attention.length, 0);
  });

  test('rounds, leftover plans, appends and records that disappear are checked too', () => {
    const { state, transferNo } = taskWithRound();
    refusedMove(
      state,
      T0,
      (s) => void (s.rounds[0].status = 'payout_started'),
      /^round 1: requested -> payout_started/,
    );
    refusedMove(
      state,
      T0,
      (s) => void delete s.transfers[transferNo],
      new RegExp(`^transfer ${transferNo}: requested -> \\(none\\)`),
    );
    refusedMove(
      state,
      T0,
      (s) => void s.rounds.push({ round: 2, transferNos: [], status: 'confirmed' }),
      /^round 2: \(none\) -> confirmed/,
    );
    ledger.requestAppend(state, { addBountyFen: 100, newExpiresAtMs: state.spec.expiresAtMs }, T0);
    ledger.resolveAppend(state, 1, 'closed', undefined, T0);
    refusedMove(state, T0, (s) => void (s.appends[0].status = 'paid'), /^append 1: cancelled -> paid/);
  });

  test('the phase: a paid task does not go back to awaiting payment, a cancelled one stays cancelled', () => {
    const { state } = taskWithRound();
    refusedMove(state, T0, (s) => void (s.paid = false), /^phase task: open -> awaiting_payment/);
    // a transition that knows no time is checked on both sides of the deadline
    refusedMove(state, undefined, (s) => void (s.paid = false), /^phase task: .* -> awaiting_payment/);
    const cancelled = newTask(1_000, 0);
    ledger.cancelBeforePayment(cancelled, 'closed', T0);
    refusedMove(cancelled, T0, (s) => void (s.cancelled = false), /^phase task: cancelled -> awaiting_payment/);
  });

  test('random sequences of ledger operations never make a move outside the graphs', () => {
    const seen = new Set<string>();
    const observe = (op: LedgerOp, before: TaskState, after: TaskState, nowMs: number): void => {
      // what the workflow does beside the ledger (settling by hand, closing) is not a transition
      if (op.op === 'settleByHand' || op.op === 'close' || op.op === 'reopen') return;
      for (const m of ledger.statusMoves(before, after, nowMs)) seen.add(`${m.entity}: ${m.from} -> ${m.to}`);
    };
    fc.assert(
      fc.property(ledgerRunArb, (run) => {
        const state = newTask(run.bountyFen, run.valueAddedFeeFen);
        // a StatusMoveError thrown by a transition fails the property
        runOps(state, run.paidFirst ? [{ op: 'freeze' }, ...run.ops] : run.ops, observe);
      }),
      { numRuns: 8_000, seed: 20_261_130 },
    );
    // the runs went deep: withdrawals reinstated, appends paid, deadlines moved
    for (const move of [
      'phase: expired -> open',
      'leftover plan: withdrawn -> accepted',
      'round: abandoned -> confirmed',
      'transfer: abandoned -> waiting',
      'append: requested -> paid',
    ])
      assert.ok(seen.has(move), `no run made the move ${move}: ${[...seen].sort().join('; ')}`);
  });

  test('moves that random runs rarely make: all money paid out or refunded, a pending append closed', () => {
    const moves = (entity: string, ops: LedgerOp[]): string[] => {
      const out: string[] = [];
      runOps(newTask(1_000, 0), ops, (_op, before, after, nowMs) => {
        for (const m of ledger.statusMoves(before, after, nowMs))
          if (m.entity === entity) out.push(`${m.from} -> ${m.to}`);
      });
      return out;
    };
    const paidOut: LedgerOp[] = [
      { op: 'freeze' },
      { op: 'select', amounts: [1_000], announce: false },
      { op: 'confirm', pick: 0, fail: [false, false, false] },
      { op: 'assign', pick: 0, ok: true },
    ];
    assert.deepEqual(moves('phase', [...paidOut, { op: 'advance', hours: 200 }, { op: 'profit', pick: 0, ok: true }]), [
      'awaiting_payment -> open',
      'open -> payout',
      'payout -> closing',
    ]);
    const appendPending: LedgerOp[] = [
      ...paidOut,
      { op: 'extend', addBountyFen: 0, addVafFen: 0, days: 1 },
      { op: 'advance', hours: 200 },
      { op: 'profit', pick: 0, ok: true },
      { op: 'resolveAppend', pick: 0, outcome: 'closed' },
      { op: 'cancelUnpaid', outcome: 'refunded' },
    ];
    assert.deepEqual(moves('phase', appendPending).slice(-3), [
      'payout -> expired',
      'expired -> closing',
      'closing -> cancelled',
    ]);
    const refunded: LedgerOp[] = [
      { op: 'freeze' },
      { op: 'advance', hours: 200 },
      { op: 'leftover', refundPct: 100, platformPct: 0, winners: 0 },
    ];
    const handledThenRefunded: LedgerOp[] = [
      ...refunded,
      { op: 'handled', pick: 0, failFirst: false },
      { op: 'refund', pick: 0, ok: true },
    ];
    assert.deepEqual(moves('phase', handledThenRefunded).slice(-1), ['leftover -> closing']);
    // the refund's own notification came before left_amount_handle, then the plan was withdrawn (see the graph)
    const refundedThenWithdrawn: LedgerOp[] = [
      ...refunded,
      { op: 'refund', pick: 0, ok: true },
      { op: 'withdrawLeftover', pick: 0 },
    ];
    assert.deepEqual(moves('leftover part', refundedThenWithdrawn), [
      'undefined -> planned',
      'planned -> done',
      'done -> failed',
    ]);
  });
});
