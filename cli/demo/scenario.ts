/**
 * The main job's scenario: one task of each kind (cli/demo/plays.ts) at once against the sandbox, then the ledger
 * table, sandbox and workflow side by side. Task ids carry a per-run prefix, so a second run on the same data works.
 */
import type { WitkeyTasks } from '../../client/tasks';
import { DEMO_TIMES, isFinal, playTask, waitForTask, type DemoSandbox, type PlayContext } from './plays';
import { ledgerTable, type LedgerRow } from './table';
import { sandboxLedger } from './sandbox-ledger';

export { DEMO_TIMES, type DemoSandbox } from './plays';

export interface DemoResult {
  rows: LedgerRow[];
  allEqual: boolean;
  table: string;
}

export async function runScenario(
  tasks: WitkeyTasks,
  sandbox: DemoSandbox,
  say: (line: string) => void,
): Promise<DemoResult> {
  const t = DEMO_TIMES;
  say(
    `scenario: time is compressed: announcement ${t.announcementMs / 1000} s (days in reality), tasks expire after ${t.expiryMs / 1000} s, payment deadline ${t.paymentTimeoutMs / 1000} s (2 h), notification resend window ${t.resendWindowMs / 1000} s (24h22m), resends ${t.sandboxTimeFactor}x faster`,
  );
  const ctx: PlayContext = { tasks, sandbox, times: t, say };
  const prefix = runPrefix(new Date());
  const ids = (['A', 'B', 'C'] as const).map((kind) => ({ kind, id: `${prefix}-${kind}` }));
  await Promise.all(ids.map(({ kind, id }) => playTask(ctx, kind, id)));

  say(`scenario: waiting ${t.resendWindowMs / 1000} s of resend window for the tasks to settle`);
  const rows: LedgerRow[] = [];
  for (const { id } of ids) {
    const v = await waitForTask(ctx, id, 'settlement', isFinal, 60_000).catch(() => tasks.status(id));
    rows.push({ task: id, phase: v.phase, workflow: v.ledger, sandbox: await sandboxLedger(sandbox, id) });
  }
  const allEqual = rows.every((r) => r.sandbox && JSON.stringify(r.sandbox) === JSON.stringify(r.workflow));
  return { rows, allEqual, table: ledgerTable(rows) };
}

/** d + yyMMddHHmmss (UTC): short enough that business numbers keep the task id literally. */
export function runPrefix(at: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `d${String(at.getUTCFullYear()).slice(2)}${p(at.getUTCMonth() + 1)}${p(at.getUTCDate())}${p(at.getUTCHours())}${p(at.getUTCMinutes())}${p(at.getUTCSeconds())}`;
}
