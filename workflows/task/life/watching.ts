/** The waits this pass of the life watches (each behind its patch: tasks older than the patch never watch it). */
export interface Watching {
  /** Money in flight whose notifications are overdue. */
  overdue: boolean;
  /** Leftover plans not submitted, frozen money with no plan after expiry. */
  leftover: boolean;
  /** Cancels whose outcome is unknown, repeated with backoff. */
  cancels: boolean;
  /** The task's change count when the pass chose what to watch: a later change may call for other waits. */
  atChange: number;
}
