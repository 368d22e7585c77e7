/**
 * The audit record of a closed task (ledger, transfers, operator actions, every notification processed), written
 * when the workflow completes, so the history survives Temporal's retention; `status` falls back to it.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TaskActivities } from './types';

export interface AuditConfig {
  /** Folder of the records, one JSON file per task (WITKEY_AUDIT_DIR). */
  auditDir: string;
}

/** The file of a task's record: the outer_task_id, made safe for a file name (ids are [A-Za-z0-9_.:-]). */
export function auditFile(auditDir: string, outerTaskId: string): string {
  return join(auditDir, `${outerTaskId.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`);
}

export function auditActivities(config?: AuditConfig): Pick<TaskActivities, 'writeAuditRecord'> {
  return {
    async writeAuditRecord({ outerTaskId, record }) {
      if (!config) return { path: '' }; // no audit folder configured: nothing kept beyond Temporal's retention
      await mkdir(config.auditDir, { recursive: true });
      const path = auditFile(config.auditDir, outerTaskId);
      const tmp = `${path}.${process.pid}.tmp`;
      await writeFile(
        tmp,
        `${JSON.stringify({ writtenAt: new Date().toISOString(), outerTaskId, ...record }, null, 2)}\n`,
      );
      await rename(tmp, path); // atomic: a reader sees the old record or the new one
      return { path };
    },
  };
}
