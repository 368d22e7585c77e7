/**
 * A short workflow that proves a stack end to end: the worker polls, timers fire (days of them on the
 * time-skipping server), and the witkey search attributes are registered (upserting an unknown one fails
 * the workflow task). `witkey up` runs it once after start-up; the provisioning tests run it on both servers.
 */
import { sleep, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import {
  WITKEY_AMOUNT_FEN,
  WITKEY_ANNOUNCEMENT_END,
  WITKEY_NEEDS_ATTENTION,
  WITKEY_PHASE,
  WITKEY_PUBLISHER_ID,
} from './search-attributes';

export interface StackCheckInput {
  /** How long the workflow sleeps on a durable timer, in milliseconds. */
  sleepMs: number;
}

export interface StackCheckResult {
  /** Workflow time (ms since epoch) before and after the timer. */
  startedAtMs: number;
  finishedAtMs: number;
  /** The search attributes the workflow sees after its upsert, by name. */
  searchAttributes: string[];
}

export async function stackCheck(input: StackCheckInput): Promise<StackCheckResult> {
  const startedAtMs = Date.now();
  upsertSearchAttributes([
    { key: WITKEY_PHASE, value: 'stack_check' },
    { key: WITKEY_PUBLISHER_ID, value: 'devstack' },
    { key: WITKEY_AMOUNT_FEN, value: 0 },
    { key: WITKEY_ANNOUNCEMENT_END, value: new Date(startedAtMs + input.sleepMs) },
    { key: WITKEY_NEEDS_ATTENTION, value: false },
  ]);
  if (input.sleepMs > 0) await sleep(input.sleepMs);
  const searchAttributes = workflowInfo()
    .typedSearchAttributes.getAll()
    .map((pair) => pair.key.name)
    .sort();
  return { startedAtMs, finishedAtMs: Date.now(), searchAttributes };
}
