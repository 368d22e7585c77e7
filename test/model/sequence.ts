/**
 * One sequence of the model test: one task (its own id), what the publisher, the admin and the operators were handed
 * (cashier URL, confirmation pages, amount.append pages, leftover forms), what they saw (cancellations accepted or
 * with an unknown outcome), a step log, and the invariants checked against the workflow and the sandbox.
 */
import { sandboxLedger } from '../../cli/demo/sandbox-ledger';
import type { TaskView } from '../../workflows/messages';
import type { LedgerFigures } from '../../workflows/task/types';
import { type InvariantName } from './invariants';
import { knownDefect } from './known';
import { PAYMENT_TIMEOUT_MS, RESEND_WINDOW_MS, type ModelStack, type WorkflowFacts } from './stack';

export const PUBLISHER = '2088100000009901';
/** Winners' Alipay ids; none is the publisher. */
export const WINNERS = [
  '2088200000009901',
  '2088200000009902',
  '2088200000009903',
  '2088200000009904',
  '2088200000009905',
  '2088200000009906',
];

export { INVARIANTS, type InvariantName } from './invariants';

export class InvariantViolation extends Error {
  override name = 'InvariantViolation';
  constructor(
    readonly invariant: InvariantName,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/**
 * Attention codes that do not say the books may differ from Alipay's: with only these open (or resolved), the ledger
 * must still equal the sandbox's. Every other code is the workflow telling an operator that money may have moved
 * outside its books (a mismatch, a late or unmatched notification, a withdrawn page used anyway, ...).
 */
const BOOKS_UNAFFECTED = new Set(['CANCEL_REFUSED', 'CANCEL_OUTCOME_UNKNOWN', 'PAYOUT_FAILED']);

export type CancelOutcome = 'accepted' | 'unknown' | 'refused';

export interface SequenceSpec {
  bountyFen: number;
  valueAddedFeeFen: number;
  expiresInMs: number;
}

export class Sequence {
  readonly log: string[] = [];
  cashierUrl = '';
  freezeNo = '';
  publishedAtMs = 0;
  readonly rounds: { round: number; confirmUrl: string; transferNos: string[]; announceEndMs?: number }[] = [];
  readonly appends: { append: number; appendUrl: string; freezeNo: string; requestedAtMs: number }[] = [];
  readonly leftovers: { round: number; fields: Record<string, string>; transferNos: string[] }[] = [];
  /** What the operator saw when cancelling winners. */
  readonly cancels = new Map<string, CancelOutcome>();
  /** Winners an operator explicitly chose to pay (resolve_held_transfer with outcome pay). */
  readonly operatorPaid = new Set<string>();
  readonly faultIds: string[] = [];
  /** Violations of invariants the run was told to ignore, or of known defects (still reported in the figures). */
  readonly ignored: { label: string; violation: InvariantViolation }[] = [];
  steps = 0;

  constructor(
    readonly ms: ModelStack,
    readonly id: string,
    readonly spec: SequenceSpec,
    private readonly ignore: ReadonlySet<InvariantName>,
    private readonly strict = false,
  ) {}

  note(line: string): void {
    this.log.push(line);
  }

  async publish(): Promise<void> {
    const now = await this.ms.now();
    this.publishedAtMs = now;
    const r = await this.ms.tasks.publish({
      outerTaskId: this.id,
      title: `model ${this.id}`,
      taskType: 'DESIGN',
      publisherId: `pub-${this.id}`,
      publisherAlipayUserId: PUBLISHER,
      bountyFen: this.spec.bountyFen,
      valueAddedFeeFen: this.spec.valueAddedFeeFen,
      expiresAtMs: now + this.spec.expiresInMs,
    });
    this.cashierUrl = r.cashierUrl;
    const view = await this.ms.view(this.id);
    this.freezeNo = view?.freezeNo ?? '';
    this.note(
      `publish(bounty=${this.spec.bountyFen}, vaf=${this.spec.valueAddedFeeFen}, expires=+${fmtMs(this.spec.expiresInMs)}) -> ${r.phase}`,
    );
  }

  /** Raises a violation, or records it when its invariant is ignored in this run. */
  violation(invariant: InvariantName, message: string, details?: unknown): void {
    const v = new InvariantViolation(invariant, `${this.id}: ${message}`, details);
    const known = this.strict ? undefined : knownDefect(invariant, v.message);
    const label = this.ignore.has(invariant)
      ? `[${invariant}] (ignored)`
      : known
        ? `[${invariant}] known: ${known.id}`
        : undefined;
    if (!label) throw v;
    if (!this.ignored.some((x) => x.label === label)) this.ignored.push({ label, violation: v });
  }

  /** One line with the task's state for the step log (diagnosis of a failure). */
  async noteState(label: string): Promise<void> {
    const facts = await this.ms.facts(this.id);
    const view =
      facts && (facts.status === 'RUNNING' || facts.status === 'COMPLETED') ? await this.ms.view(this.id) : undefined;
    const theirs = await sandboxLedger(this.ms.sandbox, this.id);
    if (!view) {
      this.note(`${label}: workflow ${facts?.status ?? 'missing'}`);
      return;
    }
    const l = view.ledger;
    const short = (x: LedgerFigures | undefined): string =>
      x
        ? `frozen ${x.bountyFrozenFen} vaf ${x.valueAddedFeePaidFen} winners ${x.winnersReceivedFen} platform ${x.platformReceivedFen} fees ${x.alipayFeesFen} refunded ${x.refundedFen} still ${x.stillFrozenFen}`
        : '-';
    this.note(
      `${label}: workflow ${facts?.status} ${view.phase} at ${iso(await this.ms.now())}; ledger ${short(l)}; sandbox ${short(theirs)}; transfers [${view.transfers.map((t) => `${t.transferNo.replace(this.id, '')}:${t.status}`).join(' ')}]; sandbox transfers [${this.ms.sandbox
        .transfers(this.id)
        .map((t) => `${t.outerTransferNo.replace(this.id, '')}:${t.status}`)
        .join(
          ' ',
        )}]; rounds [${view.rounds.map((r) => `${r.round}:${r.status}`).join(' ')}]; leftovers [${view.leftovers.map((p) => `${p.round}:${p.status}`).join(' ')}]; attention [${view.attention.map((a) => `${a.code}${a.resolved ? '(resolved)' : ''}`).join(' ')}]; pending: ${view.pendingActions.join(' / ')}`,
    );
  }

  // ------------------------------------------------------------------------------------------ invariants

  /** After every step: cheap checks that hold at any moment. */
  async checkStep(): Promise<void> {
    const facts = await this.ms.facts(this.id);
    await this.checkWorkflowHealth(facts);
    const view =
      facts && (facts.status === 'RUNNING' || facts.status === 'COMPLETED') ? await this.ms.view(this.id) : undefined;
    if (view) this.checkConservation(view);
    this.checkSandboxConservation();
    if (view) this.checkNothingMovedAfterSettlement(view);
    this.checkCancelledNotPaid(view);
  }

  /** At a quiescent point (everything delivered that is due, nothing running): the books agree. */
  async checkQuiescent(): Promise<void> {
    const settled = await this.ms.settle([this.id]);
    if (!settled.quiet) {
      this.note(`  (not quiet after 45 s: ledger comparison skipped)`);
      return;
    }
    await this.checkStep();
    await this.checkLedgers();
  }

  /** At the end, after every deadline has passed and the notifier has drained. */
  async checkFinal(): Promise<void> {
    await this.noteState('final');
    await this.checkStep();
    await this.checkLedgers();
    const facts = await this.ms.facts(this.id);
    if (!facts) return this.violation('workflow-failed', 'the workflow is gone');
    if (facts.status === 'COMPLETED') {
      await this.checkNotificationsKept();
      await this.checkNothingFrozenBehindClosedTask();
    } else if (facts.status === 'RUNNING') {
      await this.checkMoving(facts);
    }
  }

  private async checkWorkflowHealth(facts: WorkflowFacts | undefined): Promise<void> {
    if (!facts) return this.violation('workflow-failed', 'no workflow for the task');
    if (facts.status !== 'RUNNING' && facts.status !== 'COMPLETED' && facts.status !== 'CONTINUED_AS_NEW') {
      return this.violation('workflow-failed', `the workflow is ${facts.status}`);
    }
    const failures = await this.ms.workflowTaskFailures(this.id);
    if (failures.length) return this.violation('workflow-failed', `workflow task failed: ${failures[0]}`, failures);
  }

  private checkConservation(view: TaskView): void {
    const l = view.ledger;
    const inflow = l.bountyFrozenFen + l.valueAddedFeePaidFen;
    const outflow = l.winnersReceivedFen + l.platformReceivedFen + l.alipayFeesFen + l.refundedFen + l.stillFrozenFen;
    const negative = Object.entries(l).filter(([, v]) => !Number.isSafeInteger(v) || v < 0);
    if (inflow !== outflow || negative.length)
      this.violation(
        'conservation',
        `workflow ledger: frozen + value-added fee ${inflow} != out ${outflow} ${JSON.stringify(l)}`,
        l,
      );
    if (view.availableFen < 0 || view.availableFen > l.stillFrozenFen)
      this.violation('conservation', `availableFen ${view.availableFen} outside 0..stillFrozen ${l.stillFrozenFen}`);
  }

  private checkSandboxConservation(): void {
    const summary = this.ms.sandbox.ledger();
    if (!summary.conserved || summary.violations.length)
      this.violation('sandbox-conservation', `sandbox ledger: ${summary.violations.join('; ')}`);
  }

  private checkNothingMovedAfterSettlement(view: TaskView): void {
    const settled = view.manualSettlement;
    if (!settled) return;
    const after = this.ms.sandbox.journal(this.id).filter((p) => p.at > settled.atMs);
    if (after.length) {
      this.violation(
        'moved-after-settlement',
        `settled manually at ${iso(settled.atMs)}, then the sandbox moved ${after.map((p) => `${p.reason} ${p.amountFen} (${p.ref}) at ${iso(p.at)}`).join(', ')}`,
        after,
      );
    }
  }

  private checkCancelledNotPaid(view: TaskView | undefined): void {
    if (this.cancels.size === 0) return;
    const operatorChosePayout = (view?.operatorActions ?? []).some(
      (a) => a.action === 'retry' && /CANCEL/.test(a.outcome),
    );
    if (operatorChosePayout) return;
    const transfers = this.ms.sandbox.transfers(this.id);
    const paidRefs = new Set(
      this.ms.sandbox
        .journal(this.id)
        .filter((p) => p.reason === 'winner_payment')
        .map((p) => p.ref),
    );
    for (const [no, outcome] of this.cancels) {
      if (outcome === 'refused' || this.operatorPaid.has(no)) continue;
      const t = transfers.find((x) => x.outerTransferNo === no);
      if ((t && (t.status === 'S' || t.status === 'I')) || paidRefs.has(no)) {
        this.violation(
          'cancelled-paid',
          `transfer ${no}: its cancellation was ${outcome === 'accepted' ? 'accepted' : 'of unknown outcome'}, yet the winner was paid (sandbox status ${t?.status ?? '?'}), and no operator chose so`,
          { transfer: t, workflow: view?.transfers.find((x) => x.transferNo === no) },
        );
      }
    }
  }

  /** The workflow's ledger equals the sandbox's, bucket by bucket, once no notification for the task is pending. */
  async checkLedgers(): Promise<void> {
    const pending = this.ms.sandbox.notifications({ outerTaskId: this.id, status: 'pending' });
    if (pending.length) {
      this.note(`  (${pending.length} notification(s) still pending at the sandbox: ledger comparison skipped)`);
      return;
    }
    const view = await this.ms.view(this.id);
    const theirs = await sandboxLedger(this.ms.sandbox, this.id);
    if (!view || !theirs) return;
    const diff = ledgerDiff(view.ledger, theirs);
    if (!diff.length) return;
    const explaining = view.attention
      .filter((a) => !BOOKS_UNAFFECTED.has(a.code))
      .map((a) => `${a.code}${a.resolved ? ' (resolved)' : ''}`);
    const inbox = (await this.ms.inbox()).filter((i) => i.outerTaskId === this.id);
    const detail = `workflow ${view.phase}: ${diff.join(', ')}; attention [${view.attention.map((a) => a.code).join(', ')}]; inbox items ${inbox.length}`;
    if (view.manualSettlement || explaining.length || inbox.length) {
      this.note(`  ledgers differ, explained (${detail})`);
      return;
    }
    this.violation('ledger', `ledgers differ with nothing telling an operator: ${detail}`, {
      workflow: view.ledger,
      sandbox: theirs,
      transfers: view.transfers,
      sandboxTransfers: this.ms.sandbox.transfers(this.id),
    });
  }

  /** Every notification the webhook answered `success` is in the closed task's result or in the operators' inbox. */
  private async checkNotificationsKept(): Promise<void> {
    const result = await this.ms.result(this.id);
    if (!result) return;
    const answered = this.ms.sandbox
      .notifications({ outerTaskId: this.id })
      .filter((n) => n.attempts.some((a) => a.success));
    const processed = new Set(result.processedNotifyIds);
    let missing = answered.filter((n) => !processed.has(n.notifyId));
    // the inbox is read from the visibility store (eventually consistent): look a few times before concluding
    for (let i = 0; i < 6 && missing.length; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 500));
      const inbox = new Set((await this.ms.inbox()).map((x) => x.notifyId));
      missing = missing.filter((n) => !inbox.has(n.notifyId));
    }
    if (missing.length) {
      this.violation(
        'notification-lost',
        `${missing.length} notification(s) answered success are neither in the result nor in the inbox: ${missing.map((n) => `${n.notifyType} ${n.notifyId} (answered at ${iso(n.attempts.find((a) => a.success)!.at)})`).join(', ')}; the task settled at ${iso(result.view.settledAtMs ?? 0)}`,
        missing.map((n) => ({ notifyId: n.notifyId, type: n.notifyType, attempts: n.attempts })),
      );
    }
  }

  /** A closed task leaves nothing frozen at Alipay, unless an operator was told (inbox) or settled it by hand. */
  private async checkNothingFrozenBehindClosedTask(): Promise<void> {
    const theirs = await sandboxLedger(this.ms.sandbox, this.id);
    const task = this.ms.sandbox.task(this.id);
    if (!theirs || !task) return;
    const committed = task.committedFen;
    if (theirs.stillFrozenFen === 0 && committed === 0) return;
    const view = (await this.ms.result(this.id))?.view;
    if (view?.manualSettlement) {
      if (view.manualSettlement.stillFrozenFen !== theirs.stillFrozenFen)
        this.note(
          `  settled by hand with ${view.manualSettlement.stillFrozenFen} fen recorded frozen; the sandbox holds ${theirs.stillFrozenFen}`,
        );
      return;
    }
    const inbox = (await this.ms.inbox()).filter((i) => i.outerTaskId === this.id);
    if (inbox.length) return;
    this.violation(
      'frozen-hidden',
      `the workflow completed (${view?.phase ?? '?'}) while the sandbox still holds ${theirs.stillFrozenFen} fen frozen (${committed} committed to waiting winners), and no inbox item says so`,
      { sandbox: theirs, workflow: view?.ledger },
    );
  }

  /** An open task at the end has a running activity or an unresolved attention item (every deadline has passed). */
  private async checkMoving(facts: WorkflowFacts): Promise<void> {
    if (facts.pendingActivities.length) return;
    const view = await this.ms.view(this.id);
    if (!view || view.needsAttention) return;
    this.violation(
      'stuck',
      `still open in phase ${view.phase} after every deadline passed, with no activity and nothing for an operator: stillFrozen ${view.ledger.stillFrozenFen}, available ${view.availableFen}, leftovers [${view.leftovers.map((p) => `${p.round}:${p.status}`).join(', ')}], rounds [${view.rounds.map((r) => `${r.round}:${r.status}`).join(', ')}], appends [${(view as { appends?: { status: string }[] }).appends?.map((a) => a.status).join(', ') ?? ''}], pending: ${view.pendingActions.join(' / ')}`,
      { phase: view.phase, pendingActions: view.pendingActions },
    );
  }

  // ------------------------------------------------------------------------------------------ the end

  /**
   * Lets time run past every deadline (payment, announcements, expiry, the resend window) stepping from one due
   * notification to the next, so the notifier drains the way Alipay's would; then the final checks.
   */
  async finale(): Promise<void> {
    for (let i = 0; i < 60; i++) {
      await this.ms.settle([this.id], { maxWallMs: 20_000 });
      const facts = await this.ms.facts(this.id);
      const pending = this.ms.sandbox.notifications({ outerTaskId: this.id, status: 'pending' });
      const now = await this.ms.now();
      if (facts?.status !== 'RUNNING' && pending.length === 0) return;
      const view = facts?.status === 'RUNNING' ? await this.ms.view(this.id) : undefined;
      const deadlines = [
        this.publishedAtMs + PAYMENT_TIMEOUT_MS,
        ...this.appendDeadlines(view),
        view?.spec.expiresAtMs ?? 0,
        ...(view?.rounds ?? []).map((r) => r.announceEndMs ?? 0),
      ];
      const horizon = Math.max(...deadlines) + RESEND_WINDOW_MS + 3_600_000;
      const nextDue = Math.min(...pending.map((n) => n.dueAt ?? Number.POSITIVE_INFINITY));
      let step: number;
      if (Number.isFinite(nextDue)) step = Math.max(1_000, nextDue - now + 1_000);
      else if (now < horizon) step = horizon - now;
      // past the horizon, an open task may still wait on its own reminders (a leftover plan made late is flagged
      // one resend window after it was made): keep going a window at a time until it closes or asks an operator
      else if (i < 50 && view && !view.needsAttention) step = RESEND_WINDOW_MS + 3_600_000;
      else return;
      await this.ms.sleep(step);
    }
  }

  private appendDeadlines(view: TaskView | undefined): number[] {
    const appends = (view as { appends?: { requestedAtMs?: number }[] } | undefined)?.appends ?? [];
    return appends.map((a) => (a.requestedAtMs ?? 0) + PAYMENT_TIMEOUT_MS);
  }

  async cleanup(): Promise<void> {
    for (const id of this.faultIds) this.ms.sandbox.removeFault(id);
  }
}

export function ledgerDiff(ours: LedgerFigures, theirs: LedgerFigures): string[] {
  const keys = Object.keys(theirs) as (keyof LedgerFigures)[];
  return keys.filter((k) => ours[k] !== theirs[k]).map((k) => `${k} workflow ${ours[k]} / sandbox ${theirs[k]}`);
}

export function iso(ms: number): string {
  return Number.isFinite(ms) && ms > 0 ? new Date(ms).toISOString() : String(ms);
}

export function fmtMs(ms: number): string {
  const abs = Math.abs(ms);
  const sign = ms < 0 ? '-' : '';
  if (abs >= 86_400_000 && abs % 3_600_000 === 0) return `${sign}${abs / 86_400_000}d`.replace(/(\.\d{2})\d+d$/, '$1d');
  if (abs >= 3_600_000) return `${sign}${+(abs / 3_600_000).toFixed(2)}h`;
  if (abs >= 60_000) return `${sign}${+(abs / 60_000).toFixed(2)}m`;
  return `${sign}${+(abs / 1000).toFixed(2)}s`;
}
