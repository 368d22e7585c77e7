/**
 * What the operators' tools see of the batch: tasks per phase through the search attribute WitkeyPhase (SQL
 * visibility on PostgreSQL), and the same count through the Web UI server's HTTP API.
 */
import type { Client } from '@temporalio/client';
import { TASK_WORKFLOW_TYPE } from '../../workflows/messages';

export interface VisibleCounts {
  /** Tasks per phase, counted by Temporal's visibility. */
  byPhase: Record<string, number>;
  /** Tasks the Web UI server counts through its own API. */
  throughUi: number;
}

export async function visibleCounts(
  client: Client,
  uiUrl: string,
  namespace: string,
  phases: string[],
): Promise<VisibleCounts> {
  const byPhase: Record<string, number> = {};
  for (const phase of phases) {
    const query = `WorkflowType = '${TASK_WORKFLOW_TYPE}' AND WitkeyPhase = '${phase}'`;
    byPhase[phase] = (await client.workflow.count(query)).count;
  }
  const query = encodeURIComponent(`WorkflowType = '${TASK_WORKFLOW_TYPE}'`);
  const res = await fetch(`${uiUrl}/api/v1/namespaces/${namespace}/workflow-count?query=${query}`, {
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`the Web UI server answered HTTP ${res.status} to its workflow count`);
  const throughUi = Number(((await res.json()) as { count?: string | number }).count ?? 0);
  return { byPhase, throughUi };
}

/** Polls until visibility shows each phase's expected count and the UI the total (visibility trails by a moment). */
export async function awaitVisibleCounts(
  client: Client,
  uiUrl: string,
  namespace: string,
  expected: Record<string, number>,
  timeoutMs = 20_000,
): Promise<{ seen: VisibleCounts; agrees: boolean }> {
  const total = Object.values(expected).reduce((a, b) => a + b, 0);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen = await visibleCounts(client, uiUrl, namespace, Object.keys(expected));
    const agrees = seen.throughUi === total && Object.entries(expected).every(([p, n]) => seen.byPhase[p] === n);
    if (agrees || Date.now() > deadline) return { seen, agrees };
    await new Promise((r) => setTimeout(r, 1_000));
  }
}
