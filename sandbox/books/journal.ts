// The journal of the emulated bank, in integer fen: double entry, every posting moves an amount from one account to
// another (account names in accounts.ts). Postings are never changed; balances follow them.

import { assertFen } from '../../alipay/core/money';

/** One posting of the double-entry journal: `amountFen` moves from `from` to `to`. */
export interface Posting {
  readonly seq: number;
  /** Sandbox clock, ms. */
  readonly at: number;
  readonly from: string;
  readonly to: string;
  readonly amountFen: number;
  readonly partner: string;
  readonly outerTaskId: string;
  /** What caused it: "freeze", "value_added_fee", "winner_payment", "commission", "alipay_fee", "refund", ... */
  readonly reason: string;
  /** The business number behind it (freeze no, transfer no, serial). */
  readonly ref: string;
}

export type PostingReason =
  | 'deposit'
  | 'freeze'
  | 'value_added_fee'
  | 'winner_payment'
  | 'commission'
  | 'alipay_fee'
  | 'leftover_platform'
  | 'refund'
  | 'value_added_refund';

/** The part of the sandbox's state that is the bank's books: balances and the journal of postings. */
export interface Books {
  seq: number;
  accounts: Record<string, number>;
  journal: Posting[];
}

/** Move money. Zero amounts are not recorded. */
export function post(
  state: Books,
  at: number,
  p: {
    from: string;
    to: string;
    amountFen: number;
    partner: string;
    outerTaskId: string;
    reason: PostingReason;
    ref: string;
  },
): void {
  assertFen(p.amountFen, p.reason);
  if (p.amountFen === 0) return;
  if (p.from === p.to) throw new Error(`posting from and to the same account ${p.from}`);
  state.seq += 1;
  const posting: Posting = { seq: state.seq, at, ...p };
  state.journal.push(posting);
  state.accounts[p.from] = (state.accounts[p.from] ?? 0) - p.amountFen;
  state.accounts[p.to] = (state.accounts[p.to] ?? 0) + p.amountFen;
}
