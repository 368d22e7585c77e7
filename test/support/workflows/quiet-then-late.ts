/**
 * A workflow for the quiet-task test (test/integration/quiet-task-grouping.test.ts): notices are quiet until
 * `lateAtMs` and upsert a memo after it (a handler whose commands depend on the workflow's time, as the bounty task's
 * published phase does); a request is always rejected by its validator. A notice that asks it calls the sink `hold`:
 * the test's worker keeps that workflow task open until the test releases it.
 */
import {
  condition,
  defineSignal,
  defineUpdate,
  proxySinks,
  setHandler,
  upsertMemo,
  type Sinks,
} from '@temporalio/workflow';

export interface Notice {
  /** Hold this workflow task open until the test releases it. */
  hold?: boolean;
  /** The last notice: the workflow completes. */
  last?: boolean;
}

export const noticeSignal = defineSignal<[Notice]>('notice');
export const requestUpdate = defineUpdate<void>('request');

export interface HoldSinks extends Sinks {
  hold: { workflowTask(): void };
}
const { hold } = proxySinks<HoldSinks>();

/** Returns how many notices came at or after `lateAtMs`. */
export async function quietThenLate(lateAtMs: number): Promise<number> {
  let late = 0;
  let done = false;
  setHandler(noticeSignal, (notice) => {
    if (Date.now() >= lateAtMs) upsertMemo({ lateNotices: ++late });
    if (notice.hold) hold.workflowTask();
    if (notice.last) done = true;
  });
  setHandler(requestUpdate, () => undefined, {
    validator: () => {
      throw new Error('requests are always rejected here');
    },
  });
  await condition(() => done);
  return late;
}
