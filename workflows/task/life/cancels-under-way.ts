import { condition } from '@temporalio/workflow';

/**
 * The cancelWinners updates under way. The life waits until none is before it repeats unknown cancels or pays
 * out, so a cancel accepted before an announcement ended finishes before that announcement's payout. It is not a
 * lock: cancels run side by side, and a cancel accepted while a payout is under way starts at once.
 */
export class CancelsUnderWay {
  private count = 0;

  /** A cancel starts; call what it returns when it has finished, whatever its outcome. */
  start(): () => void {
    this.count += 1;
    return () => {
      this.count -= 1;
    };
  }

  /** Resolves once no cancel is under way (at once if none is). */
  allFinished(): Promise<void> {
    return condition(() => this.count === 0);
  }
}
