// The ledger, in integer fen, as a double-entry journal over named accounts:
//   external                 the outside world (bank cards); goes negative as money comes in
//   publisher:<2088 id>      a publisher's available balance (refunds land here)
//   frozen:<partner>:<task>  the bounty frozen for one task
//   winner:<2088 id>         what a winner received
//   platform:<partner>       the platform's (partner's) account
//   alipay:fees              Alipay's fee income
// The conservation check (run after every operation, before anything is written) replays the journal and checks
// the SPEC-NOTES invariant per task.

import { assertFen } from '../alipay/core/money';
import type { Posting, SandboxState, TaskRecord, TaskTotals } from './state';

export const EXTERNAL = 'external';
export const ALIPAY_FEES = 'alipay:fees';

export const publisherAccount = (userId: string): string => `publisher:${userId}`;
export const frozenAccount = (partner: string, outerTaskId: string): string => `frozen:${partner}:${outerTaskId}`;
export const winnerAccount = (userId: string): string => `winner:${userId}`;
export const platformAccount = (partner: string): string => `platform:${partner}`;

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

/** Move money. Zero amounts are not recorded. */
export function post(
  state: SandboxState,
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

export function balance(state: SandboxState, account: string): number {
  return state.accounts[account] ?? 0;
}

type JournalTotals = TaskTotals & { frozen: number };

function emptyJournalTotals(): JournalTotals {
  return {
    bountyFrozen: 0,
    valueAddedPaid: 0,
    winnersReceived: 0,
    platformReceived: 0,
    alipayFees: 0,
    refunded: 0,
    frozen: 0,
  };
}

function addPosting(t: JournalTotals, p: Posting, frozen: string): void {
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

function checkTask(state: SandboxState, task: TaskRecord, j: JournalTotals, committed: number, out: string[]): void {
  const id = `${task.partner}:${task.outerTaskId}`;
  const frozen = balance(state, frozenAccount(task.partner, task.outerTaskId));
  const t = task.totals;
  for (const k of [
    'bountyFrozen',
    'valueAddedPaid',
    'winnersReceived',
    'platformReceived',
    'alipayFees',
    'refunded',
  ] as const) {
    if (!Number.isSafeInteger(t[k]) || t[k] < 0)
      out.push(`task ${id}: ${k} is not a non-negative safe integer (${t[k]})`);
    if (t[k] !== j[k]) out.push(`task ${id}: ${k} ${t[k]} differs from the journal's ${j[k]}`);
  }
  if (j.frozen !== frozen) out.push(`task ${id}: frozen balance ${frozen} differs from the journal's ${j.frozen}`);
  const lhs = t.bountyFrozen + t.valueAddedPaid;
  const rhs = t.winnersReceived + t.platformReceived + t.alipayFees + t.refunded + frozen;
  if (lhs !== rhs)
    out.push(
      `task ${id}: frozen ${t.bountyFrozen} + value-added ${t.valueAddedPaid} != winners ${t.winnersReceived} + platform ${t.platformReceived} + fees ${t.alipayFees} + refunded ${t.refunded} + still frozen ${frozen}`,
    );
  if (committed !== task.committedFen)
    out.push(`task ${id}: committed ${task.committedFen} differs from the W transfers' ${committed}`);
  if (task.committedFen > frozen) out.push(`task ${id}: committed ${task.committedFen} exceeds frozen ${frozen}`);
}

/** Every violation of conservation in the state (empty = conserved). */
export function conservationViolations(state: SandboxState): string[] {
  const out: string[] = [];
  const replay: Record<string, number> = {};
  let lastSeq = 0;
  for (const p of state.journal) {
    if (!Number.isSafeInteger(p.amountFen) || p.amountFen <= 0) out.push(`posting ${p.seq}: bad amount ${p.amountFen}`);
    if (p.seq <= lastSeq) out.push(`posting ${p.seq}: out of order`);
    lastSeq = p.seq;
    replay[p.from] = (replay[p.from] ?? 0) - p.amountFen;
    replay[p.to] = (replay[p.to] ?? 0) + p.amountFen;
  }
  let sum = 0;
  const names = new Set([...Object.keys(replay), ...Object.keys(state.accounts)]);
  for (const name of names) {
    const b = state.accounts[name] ?? 0;
    if (!Number.isSafeInteger(b)) out.push(`account ${name}: balance ${b} is not a safe integer`);
    if (b !== (replay[name] ?? 0))
      out.push(`account ${name}: balance ${b} differs from the journal's ${replay[name] ?? 0}`);
    if (name !== EXTERNAL && b < 0) out.push(`account ${name}: negative balance ${b}`);
    sum += b;
  }
  if (sum !== 0) out.push(`accounts sum to ${sum}, not 0`);
  // Per task, in one pass over the journal and one over the transfers.
  const perTask = new Map<string, JournalTotals>();
  for (const p of state.journal) {
    const key = `${p.partner}:${p.outerTaskId}`;
    let t = perTask.get(key);
    if (!t) perTask.set(key, (t = emptyJournalTotals()));
    addPosting(t, p, frozenAccount(p.partner, p.outerTaskId));
  }
  const committed = new Map<string, number>();
  for (const tr of Object.values(state.transfers)) {
    if (tr.status !== 'W') continue;
    const key = `${tr.partner}:${tr.outerTaskId}`;
    committed.set(key, (committed.get(key) ?? 0) + tr.amountFen);
  }
  for (const task of Object.values(state.tasks)) {
    const key = `${task.partner}:${task.outerTaskId}`;
    checkTask(state, task, perTask.get(key) ?? emptyJournalTotals(), committed.get(key) ?? 0, out);
  }
  return out;
}

export interface LedgerSummary {
  accounts: Record<string, number>;
  publishers: Record<string, number>;
  winners: Record<string, number>;
  platform: Record<string, number>;
  frozen: Record<string, number>;
  alipayFees: number;
  external: number;
  journalLength: number;
  conserved: boolean;
  violations: string[];
}

export function ledgerSummary(state: SandboxState): LedgerSummary {
  const pick = (prefix: string): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(state.accounts)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
    return out;
  };
  const violations = conservationViolations(state);
  return {
    accounts: { ...state.accounts },
    publishers: pick('publisher:'),
    winners: pick('winner:'),
    platform: pick('platform:'),
    frozen: pick('frozen:'),
    alipayFees: balance(state, ALIPAY_FEES),
    external: balance(state, EXTERNAL),
    journalLength: state.journal.length,
    conserved: violations.length === 0,
    violations,
  };
}
