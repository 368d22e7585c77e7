/**
 * What a workflow's history holds, read from the server: its length and the events the baseline must match
 * (activities scheduled, updates accepted, signals, timers started).
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

const T = temporal.api.enums.v1.EventType;

export interface HistoryCounts {
  events: number;
  activities: number;
  updates: number;
  signals: number;
  timers: number;
}

export async function historyCounts(client: Client, workflowId: string): Promise<HistoryCounts> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const count = (type: temporal.api.enums.v1.EventType) => events.filter((e) => e.eventType === type).length;
  return {
    events: events.length,
    activities: count(T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
    updates: count(T.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED),
    signals: count(T.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED),
    timers: count(T.EVENT_TYPE_TIMER_STARTED),
  };
}
