/**
 * The patch ids of the bounty task workflow (docs/VERSIONING.md): each names one change of workflow logic, and the
 * code keeps both branches behind `patched(id)` until no running task can still need the old one.
 */
/** Due transfers of all rounds share confirm.by.platform calls (it was one call per round). */
export const PAYOUT_BATCHES_ACROSS_ROUNDS = 'payout-batches-across-rounds';
/** The audit record written when a task closes (tasks closed before it have none). */
export const AUDIT_RECORD = 'audit-record';
/** Money in flight whose notifications do not come within Alipay's resend window is flagged for an operator. */
export const OVERDUE_NOTIFICATIONS = 'overdue-notifications';
/** WitkeyAmountFen is upserted whenever the frozen bounty changes (amount.append), not only with the phase. */
export const SEARCH_ATTRIBUTE_AMOUNT = 'search-attribute-amount';
/** A message that arrives while the task closes (its audit record is written) keeps the task open and is acted on. */
export const CLOSE_RECHECKS_MESSAGES = 'close-rechecks-messages';
/** A manual settlement made while a payout is under way stops the batches not yet sent. */
export const SETTLEMENT_STOPS_PAYOUT = 'settlement-stops-payout';
/** A cancellation with an unknown outcome is repeated at once (with backoff), and held for an operator if still unknown. */
export const CANCEL_UNKNOWN_REPEATED = 'cancel-unknown-repeated';
/** Results of selectWinners / planLeftover / extend are kept by request id in the carried state. */
export const REQUESTS_CARRIED = 'requests-carried';
/** cancel_unpaid on a task whose payment step is blocked resolves the freeze now (it used to do nothing). */
export const CANCEL_UNPAID_UNBLOCKS = 'cancel-unpaid-unblocks';
/** Leftover plans never submitted, and frozen money with no plan after expiry, are flagged for an operator. */
export const LEFTOVER_WAITS = 'leftover-waits';
/** A bounty frozen after a manual settlement of an unpaid task is flagged (it kept the task from closing with it hidden). */
export const PAID_AFTER_SETTLEMENT_FLAGGED = 'paid-after-settlement-flagged';
/** `acknowledge` leaves money items open (MONEY_ATTENTION): only their own action resolves them. */
export const MONEY_ATTENTION_STANDS = 'money-attention-stands';
/** An open task with no timer, no activity and nothing for an operator asks an operator (never sits unseen). */
export const NOTHING_SCHEDULED = 'nothing-scheduled-flagged';
/** WitkeyAmountFen is the money frozen now (0 when unpaid, cancelled or paid out), not the published bounty. */
export const AMOUNT_IS_FROZEN_NOW = 'amount-is-frozen-now';
/**
 * A deadline whose timer fired is past: workflow time is at least that deadline. (A query sent while no worker ran is
 * answered from a history that ends before the next workflow task started: the SDK applies the fired timer with the
 * previous task's time and sends those commands with the next task; a replay sees the real time.)
 */
export const FIRED_DEADLINE_IS_PAST = 'fired-deadline-is-past';
/**
 * The next deadline is taken from the time the pass over the steps began, not the time after them: a deadline that
 * fell due while a step waited (a payout, a cancellation under way) wakes the task at once instead of being dropped
 * (the task then asked an operator: NOTHING_SCHEDULED, chaos seed 1, cluster A001).
 */
export const DEADLINES_SINCE_STEPS = 'deadlines-since-steps';
/**
 * A task that finds nothing scheduled looks again before asking an operator when a message changed it after the pass
 * chose what to watch: a cancellation or notification that arrived while a step waited may have freed money whose wait
 * (the leftover after expiry) the pass did not watch (NOTHING_SCHEDULED, chaos crashes, A184).
 */
export const LOOK_AGAIN_AFTER_CHANGE = 'look-again-after-change';
/**
 * The timer towards the next deadline is kept across wakes while the deadline stays the same: a message no longer
 * cancels it and starts the same timer again (two history events per message).
 */
export const KEEP_DEADLINE_TIMER = 'keep-deadline-timer';
/**
 * A workflow task that handled history events but would send no command that adds an event (a duplicate
 * notification, an activity result the task only notes) records one (the memo QUIET_TASKS_MEMO,
 * workflows/quiet-task-mark.ts), so that a replay groups the events into the same workflow tasks as they ran.
 */
export const QUIET_TASKS_MARKED = 'quiet-tasks-marked';
/**
 * The OpenTelemetry workflow interceptors run only in runs started with a trace context (workflows/traced-runs.ts):
 * in the others they made spans nobody exported: 19% of the CPU of a replay of a lifecycle (103 vs 128 ms).
 */
export const TRACED_RUNS_ONLY = 'traced-runs-only';
