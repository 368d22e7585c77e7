/**
 * Waits that need a person: notifications overdue after Alipay's resends, and leftover money nobody planned or whose
 * admin page was never submitted. Each has a deadline (for the workflow's timer) and a flag for an operator.
 */
import type { TaskState } from '../types';
import { flag } from './attention';
import { transition } from './invariant';
import { availableFen, leftoverOpen, transfersInFlight } from './money';

// ------------------------------------------------------------------------------------------ overdue notifications

/** When the notifications of a moving transfer or an accepted leftover plan are overdue (after Alipay's resends). */
export function overdueDeadlines(state: TaskState, windowMs: number): { key: string; dueAtMs: number }[] {
  const out: { key: string; dueAtMs: number }[] = [];
  for (const t of Object.values(state.transfers)) {
    const moving = t.status === 'paying' || (t.status === 'paid' && !t.commissionSettled);
    if (moving && t.payingSinceMs !== undefined && !t.overdueFlagged)
      out.push({ key: `transfer:${t.transferNo}`, dueAtMs: t.payingSinceMs + windowMs });
  }
  for (const p of state.leftovers) {
    if (p.status === 'accepted' && p.acceptedAtMs !== undefined && !p.overdueFlagged)
      out.push({ key: `leftover:${p.round}`, dueAtMs: p.acceptedAtMs + windowMs });
  }
  return out;
}

/** Flags, once each, the transfers and leftover plans whose final notifications did not come within the window. */
export function flagOverdue(state: TaskState, windowMs: number, nowMs: number): number {
  const due = overdueDeadlines(state, windowMs).filter((d) => d.dueAtMs <= nowMs);
  if (due.length === 0) return 0;
  transition(state, nowMs, (s) => {
    for (const d of due) {
      const [kind, id] = d.key.split(':') as [string, string];
      if (kind === 'transfer') {
        const t = s.transfers[id];
        t.overdueFlagged = true;
        flag(
          s,
          'NOTIFICATION_OVERDUE',
          `transfer ${id} is still ${t.status}${t.winnerPaid ? ' (commission not settled)' : ''}: ` +
            `its notifications did not arrive within Alipay's resend window`,
          nowMs,
          { transferNo: id },
        );
      } else {
        const p = s.leftovers.find((x) => x.round === Number(id))!;
        p.overdueFlagged = true;
        flag(
          s,
          'NOTIFICATION_OVERDUE',
          `leftover plan ${id} is still accepted: its final notifications did not arrive within Alipay's resend window`,
          nowMs,
          { round: p.round },
        );
      }
    }
  });
  return due.length;
}

// ------------------------------------------------------------------------------------------ leftover waits

/**
 * Money that waits on a person after expiry: a leftover plan whose admin page was not submitted, and frozen money
 * nobody planned a leftover for. Each is flagged for an operator one resend window after it began, and again one
 * window after the last flag was handled, for as long as it lasts.
 */
export function leftoverDeadlines(state: TaskState, windowMs: number): { key: string; dueAtMs: number }[] {
  const out: { key: string; dueAtMs: number }[] = [];
  if (!state.paid || state.cancelled || state.manualSettlement) return out;
  const open = (code: string): boolean => state.attention.some((a) => a.code === code && !a.resolved);
  for (const p of state.leftovers) {
    if (p.status === 'planned' && p.plannedAtMs !== undefined && !open('LEFTOVER_UNCONFIRMED'))
      out.push({ key: `unconfirmed:${p.round}`, dueAtMs: p.plannedAtMs + windowMs });
  }
  const idle =
    !state.leftovers.some(leftoverOpen) && !open('LEFTOVER_NOT_PLANNED') && transfersInFlight(state).length === 0;
  if (idle && availableFen(state) > 0)
    out.push({
      key: 'not_planned',
      dueAtMs: Math.max(state.spec.expiresAtMs, state.leftoverFlaggedAtMs ?? 0) + windowMs,
    });
  return out;
}

/** Flags the leftover waits that are due (see leftoverDeadlines); returns how many. */
export function flagLeftoverWaits(state: TaskState, windowMs: number, nowMs: number): number {
  const due = leftoverDeadlines(state, windowMs).filter((d) => d.dueAtMs <= nowMs);
  if (due.length === 0) return 0;
  transition(state, nowMs, (s) => {
    for (const d of due) {
      if (d.key === 'not_planned') {
        s.leftoverFlaggedAtMs = nowMs;
        flag(
          s,
          'LEFTOVER_NOT_PLANNED',
          `the task expired with ${availableFen(s)} fen still frozen at Alipay and no leftover plan: ` +
            `plan the leftover (refund / platform / other winners)`,
          nowMs,
        );
      } else {
        const round = Number(d.key.split(':')[1]);
        const plan = s.leftovers.find((p) => p.round === round)!;
        plan.plannedAtMs = nowMs; // the next reminder runs one window from now
        flag(
          s,
          'LEFTOVER_UNCONFIRMED',
          `leftover plan ${round}: the admin page was not submitted; ` +
            `submit it (witkey status re-prints it) or withdraw the plan`,
          nowMs,
          { round },
        );
      }
    }
  });
  return due.length;
}
