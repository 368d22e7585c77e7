/**
 * A workflow for the quiet-task test (test/integration/quiet-task-grouping.test.ts): notices are quiet until
 * `lateAtMs` and upsert a memo after it (a handler whose commands depend on the workflow's time, as the bounty task's
 * published phase does); a request is always rejected by its validator, which may first keep its workflow task open
 * for `holdMs` (the workflow thread waits) so that an event arrives while it runs.
 */
import { condition, defineSignal, defineUpdate, setHandler, upsertMemo } from '@temporalio/workflow';

export interface Notice {
  /** The last notice: the workflow completes. */
  last?: boolean;
}

export interface Request {
  /** How long the validator keeps the workflow task open before it rejects the request. */
  holdMs?: number;
}

export const noticeSignal = defineSignal<[Notice]>('notice');
export const requestUpdate = defineUpdate<void, [Request]>('request');

/** Returns how many notices came at or after `lateAtMs`. */
export async function quietThenLate(lateAtMs: number): Promise<number> {
  let late = 0;
  let done = false;
  setHandler(noticeSignal, (notice) => {
    if (Date.now() >= lateAtMs) upsertMemo({ lateNotices: ++late });
    if (notice.last) done = true;
  });
  setHandler(requestUpdate, () => undefined, {
    validator: ({ holdMs }: Request) => {
      if (holdMs) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, holdMs);
      throw new Error('requests are always rejected here');
    },
  });
  await condition(() => done);
  return late;
}
