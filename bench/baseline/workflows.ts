/**
 * The baseline of `npm run bench -- lifecycle` and `open-tasks`: a workflow that does nothing but what Temporal
 * itself charges for — the same numbers of activities, updates, signals and timers as a witkey task's lifecycle,
 * with no-op handlers and no-op activities — so that the bounty task's own cost is what a ratio against it shows.
 * Bundled on its own by bench/baseline/worker.ts (not part of the witkey bundle).
 */
import {
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  proxyActivities,
  setHandler,
  sleep,
} from '@temporalio/workflow';
import type { BaselineActivities } from './activities';

export interface BaselineInput {
  activities: number;
  updates: number;
  signals: number;
  timers: number;
  /** Workflow time at which the last timer fires (as the task's expiry), so both sides live equally long. */
  untilMs: number;
}

export interface BaselineCounts {
  updates: number;
  signals: number;
}

export const stepUpdate = defineUpdate<number, [number]>('step');
export const eventSignal = defineSignal<[unknown]>('event');
export const countsQuery = defineQuery<BaselineCounts>('counts');

const { noop } = proxyActivities<BaselineActivities>({ startToCloseTimeout: '1 minute' });

export async function baseline(input: BaselineInput): Promise<BaselineCounts> {
  const counts: BaselineCounts = { updates: 0, signals: 0 };
  setHandler(stepUpdate, (n) => {
    counts.updates += 1;
    return n;
  });
  setHandler(eventSignal, () => void (counts.signals += 1));
  setHandler(countsQuery, () => counts);
  for (let i = 0; i < input.activities; i++) await noop(i);
  for (let i = 1; i < input.timers; i++) await sleep(1);
  await condition(() => counts.updates >= input.updates && counts.signals >= input.signals);
  if (input.timers > 0) await sleep(Math.max(1, input.untilMs - Date.now()));
  return counts;
}

/** For open-tasks: a task that is started, takes its updates and signals, and then stays open until cancelled. */
export async function openBaseline(input: BaselineInput): Promise<void> {
  await baseline({ ...input, untilMs: Number.MAX_SAFE_INTEGER / 2 });
}
