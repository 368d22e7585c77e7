/** Building signed notifications as Alipay would (the protocol library's gateway side, the sandbox's keys) and POSTing them. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { buildNotification, formSerialize, loadPrivateKey, type MapiSigner, type NotifyEvent } from '../../alipay';
import { WitkeyTasks, type InboxItem } from '../../client/tasks';
import { taskWorkflowId } from '../../workflows/messages';
import type { Sandbox } from '../../sandbox';

/** Alipay's DSA key of the sandbox: what a genuine notification is signed with. */
export function alipaySigner(sandbox: Sandbox): MapiSigner {
  return { signType: 'DSA', privateKey: loadPrivateKey(readFileSync(sandbox.config.keyFiles.alipayDsaPrivate), 'dsa') };
}

/** A DSA key that is not Alipay's (the fixtures' test key): a forger's signature. */
export function forgerSigner(): MapiSigner {
  return {
    signType: 'DSA',
    privateKey: loadPrivateKey(
      readFileSync(join(__dirname, '..', '..', '..', 'test', 'fixtures', 'alipay', 'dsa-private-pkcs8.pem')),
      'dsa',
    ),
  };
}

export function signedBody(
  notifyId: string,
  event: NotifyEvent,
  signer: MapiSigner,
): { fields: Record<string, string>; body: string } {
  const built = buildNotification({ notifyId, event }, signer, 'utf-8');
  return { fields: { ...built.fields }, body: built.body };
}

/** Re-serialise fields as they are (no new signature): tampering. */
export function rawBody(fields: Record<string, string>): string {
  return formSerialize(fields, 'utf-8');
}

export interface Answer {
  status: number;
  text: string;
}

export async function post(
  url: string,
  body: string | Buffer,
  contentType = 'application/x-www-form-urlencoded; charset=utf-8',
): Promise<Answer> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });
  return { status: res.status, text: await res.text() };
}

/** The notify_ids of the notification signals in a task's history, in order. */
export async function signalledNotifyIds(client: Client, outerTaskId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(taskWorkflowId(outerTaskId)).fetchHistory();
  const ids: string[] = [];
  for (const e of history.events ?? []) {
    const a = e.workflowExecutionSignaledEventAttributes;
    if (a?.signalName !== 'notification') continue;
    const data = a.input?.payloads?.[0]?.data;
    ids.push((JSON.parse(Buffer.from(data!).toString('utf8')) as { notifyId: string }).notifyId);
  }
  return ids;
}

export async function historyLength(client: Client, outerTaskId: string): Promise<number> {
  const history = await client.workflow.getHandle(taskWorkflowId(outerTaskId)).fetchHistory();
  return history.events?.length ?? 0;
}

/** The operators' inbox: every open item (one inboxItem workflow each), every page. */
export async function inboxItems(client: Client): Promise<InboxItem[]> {
  const tasks = new WitkeyTasks(client, { taskQueue: 'unused', feeRates: { commissionBp: 0, alipayFeeBp: 0 } });
  const items: InboxItem[] = [];
  let pageToken: string | undefined;
  do {
    const page = await tasks.inbox({ limit: 1000, ...(pageToken ? { pageToken } : {}) });
    items.push(...page.items);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return items;
}
