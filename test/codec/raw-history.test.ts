/**
 * Encryption end to end, on the embedded stack as `witkey up` composes it (cli/stack.ts): the dev server with its Web
 * UI pointed at the codec server (`--ui-codec-endpoint`), the sandbox, the worker and the webhook, all with one key.
 * A task is published by a publisher with an Alipay id, paid at the sandbox's cashier (its task_freeze notification
 * goes through the webhook into the workflow) and a winner with a nickname is paid immediately. Then:
 * - the RAW history, read by a client without the codec, holds none of the publisher's Alipay id, the winner's id
 *   and nickname, the title, nor any notification's notify_id or body;
 * - the decoding client reads the task's state (query) as always;
 * - the Web UI is configured with the codec endpoint, and the payloads of that raw history, sent to the codec
 *   server as the UI sends them (its origin, X-Namespace), come back decoded with the ids and the nickname in them;
 * - the Temporal CLI, pointed at the codec server (`--codec-endpoint`), shows the history decoded;
 * - `witkey status` from another shell reads the task with the same data folder (its key is found there), and says
 *   what is missing without keys or with another key.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { devNull, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { embeddedCodecKeys, loadCodecServerSettings } from '../../cli/codec-config';
import { loadStackConfig } from '../../cli/config';
import { waitForTask } from '../../cli/demo/plays';
import { loadSiteConfig } from '../../cli/site-config';
import { startStack, type RunningStack } from '../../cli/stack';
import { payloadToJson } from '../../codec/json-payloads';
import { freePort } from '../../devstack/ports';
import { resolveTemporalCli } from '../../devstack/temporal-cli';
import { taskWorkflowId } from '../../workflows/messages';
import '../support/servers'; // quiet worker logs
import { cleanEnv, witkey } from '../cli/helpers';

const PUBLISHER_ALIPAY_ID = '2088102000000917';
const WINNER_ALIPAY_ID = '2088203000000918';
const NICKNAME = '天之蓝Nick917';
const TITLE = 'Secret logo / 机密标志 917';
const ID = `enc-${process.pid}`;

/** Every payload object ({metadata, data}) anywhere in a decoded history. */
function payloadsIn(value: unknown, found: Payload[] = []): Payload[] {
  if (Array.isArray(value)) for (const v of value) payloadsIn(v, found);
  else if (value && typeof value === 'object' && !(value instanceof Uint8Array)) {
    const o = value as Record<string, unknown>;
    if (o.metadata && typeof o.metadata === 'object' && o.data instanceof Uint8Array) found.push(o);
    else for (const v of Object.values(o)) payloadsIn(v, found);
  }
  return found;
}

describe('encrypted payloads on the embedded stack', () => {
  let stack: RunningStack;
  let dataDir: string;
  let uiPort: number;
  const quiet = (): void => undefined;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'witkey-codec-e2e-'));
    const [temporalPort, httpPort, sandboxPort] = [await freePort(), await freePort(), await freePort()];
    uiPort = await freePort();
    const env = {
      TEMPORAL_CONFIG_FILE: devNull,
      WITKEY_DATA_DIR: dataDir,
      WITKEY_TEMPORAL_PORT: String(temporalPort),
      WITKEY_UI_PORT: String(uiPort),
      WITKEY_HTTP_PORT: String(httpPort),
      WITKEY_SANDBOX_PORT: String(sandboxPort),
      WITKEY_CODEC_PORT: '0',
    };
    const config = loadStackConfig(env);
    const keys = embeddedCodecKeys(env, config.dataDir);
    assert.ok(keys.created, 'the first run writes the embedded key');
    stack = await startStack(config, loadSiteConfig(env), quiet, {
      codec: { keys, server: loadCodecServerSettings(env, uiPort) },
      sandboxTimeFactor: 720,
    });
    const ctx = { tasks: stack.tasks, sandbox: stack.sandbox!, times: undefined as never, say: quiet };
    const published = await stack.tasks.publish({
      outerTaskId: ID,
      title: TITLE,
      taskType: 'DESIGN',
      publisherId: 'site-user-917',
      publisherAlipayUserId: PUBLISHER_ALIPAY_ID,
      bountyFen: 12_000,
      valueAddedFeeFen: 0,
      expiresAtMs: Date.now() + 3_600_000,
    });
    await stack.sandbox!.pay(published.cashierUrl, { payerUserId: PUBLISHER_ALIPAY_ID, followReturn: true });
    await waitForTask(ctx, ID, 'the freeze', (v) => v.phase === 'open', 60_000);
    const round = await stack.tasks.selectWinners(ID, {
      winners: [{ alipayUserId: WINNER_ALIPAY_ID, nickname: NICKNAME, amountFen: 10_000 }],
    });
    await stack.sandbox!.confirm(round.confirmUrl, { followReturn: true });
    await waitForTask(ctx, ID, 'the payment', (v) => v.transfers.every((t) => t.winnerPaid), 60_000);
  });

  after(async () => {
    await stack?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  async function rawHistory() {
    const plain = new Client({ connection: stack.client.connection, namespace: stack.namespace });
    return plain.workflow.getHandle(taskWorkflowId(ID)).fetchHistory();
  }

  test('the raw history holds no Alipay id, nickname, title, notify_id or notification body', async () => {
    const history = await rawHistory();
    const raw = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
    assert.ok(raw.length > 1_000, `a history of ${history.events?.length} events`);
    const notifications = stack.sandbox!.notifications({ outerTaskId: ID });
    assert.ok(notifications.length >= 2, 'task_freeze and the transfer notifications went through the webhook');
    const secrets = [PUBLISHER_ALIPAY_ID, WINNER_ALIPAY_ID, NICKNAME, '天之蓝', 'Nick917', TITLE, '机密标志'];
    // each notification: its notify_id, its body, and every value in it (trade numbers, amounts' owners, ...)
    for (const n of notifications) {
      secrets.push(n.notifyId, n.xml);
      for (const [field, value] of Object.entries(n.event))
        if (typeof value === 'string' && value.length >= 6 && !['type', 'outerTaskId'].includes(field))
          secrets.push(value);
    }
    for (const secret of secrets)
      assert.equal(raw.includes(Buffer.from(secret, 'utf8')), false, `found in the raw history: ${secret}`);
    const payloads = payloadsIn(history);
    assert.ok(payloads.length > 5);
    // not encrypted, by Temporal's design: search attribute values (they are indexed; metadata "type"), the
    // SDK's patch markers ({"id": <patch>, "deprecated": false}) and the tracing header of activities (headers do not
    // pass the codec: a W3C traceparent, random ids only); everything else is
    const text = (b: Uint8Array | null | undefined): string => Buffer.from(b ?? []).toString();
    const clear = payloads.filter((p) => text(p.metadata?.encoding) !== 'binary/encrypted');
    for (const p of clear)
      assert.ok(
        p.metadata?.type !== undefined ||
          /^\{"id":"[a-z0-9-]+","deprecated":(true|false)\}$/.test(text(p.data)) ||
          /^\{"traceparent":"00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}"\}$/.test(text(p.data)),
        `a payload in clear: ${text(p.data)}`,
      );
    assert.ok(payloads.length - clear.length > 10, `${payloads.length - clear.length} encrypted payloads`);
  });

  test('the decoding client reads the state as always', async () => {
    const view = await stack.tasks.status(ID);
    assert.equal(view.phase, 'open');
    assert.equal(view.transfers[0].winnerAlipayUserId, WINNER_ALIPAY_ID);
    assert.equal(view.transfers[0].winnerNickname, NICKNAME);
    assert.ok(view.transfers[0].winnerPaid);
  });

  test("the Web UI decodes through the codec server: its settings name it, and the UI's request is answered", async () => {
    assert.ok(stack.codecUrl, 'a codec server was started with the dev server');
    const settings = (await (await fetch(`http://127.0.0.1:${uiPort}/api/v1/settings`)).json()) as {
      Codec?: { Endpoint?: string };
    };
    assert.equal(settings.Codec?.Endpoint, stack.codecUrl);
    const payloads = payloadsIn(await rawHistory()).map(payloadToJson);
    const res = await fetch(`${stack.codecUrl}/decode`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-namespace': stack.namespace,
        origin: `http://localhost:${uiPort}`,
      },
      body: JSON.stringify({ payloads }),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), `http://localhost:${uiPort}`);
    const decoded = ((await res.json()) as { payloads: { data: string }[] }).payloads;
    const text = decoded.map((p) => Buffer.from(p.data, 'base64').toString('utf8')).join('\n');
    for (const shown of [PUBLISHER_ALIPAY_ID, WINNER_ALIPAY_ID, NICKNAME, TITLE])
      assert.ok(text.includes(shown), shown);
    const refused = await fetch(`${stack.codecUrl}/decode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'http://localhost:9999' },
      body: JSON.stringify({ payloads }),
    });
    assert.equal(refused.status, 403);
  });

  test('the Temporal CLI shows the history decoded through --codec-endpoint', async () => {
    const cli = await resolveTemporalCli(() => undefined);
    if (cli.type !== 'existing-path') return;
    const show = (extra: string[]) =>
      promisify(execFile)(
        cli.path,
        ['workflow', 'show', '-w', taskWorkflowId(ID), '--address', stack.address, '-o', 'json', ...extra],
        { env: { ...process.env, TEMPORAL_CONFIG_FILE: devNull }, maxBuffer: 64 * 1024 * 1024 },
      );
    // the JSON output shows each payload's data in base64: decode them all
    const dataOf = (json: string): string =>
      [...json.matchAll(/"data": "([A-Za-z0-9+/=]*)"/g)].map((m) => Buffer.from(m[1], 'base64').toString()).join('\n');
    const decoded = dataOf((await show(['--codec-endpoint', stack.codecUrl!])).stdout);
    for (const shown of [PUBLISHER_ALIPAY_ID, WINNER_ALIPAY_ID, NICKNAME]) assert.ok(decoded.includes(shown), shown);
    const encrypted = dataOf((await show([])).stdout);
    assert.ok(encrypted.length > 1_000);
    for (const hidden of [PUBLISHER_ALIPAY_ID, WINNER_ALIPAY_ID, NICKNAME])
      assert.equal(encrypted.includes(hidden), false);
  });

  test('witkey status from another shell: the keys of the same data folder; a clear error without them', async () => {
    const env = (extra: Record<string, string>) => cleanEnv({ TEMPORAL_ADDRESS: stack.address, ...extra });
    const same = await witkey(['status', ID], env({ WITKEY_DATA_DIR: dataDir }));
    assert.equal(same.code, 0, same.stderr);
    assert.ok(same.stdout.includes(NICKNAME), same.stdout);
    const none = await witkey(['status', ID], env({ WITKEY_DATA_DIR: join(dataDir, 'elsewhere') }));
    assert.equal(none.code, 1);
    assert.match(
      none.stderr,
      /^witkey: the task's data is encrypted and no codec keys are configured: set WITKEY_CODEC_KEYS_DIR\nhint: see docs\/CODEC\.md/,
    );
    const otherKeys = join(dataDir, 'other-keys');
    const made = await witkey(['codec-key', 'new', '--dir', otherKeys, '--id', 'other'], cleanEnv({}));
    assert.equal(made.code, 0, made.stderr);
    const wrong = await witkey(['status', ID], env({ WITKEY_CODEC_KEYS_DIR: otherKeys }));
    assert.equal(wrong.code, 1);
    assert.match(
      wrong.stderr,
      /^witkey: cannot read the task's data: payload encrypted with key "embedded", which is not loaded \(loaded: other\)/,
    );
  });
});
