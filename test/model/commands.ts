/**
 * The commands of the model test (fast-check model-based testing: fc.commands + fc.asyncModelRun): what a publisher,
 * an admin, an operator, Alipay (through the sandbox's faults), the clock and the machine room may do to one task.
 *
 * Every command tolerates the state it finds: amounts are fractions of what the task has free when it runs, pages are
 * picked by index modulo what was handed out, and a refusal (by the workflow, the gateway or a closed task) is an
 * outcome written to the step log, not a failure. Failures are broken invariants (sequence.ts), hung updates, and
 * harness errors. After each command: the workflow and the sandbox are left to settle (without delivering
 * notifications: that is a command of its own, so they can arrive late), then the cheap invariants are checked.
 */
import fc from 'fast-check';
import { WorkflowNotFoundError } from '@temporalio/client';
import { TaskRequestError } from '../../client/tasks';
import { businessNumber } from '../../alipay/core/business-numbers';
import { GatewayRefusal, InjectedHttpFault, type FaultSpec } from '../../sandbox';
import type { OperatorRequest, TaskView } from '../../workflows/messages';
import { InvariantViolation, PUBLISHER, WINNERS, fmtMs, type Sequence } from './sequence';
import {
  Inconclusive,
  PAYMENT_TIMEOUT_MS,
  RESEND_WINDOW_MS,
  StepTimeout,
  TEST_SERVER_REPLAY_ARTEFACT,
  withTimeout,
  type ModelStack,
} from './stack';

/** What fast-check's model holds: enough to decide which commands make sense (pages handed out, settled or not). */
export interface Model {
  rounds: number;
  appends: number;
  leftovers: number;
  settled: boolean;
  /** What the last step found: the cashier paid at the sandbox, the task past its deadline, the workflow closed. */
  cashierPaid: boolean;
  expired: boolean;
  closed: boolean;
  /**
   * ... and in the workflow's view: bounty frozen, winners that can still be cancelled, rounds not confirmed, leftover
   * plans not submitted, attention items open, a step blocked.
   */
  frozen: boolean;
  cancellable: number;
  requestedRounds: number;
  plannedLeftovers: number;
  attention: boolean;
  blocked: boolean;
  /** Winners whose payout the workflow holds for an operator (`payoutHeld`, with resolve_held_transfer). */
  held: number;
}

export function newModel(): Model {
  return {
    rounds: 0,
    appends: 0,
    leftovers: 0,
    settled: false,
    cashierPaid: false,
    expired: false,
    closed: false,
    frozen: false,
    cancellable: 0,
    requestedRounds: 0,
    plannedLeftovers: 0,
    attention: false,
    blocked: false,
    held: 0,
  };
}

/** Transfers whose payout is held for an operator (the workflow marks them `payoutHeld`; older versions never do). */
function heldTransfers(view: TaskView): string[] {
  return view.transfers
    .filter((t) => (t as { payoutHeld?: boolean }).payoutHeld && t.status === 'waiting')
    .map((t) => t.transferNo);
}

/** Winners whose cancellation the workflow would take now: waiting, announcement not over. */
function cancellable(view: TaskView, now: number): string[] {
  return view.transfers
    .filter((t) => t.status === 'waiting' && (view.rounds.find((r) => r.round === t.round)?.announceEndMs ?? 0) > now)
    .map((t) => t.transferNo);
}

/** Brings the model's view of the world up to date after a step (which commands make sense next). */
export async function observe(m: Model, s: Sequence): Promise<void> {
  const facts = await s.ms.facts(s.id);
  m.closed = facts?.status !== 'RUNNING';
  const freeze = s.ms.sandbox.task(s.id)?.freezes.find((f) => f.kind === 'create');
  m.cashierPaid = freeze !== undefined && freeze.status !== 'WAIT_BUYER_PAY';
  if (m.closed) return;
  const view = await s.ms.view(s.id);
  if (!view) return;
  const now = await s.ms.now();
  m.expired = now >= view.spec.expiresAtMs;
  m.frozen = view.ledger.bountyFrozenFen > 0;
  m.cancellable = cancellable(view, now).length;
  m.requestedRounds = view.rounds.filter((r) => r.status === 'requested').length;
  m.plannedLeftovers = view.leftovers.filter((p) => p.status === 'planned').length;
  m.attention = view.attention.some((a) => !a.resolved);
  m.blocked = view.needsAttention && !m.attention;
  m.held = heldTransfers(view).length;
  if (view.operatorActions.some((a) => a.action === 'settle_manually')) m.settled = true;
}

export interface Real {
  seq: Sequence;
}

const DAY = 86_400_000;
const HOUR = 3_600_000;
const MIN = 60_000;
const STEP_TIMEOUT_MS = 90_000;

/** The Alipay id of winner k: the shared pool first (winner faults name them), then more for big rounds. */
function winnerId(k: number): string {
  return WINNERS[k] ?? `20883000000${String(k).padStart(5, '0')}`;
}

/** A refusal or fault answer is an outcome; a timeout is a hung step; anything else is the harness's problem. */
function outcomeOf(err: unknown, what: string): string {
  if (err instanceof TaskRequestError) return `refused ${err.code}: ${err.message.slice(0, 160)}`;
  if (err instanceof GatewayRefusal) return `gateway refused ${err.code}`;
  if (err instanceof InjectedHttpFault) return `gateway HTTP ${err.status}`;
  if (err instanceof WorkflowNotFoundError) return 'task closed';
  const e = err as Error;
  if (
    e?.name === 'TaskClosedError' ||
    e?.name === 'TaskNotFoundError' ||
    /already completed|workflow execution.*(closed|completed)|not found/i.test(e?.message ?? '')
  )
    return `task closed (${e.name})`;
  if (err instanceof StepTimeout && /time jump/.test(err.message))
    throw new InvariantViolation('harness', `${what}: the test server did not finish a time jump (${err.message})`);
  if (err instanceof StepTimeout) throw new InvariantViolation('update-hang', `${what}: ${err.message}`);
  if (TEST_SERVER_REPLAY_ARTEFACT.test(e?.message ?? '')) throw new Inconclusive(`${what}: ${e.message}`);
  if (/TMPRL1100|[Nn]ondeterminism/.test(e?.message ?? ''))
    throw new InvariantViolation('workflow-failed', `${what}: ${e.message}`);
  if (err instanceof InvariantViolation || err instanceof Inconclusive) throw err;
  throw new InvariantViolation(
    'harness',
    `${what}: unexpected ${e?.name ?? 'error'}: ${e?.message ?? String(err)}`,
    e?.stack,
  );
}

/**
 * Runs a call that may retry inside the workflow (a cancellation answers a person only after its attempts): while it
 * has not answered, server time is moved a few seconds at a time so retries do not wait in wall-clock time.
 */
async function nudged<T>(ms: ModelStack, p: Promise<T>, what: string): Promise<T> {
  let done = false;
  const guarded = withTimeout(p, STEP_TIMEOUT_MS, what).finally(() => {
    done = true;
  });
  void (async () => {
    await new Promise((r) => setTimeout(r, 700));
    while (!done) {
      await ms.sleep(4_000).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 150));
    }
  })();
  return guarded;
}

abstract class Step implements fc.AsyncCommand<Model, Real> {
  abstract toString(): string;
  check(_m: Readonly<Model>): boolean {
    return true;
  }
  abstract act(m: Model, s: Sequence): Promise<string>;
  /** Whether the command delivers notifications itself (the settle after it does not). */
  protected delivers = false;

  async run(m: Model, r: Real): Promise<void> {
    const s = r.seq;
    s.steps += 1;
    let outcome: string;
    try {
      outcome = await this.act(m, s);
    } catch (err) {
      outcome = outcomeOf(err, this.toString());
    }
    s.note(`${this.toString()} -> ${outcome}`);
    const settled = await s.ms.settle([s.id], { deliver: this.delivers, maxWallMs: 30_000 });
    if (!settled.quiet) s.note('  (still moving after 30 s)');
    await s.checkStep();
    await observe(m, s);
  }
}

async function viewOf(s: Sequence): Promise<TaskView | undefined> {
  return s.ms.view(s.id);
}

// ------------------------------------------------------------------------------------------ the publisher

class PayCashier extends Step {
  constructor(readonly followReturn: boolean) {
    super();
  }
  toString(): string {
    return `PayCashier(${this.followReturn ? 'return' : 'no return'})`;
  }
  override check(m: Readonly<Model>): boolean {
    return !m.settled && !m.cashierPaid;
  }
  async act(_m: Model, s: Sequence): Promise<string> {
    const r = await withTimeout(
      s.ms.sandbox.pay(s.cashierUrl, { payerUserId: PUBLISHER, followReturn: this.followReturn }),
      STEP_TIMEOUT_MS,
      'pay',
    );
    return `paid${r.alreadyDone ? ' (already done)' : ''}${r.dropped ? ' (reply dropped)' : ''}${r.followed ? ` return ${(r.followed as { status?: number }).status ?? ''}` : ''}`;
  }
}

class OpenCashier extends Step {
  toString(): string {
    return 'OpenCashier';
  }
  override check(m: Readonly<Model>): boolean {
    return !m.cashierPaid && !m.closed;
  }
  async act(_m: Model, s: Sequence): Promise<string> {
    const r = await s.ms.sandbox.openPage(s.cashierUrl);
    return r.alreadyDone ? 'already paid' : 'opened (WAIT_BUYER_PAY)';
  }
}

class SelectWinners extends Step {
  constructor(
    readonly winners: number[],
    readonly sharePct: number,
    readonly announceMs: number | undefined,
    readonly confirmAtOnce: boolean,
  ) {
    super();
  }
  toString(): string {
    return `SelectWinners(winners=[${this.winners.join(',')}], share=${this.sharePct}%, ${this.announceMs === undefined ? 'immediate' : `announce ${fmtMs(this.announceMs)}`}${this.confirmAtOnce ? ', confirmed at once' : ''})`;
  }
  override check(m: Readonly<Model>): boolean {
    return m.cashierPaid && !m.expired && !m.closed;
  }
  async act(m: Model, s: Sequence): Promise<string> {
    const view = await viewOf(s);
    const available = view?.availableFen ?? 0;
    const n = this.winners.length;
    const total = Math.floor((available * this.sharePct) / 100);
    if (total < n) return `skipped: ${available} fen free`;
    const each = Math.floor(total / n);
    const winners = this.winners.map((w, i) => ({
      alipayUserId: winnerId(w),
      nickname: `w${w}`,
      amountFen: i === n - 1 ? total - each * (n - 1) : each,
    }));
    const announceEndMs = this.announceMs === undefined ? undefined : (await s.ms.now()) + this.announceMs;
    const r = await withTimeout(
      s.ms.tasks.selectWinners(s.id, { winners, ...(announceEndMs !== undefined ? { announceEndMs } : {}) }),
      STEP_TIMEOUT_MS,
      'selectWinners',
    );
    s.rounds.push({
      round: r.round,
      confirmUrl: r.confirmUrl,
      transferNos: r.transferNos,
      ...(announceEndMs !== undefined ? { announceEndMs } : {}),
    });
    m.rounds = s.rounds.length;
    const line = `round ${r.round}: ${r.transferNos.length > 4 ? `${r.transferNos.length} transfers of ${each}` : r.transferNos.map((no, i) => `${no}=${winners[i].amountFen}`).join(', ')}`;
    if (!this.confirmAtOnce) return line;
    try {
      const c = await withTimeout(s.ms.sandbox.confirm(r.confirmUrl), STEP_TIMEOUT_MS, 'confirm');
      return `${line}; confirmed${c.dropped ? ' (reply dropped)' : ''}`;
    } catch (err) {
      return `${line}; confirm: ${outcomeOf(err, 'confirm')}`;
    }
  }
}

class ConfirmRound extends Step {
  constructor(
    readonly index: number,
    readonly followReturn: boolean,
  ) {
    super();
  }
  toString(): string {
    return `ConfirmRound(#${this.index}, ${this.followReturn ? 'return' : 'no return'})`;
  }
  override check(m: Readonly<Model>): boolean {
    return m.rounds > 0 && !m.settled;
  }
  async act(_m: Model, s: Sequence): Promise<string> {
    // rounds the workflow has not seen confirmed first (requested, withdrawn, abandoned), then any
    const view = await viewOf(s);
    const statusOf = (round: number): string | undefined => view?.rounds.find((x) => x.round === round)?.status;
    const open = s.rounds.filter((r) => statusOf(r.round) !== 'confirmed' && statusOf(r.round) !== 'payout_started');
    const pool = open.length ? open : s.rounds;
    const round = pool[this.index % pool.length];
    const r = await withTimeout(
      s.ms.sandbox.confirm(round.confirmUrl, { followReturn: this.followReturn }),
      STEP_TIMEOUT_MS,
      'confirm',
    );
    return `round ${round.round} confirmed${r.alreadyDone ? ' (already done)' : ''}${r.dropped ? ' (reply dropped)' : ''}`;
  }
}

class Extend extends Step {
  constructor(
    readonly addBountyFen: number,
    readonly addValueAddedFeeFen: number,
    readonly extendMs: number,
    readonly payAtOnce: boolean,
  ) {
    super();
  }
  toString(): string {
    return `Extend(+${this.addBountyFen} fen, vaf +${this.addValueAddedFeeFen}, deadline +${fmtMs(this.extendMs)}${this.payAtOnce ? ', paid at once' : ''})`;
  }
  override check(m: Readonly<Model>): boolean {
    return m.cashierPaid && !m.expired && !m.closed;
  }
  async act(m: Model, s: Sequence): Promise<string> {
    const view = await viewOf(s);
    if (!view) return 'skipped: no task state';
    const r = await withTimeout(
      s.ms.tasks.extend(s.id, {
        addBountyFen: this.addBountyFen,
        ...(this.addValueAddedFeeFen ? { addValueAddedFeeFen: this.addValueAddedFeeFen } : {}),
        newExpiresAtMs: view.spec.expiresAtMs + this.extendMs,
      }),
      STEP_TIMEOUT_MS,
      'extend',
    );
    s.appends.push({ append: r.append, appendUrl: r.appendUrl, freezeNo: r.freezeNo, requestedAtMs: await s.ms.now() });
    m.appends = s.appends.length;
    const line = `amount.append ${r.append} (${r.freezeNo})`;
    if (!this.payAtOnce) return line;
    try {
      const c = await withTimeout(
        s.ms.sandbox.pay(r.appendUrl, { payerUserId: PUBLISHER }),
        STEP_TIMEOUT_MS,
        'pay append',
      );
      return `${line}; paid${c.dropped ? ' (reply dropped)' : ''}`;
    } catch (err) {
      return `${line}; pay: ${outcomeOf(err, 'pay append')}`;
    }
  }
}

class PayAppend extends Step {
  constructor(
    readonly index: number,
    readonly followReturn: boolean,
  ) {
    super();
  }
  toString(): string {
    return `PayAppend(#${this.index}, ${this.followReturn ? 'return' : 'no return'})`;
  }
  override check(m: Readonly<Model>): boolean {
    return m.appends > 0 && !m.settled;
  }
  async act(_m: Model, s: Sequence): Promise<string> {
    const a = s.appends[this.index % s.appends.length];
    const r = await withTimeout(
      s.ms.sandbox.pay(a.appendUrl, { payerUserId: PUBLISHER, followReturn: this.followReturn }),
      STEP_TIMEOUT_MS,
      'pay append',
    );
    return `amount.append ${a.append} paid${r.alreadyDone ? ' (already done)' : ''}${r.dropped ? ' (reply dropped)' : ''}`;
  }
}

// ------------------------------------------------------------------------------------------ the admin

type CancelFault = 'none' | 'http5xx x5' | 'http5xx x6' | 'systemError x5' | 'malformedXml x5' | 'drop x1' | 'drop x5';

class CancelWinners extends Step {
  constructor(
    readonly index: number,
    readonly count: number,
    readonly fault: CancelFault,
  ) {
    super();
  }
  toString(): string {
    return `CancelWinners(#${this.index}, ${this.count} winner(s)${this.fault === 'none' ? '' : `, Alipay: ${this.fault}`})`;
  }
  override check(m: Readonly<Model>): boolean {
    return m.cancellable > 0 && !m.closed;
  }
  async act(_m: Model, s: Sequence): Promise<string> {
    const view = await viewOf(s);
    const candidates = view ? cancellable(view, await s.ms.now()) : [];
    if (!candidates.length) return 'skipped: nobody to cancel';
    const start = this.index % candidates.length;
    const nos = [...candidates.slice(start), ...candidates.slice(0, start)].slice(0, this.count);
    if (this.fault !== 'none') {
      const [kind, times] = this.fault.split(' x') as [RequestKind, string];
      const f = s.ms.sandbox.injectFault({
        target: 'request',
        kind,
        service: 'alipay.witkey.task.cancel.confirm.by.platform',
        match: { outer_task_id: s.id },
        times: Number(times),
      });
      s.faultIds.push(f.id);
    }
    try {
      const r = await nudged(s.ms, s.ms.tasks.cancelWinners(s.id, nos), 'cancelWinners');
      for (const no of r.cancelled) s.cancels.set(no, 'accepted');
      for (const f of r.failed) if (!s.cancels.has(f.transferNo)) s.cancels.set(f.transferNo, 'refused');
      return `cancelled [${r.cancelled.join(', ')}] refused [${r.failed.map((f) => `${f.transferNo}:${f.errorCode}`).join(', ')}]`;
    } catch (err) {
      if (
        err instanceof TaskRequestError &&
        /unknown/i.test(`${err.code} ${err.message}`) &&
        !/validat|only a winner|is (paid|cancelled|failed|requested|abandoned|paying)|period is over/i.test(err.message)
      ) {
        for (const no of nos) if (s.cancels.get(no) !== 'accepted') s.cancels.set(no, 'unknown');
        return `outcome unknown for [${nos.join(', ')}]: ${err.message.slice(0, 120)}`;
      }
      throw err;
    }
  }
}

class PlanLeftover extends Step {
  constructor(
    readonly refundPct: number,
    readonly platformPct: number,
    readonly winners: number[],
    readonly winnersPct: number,
    readonly submitAtOnce: boolean,
  ) {
    super();
  }
  toString(): string {
    return `PlanLeftover(refund ${this.refundPct}%, platform ${this.platformPct}%, winners [${this.winners.join(',')}] ${this.winnersPct}%${this.submitAtOnce ? ', submitted at once' : ''})`;
  }
  override check(m: Readonly<Model>): boolean {
    return m.expired && !m.closed;
  }
  async act(m: Model, s: Sequence): Promise<string> {
    const view = await viewOf(s);
    const a = view?.availableFen ?? 0;
    if (a === 0) return 'skipped: nothing free';
    const platformFen = Math.floor((a * this.platformPct) / 100);
    let winnersTotal = Math.min(a - platformFen, Math.floor((a * this.winnersPct) / 100));
    const n = this.winners.length;
    if (winnersTotal < n) winnersTotal = 0;
    const each = n ? Math.floor(winnersTotal / n) : 0;
    const winners = winnersTotal
      ? this.winners.map((w, i) => ({
          alipayUserId: winnerId(w),
          nickname: `l${w}`,
          amountFen: i === n - 1 ? winnersTotal - each * (n - 1) : each,
        }))
      : [];
    const rest = a - platformFen - winnersTotal;
    const refundFen = this.refundPct === 100 ? rest : Math.min(rest, Math.floor((a * this.refundPct) / 100));
    if (refundFen + platformFen + winnersTotal === 0) return 'skipped: the plan would move nothing';
    const r = await withTimeout(
      s.ms.tasks.planLeftover(s.id, { refundFen, platformFen, winners }),
      STEP_TIMEOUT_MS,
      'planLeftover',
    );
    s.leftovers.push({ round: r.round, fields: r.adminPage.fields, transferNos: r.transferNos });
    m.leftovers = s.leftovers.length;
    const line = `plan ${r.round}: refund ${refundFen}, platform ${platformFen}, winners ${winners.map((w) => w.amountFen).join('+') || 0} of ${a}`;
    if (!this.submitAtOnce) return line;
    try {
      const c = await withTimeout(s.ms.sandbox.confirmLeftover(r.adminPage.fields), STEP_TIMEOUT_MS, 'confirmLeftover');
      return `${line}; submitted${c.dropped ? ' (reply dropped)' : ''}`;
    } catch (err) {
      return `${line}; submit: ${outcomeOf(err, 'confirmLeftover')}`;
    }
  }
}

class SubmitLeftover extends Step {
  constructor(
    readonly index: number,
    readonly followReturn: boolean,
  ) {
    super();
  }
  toString(): string {
    return `SubmitLeftover(#${this.index}, ${this.followReturn ? 'return' : 'no return'})`;
  }
  override check(m: Readonly<Model>): boolean {
    return m.leftovers > 0 && !m.settled;
  }
  async act(_m: Model, s: Sequence): Promise<string> {
    const plan = s.leftovers[this.index % s.leftovers.length];
    const r = await withTimeout(
      s.ms.sandbox.confirmLeftover(plan.fields, { followReturn: this.followReturn }),
      STEP_TIMEOUT_MS,
      'confirmLeftover',
    );
    return `plan ${plan.round} submitted${r.alreadyDone ? ' (already done)' : ''}${r.dropped ? ' (reply dropped)' : ''}`;
  }
}

// ------------------------------------------------------------------------------------------ operators

/** resolve_held_transfer is newer than some versions of OperatorRequest: typed here, refused by a workflow without it. */
type OperatorAction = OperatorRequest['action'] | 'resolve_held_transfer';

class Operator extends Step {
  constructor(
    readonly action: OperatorAction,
    readonly index: number,
    /** resolve_held_transfer: pay the held winner, or record the cancellation. */
    readonly pay = false,
  ) {
    super();
  }
  toString(): string {
    const detail =
      this.action === 'withdraw_round' || this.action === 'withdraw_leftover'
        ? ` #${this.index}`
        : this.action === 'resolve_held_transfer'
          ? ` #${this.index} ${this.pay ? 'pay' : 'cancelled'}`
          : '';
    return `Operator(${this.action}${detail})`;
  }
  override check(m: Readonly<Model>): boolean {
    if (m.closed) return false;
    switch (this.action) {
      case 'retry':
        return m.blocked || m.attention;
      case 'acknowledge':
        return m.attention;
      case 'settle_manually':
        return (m.attention || m.blocked) && !m.settled;
      case 'cancel_unpaid':
        return !m.frozen;
      case 'withdraw_round':
        return m.requestedRounds > 0;
      case 'withdraw_leftover':
        return m.plannedLeftovers > 0;
      case 'resolve_held_transfer':
        return m.held > 0;
      default:
        return false;
    }
  }
  async act(m: Model, s: Sequence): Promise<string> {
    const who = { operator: 'model-op', reason: `model step ${s.steps}` };
    let request: OperatorRequest;
    switch (this.action) {
      case 'withdraw_round': {
        const rounds = ((await viewOf(s))?.rounds ?? []).filter((r) => r.status === 'requested');
        if (!rounds.length) return 'skipped: no round to withdraw';
        request = { action: 'withdraw_round', ...who, round: rounds[this.index % rounds.length].round };
        break;
      }
      case 'withdraw_leftover': {
        const plans = ((await viewOf(s))?.leftovers ?? []).filter((p) => p.status === 'planned');
        if (!plans.length) return 'skipped: no plan to withdraw';
        request = { action: 'withdraw_leftover', ...who, round: plans[this.index % plans.length].round };
        break;
      }
      case 'resolve_held_transfer': {
        const view = await viewOf(s);
        const held = view ? heldTransfers(view) : [];
        if (!held.length) return 'skipped: no payout held';
        const transferNo = held[this.index % held.length];
        request = {
          action: 'resolve_held_transfer',
          ...who,
          transferNo,
          outcome: this.pay ? 'pay' : 'cancelled',
        } as unknown as OperatorRequest;
        const answer = await withTimeout(
          s.ms.tasks.operator(s.id, request),
          STEP_TIMEOUT_MS,
          `operator ${this.action}`,
        );
        if (this.pay) s.operatorPaid.add(transferNo);
        return answer.operatorActions[answer.operatorActions.length - 1]?.outcome ?? 'done';
      }
      default:
        request = { action: this.action, ...who };
    }
    const view = await withTimeout(s.ms.tasks.operator(s.id, request), STEP_TIMEOUT_MS, `operator ${this.action}`);
    if (this.action === 'settle_manually') m.settled = true;
    return view.operatorActions[view.operatorActions.length - 1]?.outcome ?? 'done';
  }
}

// ------------------------------------------------------------------------------------------ Alipay's behaviour

const SERVICES = [
  'alipay.witkey.task.confirm.by.platform',
  'alipay.witkey.task.cancel.confirm.by.platform',
  'alipay.trade.query',
  'alipay.trade.cancel',
  'alipay.witkey.task.create',
  'alipay.witkey.task.confirm',
  'alipay.witkey.task.amount.append',
  'alipay.witkey.task.left.amount.handle',
] as const;
type RequestKind = 'drop' | 'http5xx' | 'systemError' | 'malformedXml' | 'delay';

class RequestFault extends Step {
  constructor(
    readonly service: (typeof SERVICES)[number],
    readonly kind: RequestKind,
    readonly times: number,
    /** OpenAPI faults: the trade of the task's freeze (0) or of amount.append n. */
    readonly trade: number,
  ) {
    super();
  }
  toString(): string {
    const openApi = this.service.startsWith('alipay.trade.');
    return `RequestFault(${this.service.replace(/^alipay\.(witkey\.task\.)?/, '')} ${this.kind} x${this.times}${openApi ? (this.trade ? `, append ${this.trade}` : ', task freeze') : ''})`;
  }
  async act(_m: Model, s: Sequence): Promise<string> {
    const openApi = this.service.startsWith('alipay.trade.');
    const freezeNo = this.trade
      ? businessNumber(s.id, { kind: 'appendFreeze', index: this.trade })
      : businessNumber(s.id, { kind: 'freeze' });
    const spec: FaultSpec = {
      target: 'request',
      kind: this.kind,
      service: this.service,
      match: openApi ? { out_trade_no: freezeNo } : { outer_task_id: s.id },
      times: this.times,
      ...(this.kind === 'delay' ? { delayMs: 400 } : {}),
    };
    const f = s.ms.sandbox.injectFault(spec);
    s.faultIds.push(f.id);
    return `fault ${f.id}`;
  }
}

const NOTIFY_TYPES = [
  'task_freeze',
  'additional_profit_transfer',
  'task_confirm',
  'assign_transfer',
  'platform_profit_transfer',
  'left_amount_handle',
  'refund_transfer',
] as const;
type NotifyKind = 'duplicate' | 'reorder' | 'delay' | 'drop' | 'badSignature' | 'gbk';

class NotificationFault extends Step {
  constructor(
    readonly kind: NotifyKind,
    readonly notifyType: (typeof NOTIFY_TYPES)[number] | undefined,
    readonly count: number,
    readonly delayMs: number,
    readonly times: number,
  ) {
    super();
  }
  toString(): string {
    const extra =
      this.kind === 'delay'
        ? ` ${fmtMs(this.delayMs)}`
        : this.kind === 'duplicate' || this.kind === 'drop' || this.kind === 'badSignature'
          ? ` count ${this.count}`
          : '';
    return `NotificationFault(${this.kind}${extra}, ${this.notifyType ?? 'any type'}, next ${this.times})`;
  }
  async act(_m: Model, s: Sequence): Promise<string> {
    const f = s.ms.sandbox.injectFault({
      target: 'notification',
      kind: this.kind,
      outerTaskId: s.id,
      times: this.times,
      ...(this.notifyType ? { notifyType: this.notifyType } : {}),
      ...(this.kind === 'duplicate' || this.kind === 'drop' || this.kind === 'badSignature'
        ? { count: this.count }
        : {}),
      ...(this.kind === 'delay' ? { delayMs: this.delayMs } : {}),
    });
    s.faultIds.push(f.id);
    return `fault ${f.id}`;
  }
}

class WinnerFault extends Step {
  constructor(
    readonly winner: number,
    readonly stage: 'confirm' | 'payment' | 'leftover',
  ) {
    super();
  }
  toString(): string {
    return `WinnerFault(w${this.winner} abnormal at ${this.stage})`;
  }
  async act(_m: Model, s: Sequence): Promise<string> {
    const f = s.ms.sandbox.injectFault({
      target: 'winner',
      kind: 'accountAbnormal',
      stage: this.stage,
      alipayUserId: winnerId(this.winner),
      outerTaskId: s.id,
    });
    s.faultIds.push(f.id);
    return `fault ${f.id}`;
  }
}

class Deliver extends Step {
  protected override delivers = true;
  toString(): string {
    return 'Deliver';
  }
  async act(_m: Model, s: Sequence): Promise<string> {
    return `${await s.ms.deliver()} attempt(s)`;
  }
}

// ------------------------------------------------------------------------------------------ time and machines

type Anchor = 'now' | 'payment' | 'announce' | 'expiry' | 'window' | 'close';

class Pass extends Step {
  protected override delivers = true;
  constructor(
    readonly anchor: Anchor,
    readonly offsetMs: number,
    readonly restartWorker: boolean,
  ) {
    super();
  }
  toString(): string {
    const off =
      this.anchor === 'now'
        ? fmtMs(this.offsetMs)
        : `${this.anchor}${this.offsetMs >= 0 ? '+' : ''}${fmtMs(this.offsetMs)}`;
    return `Pass(${off}${this.restartWorker ? ', worker killed on the way' : ''})`;
  }
  async act(_m: Model, s: Sequence): Promise<string> {
    const now = await s.ms.now();
    const view = this.anchor === 'now' ? undefined : await viewOf(s);
    const next = (times: number[]): number | undefined =>
      times.filter((t) => t > now).sort((a, b) => a - b)[0] ?? times.sort((a, b) => b - a)[0];
    let anchor: number | undefined;
    switch (this.anchor) {
      case 'now':
        anchor = now;
        break;
      case 'payment':
        anchor = next([
          s.publishedAtMs + PAYMENT_TIMEOUT_MS,
          ...s.appends.map((a) => a.requestedAtMs + PAYMENT_TIMEOUT_MS),
        ]);
        break;
      case 'announce':
        anchor = next((view?.rounds ?? []).map((r) => r.announceEndMs ?? 0).filter((t) => t > 0));
        break;
      case 'expiry':
        anchor = view?.spec.expiresAtMs;
        break;
      case 'window':
        anchor = view ? view.spec.expiresAtMs + RESEND_WINDOW_MS : undefined;
        break;
      case 'close': {
        // when the task would close: the resend window after the last notification it took (or after expiry)
        const answered = s.ms.sandbox
          .notifications({ outerTaskId: s.id })
          .flatMap((n) => n.attempts.filter((a) => a.success).map((a) => a.at));
        anchor =
          Math.max(view?.spec.expiresAtMs ?? 0, view?.paidAtMs ?? 0, view?.manualSettlement?.atMs ?? 0, ...answered) +
          RESEND_WINDOW_MS;
        break;
      }
    }
    const ms = Math.max(1_000, (anchor ?? now) + this.offsetMs - now);
    let attempts: number;
    if (this.restartWorker) {
      const passing = s.ms.advance(ms, [s.id]).then(
        (n) => ({ n }),
        (err: unknown) => ({ err }),
      );
      await new Promise((r) => setTimeout(r, 30));
      await s.ms.restartWorker();
      const passed = await passing;
      if ('err' in passed) throw passed.err;
      attempts = passed.n;
    } else {
      attempts = await s.ms.advance(ms, [s.id]);
    }
    return `+${fmtMs(ms)}, ${attempts} notification attempt(s)`;
  }
}

/**
 * A time jump, then something else at once, while the work the jump set off (a payout, a resolution, notifications
 * being applied) may still be running: an operator, the admin, Alipay's notifier, a crash. (The other action does not
 * run during the server's time jump itself: an update sent while the Java test server skips time can leave both
 * waiting for each other.)
 */
class During extends Step {
  protected override delivers = true;
  constructor(
    readonly pass: Pass,
    readonly afterMs: number,
    readonly inner: Step,
  ) {
    super();
  }
  toString(): string {
    return `During(${this.pass.toString()}, after ${this.afterMs} ms: ${this.inner.toString()})`;
  }
  override check(m: Readonly<Model>): boolean {
    return this.inner.check(m);
  }
  async act(m: Model, s: Sequence): Promise<string> {
    const passed = await this.pass.act(m, s);
    await new Promise((r) => setTimeout(r, this.afterMs));
    let inner: string;
    try {
      inner = await this.inner.act(m, s);
    } catch (err) {
      inner = outcomeOf(err, this.inner.toString());
    }
    return `${passed}; then ${inner}`;
  }
}

class RestartWorker extends Step {
  toString(): string {
    return 'RestartWorker';
  }
  override check(m: Readonly<Model>): boolean {
    return !m.closed;
  }
  async act(_m: Model, s: Sequence): Promise<string> {
    await s.ms.restartWorker();
    return 'new worker';
  }
}

class Check extends Step {
  protected override delivers = true;
  toString(): string {
    return 'Check';
  }
  async act(_m: Model, s: Sequence): Promise<string> {
    await s.checkQuiescent();
    return 'quiescent checks passed';
  }
}

// ------------------------------------------------------------------------------------------ arbitraries

/** A time jump kills the worker on the way now and then. */
const killWorker = fc.oneof({ weight: 12, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });

const winnerList = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.uniqueArray(fc.integer({ min: 0, max: WINNERS.length - 1 }), { minLength: 1, maxLength: 3 }),
  },
  // a big round (a task.confirm takes at most 15): several of them make a payout of more than one batch of 30
  { weight: 1, arbitrary: fc.integer({ min: 4, max: 15 }).map((n) => Array.from({ length: n }, (_, i) => i)) },
);

const passArbitrary: fc.Arbitrary<Pass> = fc
  .oneof(
    fc.tuple(
      fc.constantFrom<Anchor>('now'),
      fc.oneof(
        fc.integer({ min: 1_000, max: 5 * MIN }),
        fc.integer({ min: 5 * MIN, max: 6 * HOUR }),
        fc.integer({ min: 6 * HOUR, max: 6 * DAY }),
      ),
      killWorker,
    ),
    fc.tuple(
      fc.constantFrom<Anchor>('payment', 'announce', 'expiry', 'window', 'close'),
      fc.constantFrom(-MIN, -1_000, 0, 1_000, MIN, 30 * MIN),
      killWorker,
    ),
  )
  .map(([a, o, r]) => new Pass(a, o, r));

const operatorArbitrary: fc.Arbitrary<Operator> = fc
  .tuple(
    fc.constantFrom<OperatorAction>(
      'retry',
      'acknowledge',
      'settle_manually',
      'cancel_unpaid',
      'withdraw_round',
      'withdraw_leftover',
      'resolve_held_transfer',
    ),
    fc.nat(5),
    fc.boolean(),
  )
  .map(([a, i, pay]) => new Operator(a, i, pay));

const requestFaultArbitrary: fc.Arbitrary<RequestFault> = fc
  .tuple(
    fc.oneof(
      {
        weight: 3,
        arbitrary: fc.constantFrom(
          'alipay.witkey.task.confirm.by.platform' as const,
          'alipay.witkey.task.cancel.confirm.by.platform' as const,
        ),
      },
      { weight: 2, arbitrary: fc.constantFrom('alipay.trade.query' as const, 'alipay.trade.cancel' as const) },
      { weight: 1, arbitrary: fc.constantFrom(...SERVICES) },
    ),
    fc.constantFrom<RequestKind>('http5xx', 'systemError', 'drop', 'malformedXml', 'delay'),
    fc.oneof(
      { weight: 3, arbitrary: fc.integer({ min: 1, max: 3 }) },
      { weight: 2, arbitrary: fc.constant(5) },
      { weight: 1, arbitrary: fc.constant(6) },
    ),
    fc.constantFrom(0, 1, 2),
  )
  .map(([svc, k, t, trade]) => new RequestFault(svc, k, t, trade));

const notificationFaultArbitrary: fc.Arbitrary<NotificationFault> = fc
  .tuple(
    fc.constantFrom<NotifyKind>('duplicate', 'reorder', 'delay', 'drop', 'badSignature', 'gbk'),
    fc.option(fc.constantFrom(...NOTIFY_TYPES), { nil: undefined }),
    fc.integer({ min: 1, max: 3 }),
    fc.constantFrom(2 * MIN, 30 * MIN, 3 * HOUR, 20 * HOUR, 26 * HOUR, 3 * DAY),
    fc.integer({ min: 1, max: 3 }),
  )
  .map(([k, t, c, d, n]) => new NotificationFault(k, t, c, d, n));

const winnerFaultArbitrary: fc.Arbitrary<WinnerFault> = fc
  .tuple(
    fc.integer({ min: 0, max: WINNERS.length - 1 }),
    fc.constantFrom<'confirm' | 'payment' | 'leftover'>('confirm', 'payment', 'leftover'),
  )
  .map(([w, st]) => new WinnerFault(w, st));

const cancelArbitrary = fc
  .tuple(
    fc.nat(5),
    fc.integer({ min: 1, max: 3 }),
    fc.oneof(
      { weight: 3, arbitrary: fc.constant<CancelFault>('none') },
      {
        weight: 2,
        arbitrary: fc.constantFrom<CancelFault>(
          'http5xx x5',
          'http5xx x6',
          'systemError x5',
          'malformedXml x5',
          'drop x1',
          'drop x5',
        ),
      },
    ),
  )
  .map(([i, n, f]) => new CancelWinners(i, n, f));
const confirmArbitrary = fc.tuple(fc.nat(5), fc.boolean()).map(([i, f]) => new ConfirmRound(i, f));
const submitArbitrary = fc.tuple(fc.nat(3), fc.boolean()).map(([i, f]) => new SubmitLeftover(i, f));

export const commandArbitrary: fc.Arbitrary<fc.AsyncCommand<Model, Real>> = fc.oneof(
  { weight: 3, arbitrary: fc.boolean().map((f) => new PayCashier(f)) },
  { weight: 1, arbitrary: fc.constant(new OpenCashier()) },
  {
    weight: 5,
    arbitrary: fc
      .tuple(
        winnerList,
        fc.integer({ min: 1, max: 100 }),
        fc.option(fc.constantFrom(10 * MIN, HOUR, DAY, 3 * DAY, 8 * DAY, 40 * DAY), { nil: undefined, freq: 3 }),
        fc.boolean(),
      )
      .map(([w, share, announce, c]) => new SelectWinners(w, share, announce, c)),
  },
  { weight: 3, arbitrary: confirmArbitrary },
  { weight: 3, arbitrary: cancelArbitrary },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 50_000 })),
        fc.oneof(
          { weight: 1, arbitrary: fc.constant(0) },
          { weight: 1, arbitrary: fc.integer({ min: 1, max: 3_000 }) },
        ),
        fc.constantFrom(0, HOUR, DAY, 5 * DAY),
        fc.boolean(),
      )
      .map(([b, v, e, p]) => new Extend(b, v, e, p)),
  },
  { weight: 2, arbitrary: fc.tuple(fc.nat(3), fc.boolean()).map(([i, f]) => new PayAppend(i, f)) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        fc.constantFrom(100, 0, 30, 60),
        fc.constantFrom(0, 0, 10, 40),
        fc.array(fc.integer({ min: 0, max: WINNERS.length - 1 }), { maxLength: 2 }).map((a) => [...new Set(a)]),
        fc.constantFrom(0, 20, 50),
        fc.oneof({ weight: 2, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
      )
      .map(([r, p, w, wp, at]) => new PlanLeftover(r, p, w, wp, at)),
  },
  { weight: 2, arbitrary: submitArbitrary },
  { weight: 4, arbitrary: operatorArbitrary },
  { weight: 3, arbitrary: requestFaultArbitrary },
  { weight: 3, arbitrary: notificationFaultArbitrary },
  { weight: 1, arbitrary: winnerFaultArbitrary },
  { weight: 4, arbitrary: fc.constant(new Deliver()) },
  { weight: 6, arbitrary: passArbitrary },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        passArbitrary,
        fc.constantFrom(0, 40, 250),
        fc.oneof<fc.Arbitrary<Step>[]>(
          operatorArbitrary,
          cancelArbitrary,
          confirmArbitrary,
          submitArbitrary,
          fc.constant(new Deliver()),
          fc.constant(new RestartWorker()),
        ),
      )
      .map(([p, ms, inner]) => new During(p, ms, inner)),
  },
  { weight: 1, arbitrary: fc.constant(new RestartWorker()) },
  { weight: 2, arbitrary: fc.constant(new Check()) },
);

/** The task of a sequence: bounty, value-added fee, life; and whether the publisher pays at once. */
export const specArbitrary = fc.record({
  bountyFen: fc.oneof(fc.integer({ min: 100, max: 5_000 }), fc.integer({ min: 5_000, max: 500_000 })),
  valueAddedFeeFen: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5_000 })),
  expiresInMs: fc.constantFrom(3 * DAY, DAY, 10 * DAY, HOUR, 30 * DAY),
  payAtOnce: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  /** Alipay's misbehaviour from the start: faults waiting for the first requests / notifications they match. */
  faults: fc.array(
    fc.oneof<fc.Arbitrary<Step>[]>(
      requestFaultArbitrary,
      requestFaultArbitrary,
      notificationFaultArbitrary,
      winnerFaultArbitrary,
    ),
    { maxLength: 3 },
  ),
});

export type SequenceSetup = typeof specArbitrary extends fc.Arbitrary<infer T> ? T : never;

/** What the task of a sequence looks like in a report. */
export function describeSetup(spec: SequenceSetup): string {
  return `bounty ${spec.bountyFen} fen, value-added fee ${spec.valueAddedFeeFen}, expires +${fmtMs(spec.expiresInMs)}, ${spec.payAtOnce ? 'paid at once' : 'not paid at once'}, faults from the start [${spec.faults.map((f) => f.toString()).join('; ')}]`;
}

/** Runs the setup's faults (injected before the first command). */
export async function injectSetupFaults(m: Model, s: Sequence, spec: SequenceSetup): Promise<void> {
  for (const f of spec.faults) s.note(`${f.toString()} -> ${await f.act(m, s)}`);
}
