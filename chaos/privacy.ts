/**
 * The "secrets and privacy" scenario (issues 13 and 14): a full run of the embedded stack in this process, as
 * `witkey up` composes it (dev server, codec server, sandbox, worker, webhook, JSON logs to a file), the demo's three
 * tasks, and error paths that get error messages logged:
 *   - gateway faults: trade.query answers SYSTEM_ERROR once, trade.cancel an HTTP 503 once (activity failures,
 *     retried), the first task_freeze notification carries a bad signature (refused by the webhook, resent);
 *   - forged notifications POSTed to the webhook: a genuine one re-signed with another MD5 key, one signed with DSA
 *     while the site expects MD5, a body that is no form;
 *   - client calls with bad input: a publication with a negative bounty and a bad Alipay id, winners for a task that
 *     does not exist, the status of a task that does not exist.
 * Canaries: the partner's MD5 key (ALIPAY_SIGN_TYPE=MD5, so it signs every request and notification) is planted in
 * the sandbox's key folder before it starts; WITKEY_CODEC_TOKEN is set for the codec server. (The embedded dev
 * server takes no API key: `witkey up` refuses TEMPORAL_API_KEY.)
 * Then everything the run left is scanned (chaos/secrets-scan.ts) for the sandbox's and the partner's private keys,
 * the MD5 key, the codec key and the codec token: the JSON log file, the audit records, the sandbox's state folder,
 * the dev server's database, the raw history of every workflow of the namespace (a client without the codec:
 * protobuf bytes and JSON) and the decoded one (payloads through the codec), the error messages and progress lines.
 * The raw histories must also hold no Alipay id (2088…), no nickname, title, notify_id or notification body.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { devNull, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { buildNotification, Md5Key, type MapiSigner } from '../alipay';
import { embeddedCodecKeys, loadCodecServerSettings, type CodecKeys } from '../cli/codec-config';
import { loadStackConfig } from '../cli/config';
import { FINAL_PHASE, type TaskKind } from '../cli/demo/plays';
import { DEMO_TIMES, runScenario } from '../cli/demo/scenario';
import { loadSiteConfig } from '../cli/site-config';
import { startStack, type RunningStack } from '../cli/stack';
import { createLogger, installWorkerRuntime, loadTelemetrySettings } from '../cli/telemetry';
import { EncryptionCodec } from '../codec';
import { freePort } from '../devstack/ports';
import type { TaskView } from '../workflows/messages';
import { emptyRow, type Scenario, type ScenarioOptions, type ScenarioRow } from './row';
import {
  bytesSecret,
  describeFinding,
  filesUnder,
  keySecret,
  plainSecret,
  scan,
  textSecret,
  textSource,
  type Secret,
  type Source,
} from './secrets-scan';

const NAME = 'secrets and privacy';

/** How much of each kind of source was scanned. */
export type ScanFigures = Record<string, { sources: number; bytes: number }>;

export interface PrivacyRun {
  row: ScenarioRow;
  figures: ScanFigures;
  durationMs: number;
}

export const secretsAndPrivacy: Scenario = { name: NAME, run: async (opts) => (await runPrivacy(opts)).row };

interface Canaries {
  md5Key: string;
  codecToken: string;
}

export async function runPrivacy(opts: ScenarioOptions): Promise<PrivacyRun> {
  const t0 = Date.now();
  const row = emptyRow(NAME);
  const errors: string[] = [];
  const progress: string[] = [];
  const say = (line: string): void => {
    progress.push(line);
    opts.say(line);
  };
  const dataDir = await mkdtemp(join(tmpdir(), 'witkey-chaos-privacy-'));
  const canaries: Canaries = {
    md5Key: `CANARYmd5${randomBytes(12).toString('hex')}`.slice(0, 32),
    codecToken: `CANARYtoken-${randomBytes(24).toString('base64url')}`,
  };
  let figures: ScanFigures = {};
  let stack: RunningStack | undefined;
  let keys: CodecKeys = {};
  const played: TaskView[] = [];
  const histories: Source[] = [];
  const decoded: Source[] = [];
  try {
    const env = await stackEnv(dataDir, canaries);
    await plantMd5Key(dataDir, canaries.md5Key);
    const config = loadStackConfig(env);
    const site = loadSiteConfig(env);
    keys = embeddedCodecKeys(env, config.dataDir);
    const logger = createLogger(loadTelemetrySettings(env), join(dataDir, 'logs', 'witkey.log'));
    try {
      installWorkerRuntime(logger.child({ component: 'worker' }));
    } catch (err) {
      // another scenario of this process installed the Runtime: the SDK's lines go to its logger, not scanned here
      say(`the Temporal Runtime is installed already (${(err as Error).message}); the SDK's log lines are not scanned`);
    }
    stack = await startStack(config, site, say, {
      codec: { keys, server: loadCodecServerSettings(env, config.uiPort) },
      logger,
      sandboxTimeFactor: DEMO_TIMES.sandboxTimeFactor,
      taskSettings: { resendWindowMs: DEMO_TIMES.resendWindowMs, paymentTimeoutMs: DEMO_TIMES.paymentTimeoutMs },
    });
    row.faultsInjected += injectFaults(stack);
    const result = await runScenario(stack.tasks, stack.sandbox!, say);
    row.moneyConserved = result.allEqual;
    if (!result.allEqual) row.problems.push(`the ledgers differ:\n${result.table}`);
    for (const r of result.rows) {
      row.tasks++;
      const view = await stack.tasks.status(r.task);
      played.push(view);
      const expected = FINAL_PHASE[r.task.slice(-1) as TaskKind];
      if (view.needsAttention) row.needsAttention++;
      else if (view.phase === expected) row.completed++;
      else row.problems.push(`${r.task}: phase ${view.phase}, expected ${expected}`);
    }
    const paths = await errorPaths(stack, canaries, errors);
    row.faultsInjected += paths.tried;
    row.forgedAccepted += paths.forgedAccepted;
    row.serverErrors += paths.serverErrors;
    await readHistories(stack, keys, histories, decoded);
  } catch (err) {
    row.crashes++;
    const e = err as Error;
    errors.push(`${e.message}\n${e.stack ?? ''}`);
    row.problems.push(`the run threw: ${e.message}`);
  } finally {
    await stack?.stop().catch((err: Error) => row.problems.push(`stopping the stack: ${err.message}`));
  }
  try {
    const found = await scanRun({ dataDir, keys, canaries, played, histories, decoded, errors, progress, stack });
    figures = found.figures;
    row.problems.push(...found.problems);
  } catch (err) {
    row.crashes++;
    row.problems.push(`the scan threw: ${(err as Error).message}`);
  }
  for (const [kind, f] of Object.entries(figures)) say(`scanned ${kind}: ${f.sources} sources, ${f.bytes} bytes`);
  if (row.problems.length === 0 && !process.env.WITKEY_CHAOS_KEEP) await rm(dataDir, { recursive: true, force: true });
  else say(`kept the run's data folder for inspection: ${dataDir}`);
  return { row, figures, durationMs: Date.now() - t0 };
}

/** The stack's settings, as an environment of its own (free ports, the data folder, MD5 signing, the codec token). */
async function stackEnv(dataDir: string, canaries: Canaries): Promise<NodeJS.ProcessEnv> {
  return {
    TEMPORAL_CONFIG_FILE: devNull,
    WITKEY_DATA_DIR: dataDir,
    WITKEY_TEMPORAL_PORT: String(await freePort()),
    WITKEY_UI_PORT: String(await freePort()),
    WITKEY_HTTP_PORT: String(await freePort()),
    WITKEY_SANDBOX_PORT: String(await freePort()),
    WITKEY_CODEC_PORT: '0',
    WITKEY_CODEC_TOKEN: canaries.codecToken,
    WITKEY_LOG_LEVEL: 'debug',
    ALIPAY_SIGN_TYPE: 'MD5',
  };
}

/** The partner's MD5 key, written where the sandbox keeps it before its first start (it keeps an existing one). */
async function plantMd5Key(dataDir: string, md5Key: string): Promise<void> {
  const keysDir = join(dataDir, 'sandbox', 'keys');
  await mkdir(keysDir, { recursive: true, mode: 0o700 });
  await writeFile(join(keysDir, 'partner-md5.key'), `${md5Key}\n`, { mode: 0o600 });
}

/** Gateway faults the scenario's tasks run into; the count. */
function injectFaults(stack: RunningStack): number {
  const sandbox = stack.sandbox!;
  sandbox.injectFault({ target: 'request', kind: 'systemError', service: 'alipay.trade.query' });
  sandbox.injectFault({ target: 'request', kind: 'http5xx', service: 'alipay.trade.cancel' });
  sandbox.injectFault({ target: 'notification', kind: 'badSignature', notifyType: 'task_freeze' });
  return 3;
}

/** Forged notifications and client calls with bad input; every answer's text and error message is kept. */
async function errorPaths(
  stack: RunningStack,
  canaries: Canaries,
  errors: string[],
): Promise<{ tried: number; forgedAccepted: number; serverErrors: number }> {
  let tried = 0;
  let forgedAccepted = 0;
  let serverErrors = 0;
  const notify = `${stack.webhookUrl}/alipay/notify`;
  const genuine = stack.sandbox!.notifications({ notifyType: 'task_freeze' })[0];
  const forgedBodies: string[] = ['this is not a form', 'notify_id=1&sign=abc&sign_type=MD5'];
  if (genuine) {
    const wrongMd5: MapiSigner = { signType: 'MD5', md5Key: new Md5Key(`wrong-${canaries.md5Key}`) };
    const dsa: MapiSigner = {
      signType: 'DSA',
      privateKey: generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 256 }).privateKey,
    };
    for (const signer of [wrongMd5, dsa])
      forgedBodies.push(
        buildNotification(
          { notifyId: `forged-${signer.signType}-${genuine.notifyId}`, event: genuine.event },
          signer,
          'utf-8',
        ).body,
      );
  } else errors.push('no genuine task_freeze notification to forge from');
  for (const body of forgedBodies) {
    tried++;
    const res = await fetch(notify, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body,
    });
    const text = await res.text();
    errors.push(`forged notification answered ${res.status} ${text}`);
    if (text === 'success') forgedAccepted++;
    if (res.status >= 500) serverErrors++;
  }
  const bad: Array<() => Promise<unknown>> = [
    () =>
      stack.tasks.publish({
        outerTaskId: `bad-${process.pid}`,
        title: 'bad input',
        taskType: 'DESIGN',
        publisherId: 'site-user-bad',
        publisherAlipayUserId: 'not-an-alipay-id',
        bountyFen: -5,
        valueAddedFeeFen: 0,
        expiresAtMs: Date.now() + 60_000,
      }),
    () =>
      stack.tasks.selectWinners(`missing-${process.pid}`, {
        winners: [{ alipayUserId: '2088203000009999', nickname: 'Nobody', amountFen: 100 }],
      }),
    () => stack.tasks.status(`missing-${process.pid}`),
  ];
  for (const call of bad) {
    tried++;
    await call().then(
      () => errors.push('a call with bad input succeeded'),
      (err: Error) => errors.push(`${err.name}: ${err.message}\n${err.stack ?? ''}`),
    );
  }
  return { tried, forgedAccepted, serverErrors };
}

/** Every payload object ({metadata, data}) anywhere in a history. */
function payloadsIn(value: unknown, found: Payload[] = []): Payload[] {
  if (Array.isArray(value)) for (const v of value) payloadsIn(v, found);
  else if (value && typeof value === 'object' && !(value instanceof Uint8Array)) {
    const o = value as Record<string, unknown>;
    if (o.metadata && typeof o.metadata === 'object' && o.data instanceof Uint8Array) found.push(o);
    else for (const v of Object.values(o)) payloadsIn(v, found);
  }
  return found;
}

const History = temporal.api.history.v1.History;

/** The raw history of every workflow of the namespace (client without the codec), and the same decoded. */
async function readHistories(stack: RunningStack, keys: CodecKeys, raw: Source[], decoded: Source[]): Promise<void> {
  const plain = new Client({ connection: stack.client.connection, namespace: stack.namespace });
  const codec = keys.keyring ? new EncryptionCodec(keys.keyring) : undefined;
  for (const wf of await executions(plain)) {
    const label = `${wf.workflowId}/${wf.runId}`;
    const history = await plain.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
    raw.push({
      label: `raw history ${label} (protobuf)`,
      kind: 'raw history',
      bytes: Buffer.from(History.encode(history).finish()),
    });
    raw.push(
      textSource(
        `raw history ${label} (JSON)`,
        'raw history',
        JSON.stringify(History.toObject(history as never, { bytes: String, longs: String })),
      ),
    );
    const open = History.decode(History.encode(history).finish());
    for (const p of payloadsIn(open)) {
      if (!codec) break;
      const [d] = await codec.decode([p]);
      Object.assign(p, { metadata: d.metadata, data: d.data });
    }
    decoded.push({
      label: `decoded history ${label} (protobuf)`,
      kind: 'decoded history',
      bytes: Buffer.from(History.encode(open).finish()),
    });
    decoded.push(
      textSource(
        `decoded history ${label} (JSON)`,
        'decoded history',
        JSON.stringify(open, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v)),
      ),
    );
  }
}

/** Every workflow run of the namespace, from the raw listing (the SDK's list() would decode the memos). */
async function executions(client: Client): Promise<Array<{ workflowId: string; runId: string }>> {
  const out: Array<{ workflowId: string; runId: string }> = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await client.workflowService.listWorkflowExecutions({
      namespace: client.options.namespace,
      pageSize: 1000,
      ...(nextPageToken ? { nextPageToken } : {}),
    });
    for (const e of page.executions ?? [])
      if (e.execution?.workflowId && e.execution.runId)
        out.push({ workflowId: e.execution.workflowId, runId: e.execution.runId });
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return out;
}

interface ScanInput {
  dataDir: string;
  keys: CodecKeys;
  canaries: Canaries;
  played: TaskView[];
  histories: Source[];
  decoded: Source[];
  errors: string[];
  progress: string[];
  stack: RunningStack | undefined;
}

/** The secrets of the run: every private key of the sandbox's key folder, the MD5 key, the codec key and token. */
async function secretsOf(input: ScanInput): Promise<Secret[]> {
  const keysDir = join(input.dataDir, 'sandbox', 'keys');
  const secrets: Secret[] = [
    textSecret('partner MD5 key', input.canaries.md5Key),
    textSecret('codec server token', input.canaries.codecToken),
  ];
  for (const name of (await readdir(keysDir).catch(() => [] as string[])).sort())
    if (name.includes('private')) secrets.push(keySecret(name, await readFile(join(keysDir, name), 'utf8')));
  for (const [id, key] of input.keys.keyring?.keys ?? []) secrets.push(bytesSecret(`codec key ${id}`, key.export()));
  return secrets;
}

/** What the raw histories must not hold: the played tasks' titles, nicknames, notify_ids and notification bodies. */
function privateData(input: ScanInput): Secret[] {
  const out: Secret[] = [];
  for (const view of input.played) {
    const values: string[] = [view.spec.title, view.spec.publisherAlipayUserId ?? ''];
    for (const t of view.transfers) values.push(t.winnerAlipayUserId, `ickname":${JSON.stringify(t.winnerNickname)}`);
    for (const n of input.stack?.sandbox?.notifications({ outerTaskId: view.outerTaskId }) ?? []) {
      values.push(n.notifyId, n.xml);
      // the event's values, but for business numbers made of the task id (failure messages name them, by design)
      for (const [field, value] of Object.entries(n.event))
        if (typeof value === 'string' && !['type', 'outerTaskId', 'partner'].includes(field))
          if (!value.includes(view.outerTaskId)) values.push(value);
    }
    out.push(plainSecret(`private data of ${view.outerTaskId}`, ...values.filter(Boolean)));
  }
  return out;
}

async function scanRun(input: ScanInput): Promise<{ figures: ScanFigures; problems: string[] }> {
  const secrets = await secretsOf(input);
  const privacy = privateData(input);
  const { dataDir } = input;
  const keyDirs = [join(dataDir, 'sandbox', 'keys'), join(dataDir, 'codec-keys')];
  const files = [
    ...(await filesUnder(join(dataDir, 'logs'), 'log file')),
    ...(await filesUnder(join(dataDir, 'audit'), 'audit record')),
    ...(await filesUnder(join(dataDir, 'sandbox'), 'sandbox state', (p) => keyDirs.includes(p))),
    ...(await filesUnder(join(dataDir, 'temporal'), 'temporal database')),
  ];
  const texts = [
    textSource('error messages', 'error message', input.errors.join('\n')),
    textSource('progress lines', 'progress line', input.progress.join('\n')),
  ];
  const everything = [...files, ...texts, ...input.histories, ...input.decoded];
  const findings = [
    ...scan(secrets, everything, { pemBlocks: true, derKeys: true }),
    ...scan(privacy, input.histories, { alipayIds: true }),
  ];
  const figures: ScanFigures = {};
  for (const s of everything) {
    const f = (figures[s.kind] ??= { sources: 0, bytes: 0 });
    f.sources++;
    f.bytes += s.bytes.length;
  }
  const problems = findings.map(describeFinding);
  // controls: the needles are right (each secret is found where it must be), else the scan above proves nothing
  const keyFiles = (await Promise.all(keyDirs.map((d) => filesUnder(d, 'key file')))).flat();
  const inKeyFiles = new Set(scan(secrets, keyFiles).map((f) => f.secret));
  for (const s of secrets)
    if (s.name !== 'codec server token' && !inKeyFiles.has(s.name))
      problems.push(`control: ${s.name} not found in its own key file (the scan is blind to it)`);
  const inDecoded = new Set(scan(privacy, input.decoded).map((f) => f.secret));
  for (const s of privacy)
    if (!inDecoded.has(s.name)) problems.push(`control: ${s.name} not found in the decoded histories either`);
  if (!figures['log file']?.bytes) problems.push('no log lines were written: nothing to scan');
  if (!figures['raw history']?.sources && input.played.length) problems.push('no history was read');
  return { figures, problems };
}
