/**
 * Recording fake activities for workflow tests: every gateway call is recorded, and each answer can be set by the
 * test (including failures of a given class, as the real activities throw them).
 */
import { ApplicationFailure } from '@temporalio/common';
import type { FreezeTradeCancel, FreezeTradeQuery, TaskActivities } from '../../activities/types';

export class FakeGateway {
  payouts: string[][] = [];
  cancels: string[][] = [];
  pages: string[] = [];
  queries: string[] = [];
  tradeCancels: string[] = [];
  tradeQuery: FreezeTradeQuery = { kind: 'not_found' };
  tradeCancel: FreezeTradeCancel = { kind: 'no_action' };
  /** When set, confirm.by.platform fails with this ApplicationFailure type (non-retryable). */
  payoutFailure?: string;
  audits: string[] = [];
  /** While set, writing the audit record fails (e.g. a full disk); every attempt is counted. */
  auditBroken?: string;
  auditAttempts = 0;
  /** When set, confirm.by.platform waits for it (a payout at the gateway); payoutCalls counts calls started. */
  payoutGate?: Promise<void>;
  payoutCalls = 0;
  /** cancel.confirm.by.platform's behaviour: 'ok' cancels; 'unknown' fails like a lost reply; 'refuse' answers WITKEY_NOT_ALLOW. */
  cancelBehaviour: 'ok' | 'unknown' | 'refuse' = 'ok';
  cancelCalls = 0;
  /** When set, cancel.confirm.by.platform waits for it (a cancellation under way at the gateway). */
  cancelGate?: Promise<void>;

  activities(): TaskActivities {
    return {
      createTaskPage: async ({ freezeNo }) => {
        this.pages.push(`create:${freezeNo}`);
        return {
          url: `https://gateway.test/gateway.do?service=alipay.witkey.task.create&outer_task_freeze_no=${freezeNo}&n=${this.pages.length}`,
          requestHash: 'h',
        };
      },
      createConfirmPage: async ({ transfers }) => {
        this.pages.push(`confirm:${transfers.map((t) => t.transferNo).join(',')}`);
        return {
          url: `https://gateway.test/confirm?${transfers.map((t) => t.transferNo).join(',')}`,
          requestHash: 'h',
        };
      },
      createAppendPage: async ({ freezeNo }) => {
        this.pages.push(`append:${freezeNo}`);
        return { url: `https://gateway.test/append?${freezeNo}`, requestHash: 'h' };
      },
      confirmByPlatform: async ({ transferNos }) => {
        this.payoutCalls += 1;
        if (this.payoutGate) await this.payoutGate;
        if (this.payoutFailure)
          throw ApplicationFailure.nonRetryable(
            `confirm.by.platform: gateway refused: ILLEGAL_PARTNER`,
            this.payoutFailure,
          );
        this.payouts.push(transferNos);
        return { requestHash: 'h', alreadyDone: false };
      },
      cancelConfirmByPlatform: async ({ transferNos }) => {
        this.cancelCalls += 1;
        if (this.cancelGate) await this.cancelGate;
        if (this.cancelBehaviour === 'unknown')
          throw new Error('cancel.confirm.by.platform: socket hang up (outcome unknown)');
        if (this.cancelBehaviour === 'refuse')
          return {
            cancelled: [],
            failed: transferNos.map((transferNo) => ({ transferNo, errorCode: 'WITKEY_NOT_ALLOW' })),
            requestHash: 'h',
          };
        this.cancels.push(transferNos);
        return { cancelled: transferNos, failed: [], requestHash: 'h' };
      },
      queryFreezeTrade: async ({ freezeNo }) => {
        this.queries.push(freezeNo);
        return this.tradeQuery;
      },
      cancelFreezeTrade: async ({ freezeNo }) => {
        this.tradeCancels.push(freezeNo);
        return this.tradeCancel;
      },
      writeAuditRecord: async ({ outerTaskId }) => {
        this.auditAttempts += 1;
        if (this.auditBroken) throw new Error(this.auditBroken);
        this.audits.push(outerTaskId);
        return { path: `memory:${outerTaskId}` };
      },
      createLeftoverPage: async () => ({
        page: {
          action: 'https://gateway.test/gateway.do',
          method: 'POST',
          fields: { service: 'alipay.witkey.task.left.amount.handle' },
        },
        requestHash: 'h',
      }),
    };
  }
}
