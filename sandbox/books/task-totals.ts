// The money figures of one task, in fen: what came in (bounty frozen, value-added fee paid) and where it went
// (winners, platform, Alipay's fees, refunds). The services keep them on the task as they post; the conservation
// check recomputes them from the journal alone and compares.

import { frozenAccount } from './accounts';
import type { Posting, PostingReason } from './journal';

/** Per-task figures of the conservation rule (see conservation.ts), in fen. */
export interface TaskTotals {
  bountyFrozen: number;
  valueAddedPaid: number;
  winnersReceived: number;
  platformReceived: number;
  alipayFees: number;
  refunded: number;
}

export function emptyTotals(): TaskTotals {
  return { bountyFrozen: 0, valueAddedPaid: 0, winnersReceived: 0, platformReceived: 0, alipayFees: 0, refunded: 0 };
}

/** The figures as the journal tells them, plus the task's frozen balance. */
export type JournalTotals = TaskTotals & { frozen: number };

export function emptyJournalTotals(): JournalTotals {
  return { ...emptyTotals(), frozen: 0 };
}

/** Add one posting of the task (whose frozen account is `frozen`) to its figures. */
export function addPosting(t: JournalTotals, p: Posting, frozen: string): void {
  if (p.to === frozen) t.frozen += p.amountFen;
  if (p.from === frozen) t.frozen -= p.amountFen;
  switch (p.reason as PostingReason) {
    case 'freeze':
      t.bountyFrozen += p.amountFen;
      break;
    case 'value_added_fee':
      t.valueAddedPaid += p.amountFen;
      t.platformReceived += p.amountFen;
      break;
    case 'value_added_refund':
      t.platformReceived -= p.amountFen;
      t.refunded += p.amountFen;
      break;
    case 'winner_payment':
      t.winnersReceived += p.amountFen;
      break;
    case 'commission':
    case 'leftover_platform':
      t.platformReceived += p.amountFen;
      break;
    case 'alipay_fee':
      t.alipayFees += p.amountFen;
      break;
    case 'refund':
      t.refunded += p.amountFen;
      break;
    case 'deposit':
      break;
  }
}

/** The per-task figures recomputed from the journal alone (independent of the task's own counters). */
export function totalsFromJournal(journal: readonly Posting[], outerTaskId: string, partner: string): JournalTotals {
  const t = emptyJournalTotals();
  const frozen = frozenAccount(partner, outerTaskId);
  for (const p of journal) if (p.outerTaskId === outerTaskId && p.partner === partner) addPosting(t, p, frozen);
  return t;
}
