/** The waits this pass of the life watches (each behind its patch: tasks older than the patch never watch it). */
export interface Watching {
  /** Money in flight whose notifications are overdue. */
  overdue: boolean;
  /** Leftover plans not submitted, frozen money with no plan after expiry. */
  leftover: boolean;
  /** Cancels whose outcome is unknown, repeated with backoff. */
  cancels: boolean;
}
