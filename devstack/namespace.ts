/**
 * Namespace set-up shared by every server start: the custom search attributes (through the operator API, which
 * also works on an existing database where the dev server's start-up flags are ignored, and on the time-skipping
 * server) and the retention period (raised above the dev server's 1-day default so finished tasks stay visible).
 */
import type { Connection } from '@temporalio/client';
import type { SearchAttributeType } from '@temporalio/common';
import {
  encodeSearchAttributeIndexedValueType,
  type SearchAttributeKey,
} from '@temporalio/common/lib/search-attributes';
import { msToTs } from '@temporalio/common/lib/time';
import { WITKEY_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';

export const DEFAULT_RETENTION_DAYS = 30;

/** Registers the missing witkey search attributes; returns the names it added. Idempotent. */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  let existing;
  try {
    existing = await connection.operatorService.listSearchAttributes({ namespace });
  } catch (err) {
    // The Java time-skipping server implements AddSearchAttributes but not ListSearchAttributes.
    if ((err as { code?: number }).code !== GRPC_UNIMPLEMENTED) throw err;
    await addSearchAttributes(connection, namespace, WITKEY_SEARCH_ATTRIBUTES);
    return WITKEY_SEARCH_ATTRIBUTES.map((k) => k.name);
  }
  const known = new Set([
    ...Object.keys(existing.customAttributes ?? {}),
    ...Object.keys(existing.systemAttributes ?? {}),
  ]);
  const missing = WITKEY_SEARCH_ATTRIBUTES.filter((k) => !known.has(k.name));
  if (missing.length === 0) return [];
  await addSearchAttributes(connection, namespace, missing);
  return missing.map((k) => k.name);
}

const GRPC_UNIMPLEMENTED = 12;

async function addSearchAttributes(
  connection: Connection,
  namespace: string,
  keys: readonly SearchAttributeKey<SearchAttributeType>[],
): Promise<void> {
  const searchAttributes = Object.fromEntries(
    keys.map((k) => [k.name, encodeSearchAttributeIndexedValueType(k.type)!]),
  );
  await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
}

/** Sets the namespace's workflow-execution retention when it is shorter than `days`. Returns the retention in days. */
export async function ensureRetention(
  connection: Connection,
  namespace: string,
  days = DEFAULT_RETENTION_DAYS,
): Promise<number> {
  const desc = await connection.workflowService.describeNamespace({ namespace });
  const current = Number(desc.config?.workflowExecutionRetentionTtl?.seconds ?? 0) / 86_400;
  if (current >= days) return current;
  await connection.workflowService.updateNamespace({
    namespace,
    config: { workflowExecutionRetentionTtl: msToTs(days * 86_400_000) },
  });
  return days;
}

const GRPC_ALREADY_EXISTS = 6;

/** Registers `namespace` with `days` of retention when it does not exist (a fresh cluster has none). Idempotent. */
export async function ensureNamespace(
  connection: Connection,
  namespace: string,
  days = DEFAULT_RETENTION_DAYS,
): Promise<boolean> {
  try {
    await connection.workflowService.registerNamespace({
      namespace,
      description: 'witkey bounty tasks',
      workflowExecutionRetentionPeriod: msToTs(days * 86_400_000),
    });
    return true;
  } catch (err) {
    if ((err as { code?: number }).code === GRPC_ALREADY_EXISTS) return false;
    throw err;
  }
}
