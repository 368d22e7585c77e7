/** What every chaos scenario on the in-process stack shares: the end-of-run checks and the row's counters. */
import { checkTasks } from './checks';
import { openLives, type Driver, type Life } from './lifecycles';
import type { ScenarioRow } from './row';
import type { Fault, FaultSpec } from '../sandbox';
import type { TestStack } from '../test/support/stack';

/** Faults injected into the sandbox, counted by how often they hit. */
export class FaultLedger {
  readonly #times = new Map<string, number>();
  constructor(private readonly stack: TestStack) {}

  inject(spec: FaultSpec): Fault {
    const f = this.stack.sandbox.injectFault(spec);
    this.#times.set(f.id, spec.times ?? 1);
    return f;
  }

  /** Hits so far: a fault used up is gone from the sandbox's list (it hit `times` times). */
  hits(): number {
    const live = new Map(this.stack.sandbox.faults().map((f) => [f.id, f.used]));
    let n = 0;
    for (const [id, times] of this.#times) n += live.has(id) ? live.get(id)! : times;
    return n;
  }
}

/** Counts unhandled rejections and uncaught exceptions while a scenario runs (in-process handlers that threw). */
export function watchCrashes(): { count(): number; stop(): void } {
  let n = 0;
  const onError = (): void => {
    n++;
  };
  process.on('unhandledRejection', onError);
  return {
    count: () => n,
    stop: () => process.off('unhandledRejection', onError),
  };
}

/** The webhook's 5xx answers other than "Temporal unreachable" / "notify_verify unreachable": internal errors. */
export async function webhookInternalErrors(stack: TestStack): Promise<number> {
  const res = await stack.webhook.inject({ method: 'GET', url: '/metrics' });
  const m = /witkey_notifications_refused_total\{reason="internal_error"\} (\d+)/.exec(res.body);
  return m ? Number(m[1]) : 0;
}

/** The checks after a scenario, into the row: phases, money, doubles, lost notifications, open tasks. */
export async function finalChecks(d: Driver, lives: Life[], row: ScenarioRow): Promise<void> {
  const f = await checkTasks({ tasks: d.tasks, client: d.client, books: d.stack.sandbox }, lives);
  row.completed = f.completed;
  row.needsAttention += f.needsAttention;
  row.moneyConserved = f.moneyConserved;
  row.duplicatesExecuted = f.duplicatesExecuted;
  row.notificationsLost = f.notificationsLost;
  row.problems.push(...f.problems);
  row.attentionCodes = f.attentionCodes;
  for (const life of await openLives(d, lives)) {
    const v = await d.tasks.status(life.id);
    row.problems.push(
      `${life.id}: still open at the end without an attention flag (phase ${v.phase}; ${v.pendingActions.join('; ') || 'nothing pending'})`,
    );
  }
  const violations = d.stack.sandbox.ledger().violations;
  if (violations.length) {
    row.moneyConserved = false;
    row.problems.push(...violations.map((v) => `sandbox books: ${v}`));
  }
  row.problems.push(...d.problems);
}
