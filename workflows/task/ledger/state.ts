/** A new task's state: the terms checked, the business numbers of task.create, empty books. */
import { businessNumber } from '../../../alipay/core/business-numbers';
import type { LedgerFigures, TaskTerms, TaskState } from '../types';
import { validateSpec } from './inputs';

const EMPTY_LEDGER: LedgerFigures = {
  bountyFrozenFen: 0,
  valueAddedFeePaidFen: 0,
  winnersReceivedFen: 0,
  platformReceivedFen: 0,
  alipayFeesFen: 0,
  refundedFen: 0,
  stillFrozenFen: 0,
};

export function newTaskState(spec: TaskTerms): TaskState {
  validateSpec(spec);
  return {
    spec,
    freezeNo: businessNumber(spec.outerTaskId, { kind: 'freeze' }),
    valueAddedFeeTransferNo:
      spec.valueAddedFeeFen > 0 ? businessNumber(spec.outerTaskId, { kind: 'additionalProfit' }) : undefined,
    paid: false,
    ledger: { ...EMPTY_LEDGER },
    transfers: {},
    rounds: [],
    leftovers: [],
    nextTransferIndex: 1,
    processedNotifyIds: [],
    attention: [],
    cancelled: false,
    appends: [],
    deferred: [],
    cancelUnknown: [],
    latePayments: [],
    operatorActions: [],
  };
}
