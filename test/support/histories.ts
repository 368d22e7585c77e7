/**
 * Recording workflow histories for the replay tests: with WITKEY_RECORD_HISTORIES=<dir> set, tests save the
 * history of the task they drove as <dir>/<name>.json (the Temporal JSON history format). Otherwise nothing happens.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { taskWorkflowId } from '../../workflows/messages';

export async function saveHistory(client: Client, outerTaskId: string, name: string): Promise<void> {
  const dir = process.env.WITKEY_RECORD_HISTORIES;
  if (!dir) return;
  const history = await client.workflow.getHandle(taskWorkflowId(outerTaskId)).fetchHistory();
  await mkdir(resolve(dir), { recursive: true });
  await writeFile(join(resolve(dir), `${name}.json`), historyToJSON(history));
}
