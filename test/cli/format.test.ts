/**
 * What `witkey status` prints (issue #10, 3): a cancelled task's outcome and time, a manual settlement's operator,
 * reason and time, when the bounty was paid and the task settled, every page still to be confirmed (cashier while
 * awaiting payment, task.confirm pages of requested rounds, admin pages of planned leftovers); and a terminated task
 * as terminated, with its last recorded search attributes and the warning that money may still be frozen.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TaskTerminatedError } from '../../client/tasks';
import { statusText, terminatedJson, terminatedText } from '../../cli/format';
import type { TaskView } from '../../workflows/messages';

const T0 = Date.UTC(2030, 0, 31, 10, 0, 0);

function view(over: Partial<TaskView>): TaskView {
  return {
    outerTaskId: 'T1',
    phase: 'open',
    spec: {
      outerTaskId: 'T1',
      title: 'Logo',
      taskType: 'DESIGN',
      publisherId: 'u42',
      bountyFen: 80_000,
      valueAddedFeeFen: 0,
      expiresAtMs: T0 + 30 * 86_400_000,
      feeRates: { commissionBp: 1000, alipayFeeBp: 100 },
    },
    freezeNo: 'T1FZ',
    ledger: {
      bountyFrozenFen: 80_000,
      valueAddedFeePaidFen: 0,
      winnersReceivedFen: 0,
      platformReceivedFen: 0,
      alipayFeesFen: 0,
      refundedFen: 0,
      stillFrozenFen: 80_000,
    },
    availableFen: 80_000,
    transfers: [],
    rounds: [],
    leftovers: [],
    attention: [],
    needsAttention: false,
    pendingActions: [],
    notificationsProcessed: 1,
    operatorActions: [],
    ...over,
  };
}

describe('status text', () => {
  test('a cancelled task: the outcome and when', () => {
    const text = statusText(
      view({
        phase: 'cancelled',
        ledger: { ...view({}).ledger, bountyFrozenFen: 0, stillFrozenFen: 0 },
        cancellation: { outcome: 'closed', atMs: T0 },
      }),
    );
    assert.match(
      text,
      /^ {2}cancelled {4}2030-01-31T10:00:00Z: closed — the unpaid freeze trade was closed at Alipay \(nothing charged\)$/m,
    );
  });

  test('a manually settled task: operator, reason, time, and what was still frozen; paid and settled times', () => {
    const text = statusText(
      view({
        phase: 'settled',
        paidAtMs: T0,
        settledAtMs: T0 + 7_200_000,
        manualSettlement: {
          operator: 'alice',
          reason: 'refunded through the portal',
          atMs: T0 + 3_600_000,
          stillFrozenFen: 1_250,
        },
      }),
    );
    assert.match(text, /^ {2}paid {9}2030-01-31T10:00:00Z$/m);
    assert.match(
      text,
      /^ {2}settled by hand 2030-01-31T11:00:00Z by alice: refunded through the portal \(¥12\.50 still frozen in the system's books then\)$/m,
    );
    assert.match(text, /^ {2}settled {6}2030-01-31T12:00:00Z$/m);
  });

  test('every page still to be confirmed: cashier while awaiting payment, requested rounds, planned leftovers', () => {
    const awaiting = statusText(view({ phase: 'awaiting_payment', cashierUrl: 'https://gw/cashier?x=1' }));
    assert.match(awaiting, /^ {2}to confirm:\n {4}cashier \(the publisher pays\): https:\/\/gw\/cashier\?x=1$/m);
    const open = statusText(
      view({
        cashierUrl: 'https://gw/cashier?x=1',
        rounds: [
          { round: 1, transferNos: ['T1T1'], status: 'confirmed', confirmUrl: 'https://gw/confirm?r=1' },
          {
            round: 2,
            transferNos: ['T1T2'],
            status: 'requested',
            confirmUrl: 'https://gw/confirm?r=2',
            announceEndMs: T0,
          },
        ],
        leftovers: [
          {
            round: 1,
            transferNos: [],
            status: 'planned',
            refund: { serialNo: 'T1RF1', amountFen: 100, status: 'planned' },
            adminPage: {
              action: 'https://gw/gateway.do',
              method: 'POST',
              fields: { service: 'alipay.witkey.task.left.amount.handle', _input_charset: 'gbk' },
            },
          },
        ],
      }),
    );
    assert.doesNotMatch(open, /cashier \(the publisher pays\)/, 'paid: the cashier is not a page to confirm');
    assert.doesNotMatch(open, /confirm\?r=1/, 'a confirmed round is not a page to confirm');
    assert.match(open, /^ {4}round 2 task\.confirm \(the publisher confirms\): https:\/\/gw\/confirm\?r=2$/m);
    assert.match(
      open,
      /^ {4}leftover 1 left\.amount\.handle \(the administrator submits\): POST https:\/\/gw\/gateway\.do\n {6}service=alipay\.witkey\.task\.left\.amount\.handle\n {6}_input_charset=gbk$/m,
    );
  });

  test('a terminated task is shown as terminated, with its last recorded attributes and the warning', () => {
    const last = view({ phase: 'awaiting_payment' });
    const err = new TaskTerminatedError(
      'T1',
      'TERMINATED',
      { phase: 'awaiting_payment', amountFen: 80_000, needsAttention: false },
      last,
      T0,
    );
    const text = terminatedText(err);
    assert.match(text, /^task T1: Logo$/m);
    assert.match(
      text,
      /^ {2}phase {8}terminated \(workflow TERMINATED at 2030-01-31T10:00:00Z; last recorded phase awaiting_payment\)$/m,
    );
    assert.match(
      text,
      /^ {2}WARNING {6}the workflow no longer runs and moves no money: money may still be frozen at Alipay/m,
    );
    assert.match(
      text,
      /^ {2}last recorded WitkeyPhase=awaiting_payment WitkeyAmountFen=80000 \(¥800\.00\) WitkeyNeedsAttention=false$/m,
    );
    assert.match(text, /last known state/);
    assert.doesNotMatch(text, /^ {2}phase {8}awaiting_payment/m, 'never shown as if alive');
    const j = terminatedJson(err);
    assert.equal(j.phase, 'terminated');
    assert.equal(j.workflowStatus, 'TERMINATED');
    assert.deepEqual(j.lastRecorded, { phase: 'awaiting_payment', amountFen: 80_000, needsAttention: false });
    assert.equal(j.lastView?.phase, 'awaiting_payment');
    assert.match(j.warning, /money may still be frozen/);
    const bare = terminatedText(new TaskTerminatedError('T2', 'FAILED', { phase: 'open', amountFen: 100 }));
    assert.match(bare, /^task T2: terminated\n {2}phase {8}terminated \(workflow FAILED; last recorded phase open\)/);
  });
});
