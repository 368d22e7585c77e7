// What the page of a page interface shows: the cashier (task.create), the publisher's authorisation (amount.append,
// task.confirm) and the administrator's confirmation (left.amount.handle), as title and lines of amounts in yuan.

import type { AnyWitkeyRequest } from '../../alipay/core/services';
import type { VerifiedMapiRequest } from '../../alipay/mapi-request';
import type { PageSummary } from './outcomes';

export function pageSummary(read: AnyWitkeyRequest, req: VerifiedMapiRequest): PageSummary {
  const yuan = (fen: number): string => `${(fen - (fen % 100)) / 100}.${String(fen % 100).padStart(2, '0')} yuan`;
  switch (read.service) {
    case 'alipay.witkey.task.create':
    case 'alipay.witkey.task.amount.append': {
      const r = read.request;
      return {
        title:
          read.service === 'alipay.witkey.task.create'
            ? 'Alipay cashier: freeze the bounty'
            : 'Alipay: add to the bounty',
        lines: [
          ['Task', r.outerTaskId],
          ['Freeze number', r.outerTaskFreezeNo],
          ['Bounty', yuan(r.taskAmountFen)],
          ['Value-added fee', yuan(r.additionalProfitAmountFen ?? 0)],
          ['Total to pay', yuan(r.taskAmountFen + (r.additionalProfitAmountFen ?? 0))],
          ['Publisher (site user)', r.outerAccountId],
        ],
      };
    }
    case 'alipay.witkey.task.confirm':
      return {
        title: 'Alipay: confirm the winners',
        lines: [
          ['Task', read.request.outerTaskId],
          [
            'Announcement ends',
            read.request.announcePeriodEnd === undefined
              ? 'no announcement: pay at once'
              : new Date(read.request.announcePeriodEnd).toISOString(),
          ],
          ...read.request.transfers.map((t): [string, string] => [
            `Winner ${t.outerTransferNo}`,
            `${t.nickname} (${t.alipayUserId}): ${yuan(t.amountFen)}`,
          ]),
        ],
      };
    case 'alipay.witkey.task.left.amount.handle':
      return {
        title: 'Alipay: handle the leftover bounty (platform administrator)',
        lines: [
          ['Task', read.request.outerTaskId],
          [
            'Refund to the publisher',
            read.request.refund ? `${read.request.refund.serialNo}: ${yuan(read.request.refund.amountFen)}` : '-',
          ],
          [
            'Platform share',
            read.request.platform ? `${read.request.platform.serialNo}: ${yuan(read.request.platform.amountFen)}` : '-',
          ],
          ...(read.request.transfers ?? []).map((t): [string, string] => [
            `Winner ${t.outerTransferNo}`,
            `${t.nickname} (${t.alipayUserId}): ${yuan(t.amountFen)}`,
          ]),
        ],
      };
    default:
      return { title: req.service, lines: [] };
  }
}
