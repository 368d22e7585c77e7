// Test support for the sandbox suites: temp data folders (keys generated once per test file and copied), a local
// notify receiver that verifies notifications with the protocol library and answers as scripted, and a partner
// client built on the protocol library's client side.

import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import { loadPrivateKey, loadPublicKey, Md5Key } from '../../alipay/keys';
import { mapiGetUrl, mapiPostForm, signMapiRequest } from '../../alipay/mapi-request';
type MapiBusinessRequest = Parameters<typeof signMapiRequest>[0];
import type { MapiSigner, MapiVerifier } from '../../alipay/sign';
import { verifyNotificationBody } from '../../alipay/notify';
import type { Notification } from '../../alipay/core/events';
import { ManualClock, startSandbox, type Sandbox, type SandboxOptions } from '../../sandbox';

export const DAY = 86_400_000;
export const HOUR = 3_600_000;
export const MINUTE = 60_000;

/** A fixed, readable start time: 2030-01-01T00:00:00Z. */
export const T0 = Date.UTC(2030, 0, 1);

const dirs: string[] = [];
let template: string | undefined;

export function tempDir(prefix = 'witkey-sandbox-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

export function removeTempDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Everything the data folder's state database holds, as text (read through a second, read-only connection). */
export function diskDump(dataDir: string): string {
  const db = new Database(join(dataDir, 'state.sqlite'), { readonly: true });
  try {
    return JSON.stringify(
      ['meta', 'records', 'journal'].map((t) => db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2`).all()),
    );
  } finally {
    db.close();
  }
}

/** A fresh data folder holding copies of keys generated once per process (key generation takes ~1 s). */
export async function seededDataDir(): Promise<string> {
  if (!template) {
    template = tempDir('witkey-sandbox-template-');
    const s = await startSandbox({ dataDir: template, autoDeliver: false });
    await s.stop();
  }
  const d = tempDir();
  cpSync(join(template, 'keys'), join(d, 'keys'), { recursive: true });
  cpSync(join(template, 'sandbox.json'), join(d, 'sandbox.json'));
  return d;
}

export interface TestSandbox {
  sandbox: Sandbox;
  clock: ManualClock;
  dataDir: string;
}

export async function startTestSandbox(opts: Partial<SandboxOptions> = {}): Promise<TestSandbox> {
  const dataDir = opts.dataDir ?? (await seededDataDir());
  const clock = (opts.clock as ManualClock | undefined) ?? new ManualClock(T0);
  const sandbox = await startSandbox({ autoDeliver: false, ...opts, dataDir, clock });
  return { sandbox, clock, dataDir };
}

// ---------------------------------------------------------------------------------------------- partner client

export interface PartnerClient {
  partner: string;
  signer: MapiSigner;
  alipayVerifier: MapiVerifier;
  sign(req: MapiBusinessRequest, charset?: string, signer?: MapiSigner): ReturnType<typeof signMapiRequest>;
  /** Signed GET URL of a request (page or system GET). */
  url(req: MapiBusinessRequest, charset?: string, signer?: MapiSigner): string;
  /** Signed POST form fields. */
  form(req: MapiBusinessRequest, charset?: string, signer?: MapiSigner): Record<string, string>;
  /** Call a system interface; returns the raw reply. */
  call(req: MapiBusinessRequest, method: 'GET' | 'POST', charset?: string): Promise<{ status: number; body: Buffer }>;
}

export function partnerClient(sandbox: Sandbox, signType: 'DSA' | 'RSA' | 'MD5' = 'DSA'): PartnerClient {
  const k = sandbox.config.keyFiles;
  const signer: MapiSigner =
    signType === 'MD5'
      ? { signType: 'MD5', md5Key: new Md5Key(readFileSync(k.partnerMd5Key, 'utf8').trim()) }
      : {
          signType,
          privateKey: loadPrivateKey(
            readFileSync(signType === 'DSA' ? k.partnerDsaPrivate : k.partnerRsaPrivate, 'utf8'),
          ),
        };
  const alipayVerifier: MapiVerifier =
    signType === 'MD5'
      ? { signType: 'MD5', md5Key: new Md5Key(readFileSync(k.partnerMd5Key, 'utf8').trim()) }
      : {
          signType,
          publicKey: loadPublicKey(readFileSync(signType === 'DSA' ? k.alipayDsaPublic : k.alipayRsaPublic, 'utf8')),
        };
  const partner = sandbox.config.partnerId;
  const sign = (req: MapiBusinessRequest, charset = 'utf-8', s: MapiSigner = signer) =>
    signMapiRequest(req, { gatewayUrl: sandbox.gatewayUrl, partner, inputCharset: charset, signer: s });
  return {
    partner,
    signer,
    alipayVerifier,
    sign,
    url: (req, charset, s) => mapiGetUrl(sign(req, charset, s), sandbox.gatewayUrl),
    form: (req, charset, s) => ({ ...sign(req, charset, s).params }),
    call: async (req, method, charset) => {
      const signed = sign(req, charset);
      const res =
        method === 'GET'
          ? await fetch(mapiGetUrl(signed, sandbox.gatewayUrl))
          : await fetch(sandbox.gatewayUrl, {
              method: 'POST',
              headers: { 'content-type': mapiPostForm(signed).contentType },
              body: mapiPostForm(signed).body,
            });
      return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
    },
  };
}

// ---------------------------------------------------------------------------------------------- notify receiver

export interface Received {
  raw: Buffer;
  contentType: string;
  /** The verified notification, or the reason it was refused. */
  notification?: Notification;
  error?: string;
  answer: string;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Answer for the n-th request (0-based); default: 'success' when it verifies, 'fail' otherwise. */
  script: (n: number, r: Omit<Received, 'answer'>) => string;
  close(): Promise<void>;
  verified(): Notification[];
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startReceiver(sandbox: Sandbox, verifier: MapiVerifier, charset = 'utf-8'): Promise<Receiver> {
  const received: Received[] = [];
  const holder: { server?: Server } = {};
  const r: Receiver = {
    url: '',
    received,
    script: (_n, rec) => (rec.notification ? 'success' : 'fail'),
    close: () => new Promise((resolve) => holder.server!.close(() => resolve())),
    verified: () => received.filter((x) => x.notification).map((x) => x.notification!),
  };
  const server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const contentType = req.headers['content-type'] ?? '';
      const declared = /charset=([A-Za-z0-9-]+)/.exec(contentType)?.[1] ?? charset;
      const rec: Omit<Received, 'answer'> = { raw, contentType };
      try {
        rec.notification = verifyNotificationBody(raw, {
          verifier,
          charset: declared,
          partner: sandbox.config.partnerId,
        });
      } catch (err) {
        rec.error = (err as Error).message;
      }
      const answer = r.script(received.length, rec);
      received.push({ ...rec, answer });
      res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' });
      res.end(answer);
    })();
  });
  holder.server = server;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`;
  return r;
}

// ---------------------------------------------------------------------------------------------- the usual fixture

/** A sandbox on a manual clock, a partner client, and a notify receiver: what most sandbox suites start with. */
export interface SandboxFixture extends TestSandbox {
  client: PartnerClient;
  receiver: Receiver;
  stop(): Promise<void>;
}

export async function startSandboxFixture(opts: Partial<SandboxOptions> = {}): Promise<SandboxFixture> {
  const t = await startTestSandbox(opts);
  const client = partnerClient(t.sandbox);
  const receiver = await startReceiver(t.sandbox, client.alipayVerifier);
  return {
    ...t,
    client,
    receiver,
    async stop() {
      await t.sandbox.stop();
      await receiver.close();
      removeTempDirs();
    },
  };
}
