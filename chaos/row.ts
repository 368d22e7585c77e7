/**
 * One line of the chaos table (`npm run chaos`): what a scenario did to the system and what the checks found.
 * Every scenario returns one; chaos/table.ts prints them and the verdict line.
 */
export interface ScenarioRow {
  scenario: string;
  /** Task lifecycles (or, for input fuzzing, 0). */
  tasks: number;
  /** Kills, restarts, gateway faults, duplicated / forged / delayed notifications, hostile inputs sent. */
  faultsInjected: number;
  /** Tasks at their expected final phase. */
  completed: number;
  /** Tasks parked in needs-attention with a true reason (a configuration error, a refused step, ...). */
  needsAttention: number;
  /** Every task's workflow ledger equals the sandbox's record of it to the fen, and every fen frozen is accounted for. */
  moneyConserved: boolean;
  /** Transfers (winner payments, refunds, platform shares) executed more than once at the gateway. */
  duplicatesExecuted: number;
  /** Notifications answered `success` that no task or inbox item reflects. */
  notificationsLost: number;
  /** Forged or tampered notifications that changed anything. */
  forgedAccepted: number;
  /** HTTP 5xx answers other than "Temporal unreachable" (503 from the webhook while Temporal is down). */
  serverErrors: number;
  /** witkey processes that died on their own (not killed by the scenario), or in-process handlers that threw. */
  crashes: number;
  /** What went wrong, one line each (empty when every check passed). */
  problems: string[];
  /** The attention codes of the tasks in needs-attention, with how many tasks carry each. */
  attentionCodes?: Record<string, number>;
}

export interface ScenarioOptions {
  /** The CI form: fewer tasks and inputs, same checks. */
  short: boolean;
  /** Progress lines for people (stderr). */
  say: (line: string) => void;
}

export interface Scenario {
  name: string;
  run(opts: ScenarioOptions): Promise<ScenarioRow>;
}

/** A row with nothing counted yet. */
export function emptyRow(scenario: string): ScenarioRow {
  return {
    scenario,
    tasks: 0,
    faultsInjected: 0,
    completed: 0,
    needsAttention: 0,
    moneyConserved: true,
    duplicatesExecuted: 0,
    notificationsLost: 0,
    forgedAccepted: 0,
    serverErrors: 0,
    crashes: 0,
    problems: [],
  };
}
