/**
 * The timer the life sleeps on towards its next deadline, kept across wakes. A message wakes the task, the pass acts
 * and the next deadline is most often the one it slept towards: the timer then goes on, instead of being cancelled
 * and started again for the same time (two history events, and the server's work for them, per message).
 */
import { CancellationScope, condition, sleep } from '@temporalio/workflow';

interface Running {
  atMs: number;
  scope: CancellationScope;
  /** Resolves (false: not woken by a change) when the timer fires; never when it was cancelled. */
  fired: Promise<false>;
  done: boolean;
}

const never = new Promise<never>(() => undefined);

export class DeadlineTimer {
  private running: Running | undefined;

  /**
   * Sleeps until `atMs` (+Infinity: no timer) or until `woken()` holds; returns whether it was woken. The timer of
   * an earlier sleep towards the same time is kept; one towards another time is cancelled.
   */
  async sleep(deadline: { atMs: number; what: string }, nowMs: number, woken: () => boolean): Promise<boolean> {
    const timer = this.timerFor(deadline, nowMs);
    const wake = new CancellationScope();
    const wakes = wake
      .run(() => condition(woken))
      .then(
        () => true as const,
        () => never, // cancelled below once the timer won
      );
    const wasWoken = await Promise.race([wakes, timer?.fired ?? never]);
    if (!wasWoken) {
      this.running = undefined; // fired
      wake.cancel(); // the wait for a change is over
    }
    return wasWoken;
  }

  private timerFor(deadline: { atMs: number; what: string }, nowMs: number): Running | undefined {
    const kept = this.running;
    if (kept && !kept.done && kept.atMs === deadline.atMs) return kept;
    if (kept && !kept.done) kept.scope.cancel();
    this.running = undefined;
    if (!Number.isFinite(deadline.atMs)) return undefined;
    const scope = new CancellationScope();
    const running: Running = { atMs: deadline.atMs, scope, done: false, fired: never };
    // at least 1 ms: a deadline that fell due while the steps ran is slept for an instant (a timer, as any other)
    running.fired = scope
      .run(() => sleep(Math.max(1, deadline.atMs - nowMs), { summary: deadline.what }))
      .then(
        () => {
          running.done = true;
          return false as const;
        },
        () => {
          running.done = true;
          return never; // cancelled: nobody waits for it any more
        },
      );
    this.running = running;
    return running;
  }
}
