// The sandbox's clock and the resend schedule.
//
// The clock is injectable: by default the wall clock; in time-skipping workflow tests the Temporal test server's
// time, so that "expired" and "announcement over" agree with the workflow's timers. A persisted offset
// (`advanceClock`) lets demos and HTTP tests jump forward without touching the injected clock.

/** Milliseconds since the epoch, possibly asynchronous (the Temporal test server's time is). */
export interface SandboxClock {
  now(): Promise<number>;
}

export const wallClock: SandboxClock = { now: async () => Date.now() };

/** A clock a test moves by hand. */
export class ManualClock implements SandboxClock {
  #ms: number;
  constructor(startMs: number = Date.now()) {
    this.#ms = startMs;
  }
  async now(): Promise<number> {
    return this.#ms;
  }
  set(ms: number): void {
    this.#ms = ms;
  }
  advance(ms: number): number {
    this.#ms += ms;
    return this.#ms;
  }
}

/** Alipay's resend intervals after the first attempt: 2m, 10m, 10m, 1h, 2h, 6h, 15h (7 resends, about 24h22m). */
export const RESEND_INTERVALS_MS: readonly number[] = [2, 10, 10, 60, 120, 360, 900].map((m) => m * 60_000);

/**
 * The delay before resend number `resendIndex` (0-based), compressed by the time factor; undefined when the
 * schedule is exhausted. At least 1 ms so that a resend is never due at the instant of the failed attempt.
 */
export function resendDelayMs(resendIndex: number, timeFactor: number): number | undefined {
  const base = RESEND_INTERVALS_MS[resendIndex];
  if (base === undefined) return undefined;
  return Math.max(1, Math.round(base / timeFactor));
}
