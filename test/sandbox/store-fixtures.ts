// Store-level fixtures of the state-store tests: a conserved task published in one mutation (its bounty deposited
// and frozen), without the gateway.

import { EXTERNAL, frozenAccount, publisherAccount } from '../../sandbox/books/accounts';
import { post } from '../../sandbox/books/journal';
import { emptyTotals } from '../../sandbox/books/task-totals';
import type { SandboxState } from '../../sandbox';

export const PARTNER = '2088000000000001';

export const taskKey = (id: string): string => `${PARTNER}:${id}`;

/** Record task `id` with `fen` deposited by its publisher and frozen for it. */
export function publishTask(s: SandboxState, id: string, fen = 1000): void {
  const ref = { partner: PARTNER, outerTaskId: id, ref: `${id}FZ` };
  s.tasks[taskKey(id)] = {
    outerTaskId: id,
    partner: PARTNER,
    outerAccountId: 'publisher',
    title: `task ${id}`,
    type: 'T',
    expiresAt: 0,
    status: 'OPEN',
    freezes: [],
    committedFen: 0,
    totals: { ...emptyTotals(), bountyFrozen: fen },
    createdAt: 0,
  };
  post(s, 0, { ...ref, from: EXTERNAL, to: publisherAccount('u1'), amountFen: fen, reason: 'deposit' });
  post(s, 0, {
    ...ref,
    from: publisherAccount('u1'),
    to: frozenAccount(PARTNER, id),
    amountFen: fen,
    reason: 'freeze',
  });
}
