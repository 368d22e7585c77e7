/**
 * Every setting takes effect or is refused with its name (issue #10, 6): ALIPAY_NOTIFY_VERIFY with a sandbox, the
 * embedded server's WITKEY_TEMPORAL_PORT for the client commands, `witkey up` printing the TEMPORAL_ADDRESS to
 * use from another shell, WITKEY_DATA_DIR / WITKEY_AUDIT_DIR for the client commands and `witkey sandbox`, the fee
 * rates for `witkey sandbox`, and the ALIPAY_* / TEMPORAL_* / WITKEY_* settings a command cannot use.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { auditFile } from '../../activities/audit';
import { auditDirOf, loadSettings } from '../../cli/runtime';
import { freePort } from '../../devstack/ports';
import type { TaskView } from '../../workflows/messages';
import { alipaySigner, post, signedBody } from '../webhook/helpers';
import { cleanEnv, oneLineError, startCliStack, startWitkey, untilJson, witkey, type CliStack } from './helpers';

const FIXTURES = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'alipay');
const PARTNER = '2088101012352995';
/** A real-gateway configuration that loads (nothing is called: the commands are refused before). */
const GATEWAY = {
  ALIPAY_GATEWAY_URL: 'http://127.0.0.1:1/gateway.do',
  ALIPAY_PARTNER: PARTNER,
  ALIPAY_PRIVATE_KEY_FILE: join(FIXTURES, 'dsa-private-pkcs8.pem'),
  ALIPAY_PUBLIC_KEY_FILE: join(FIXTURES, 'dsa-public.pem'),
};

describe('settings refused with their name (no server needed)', () => {
  const env = (extra: Record<string, string>) => cleanEnv({ TEMPORAL_ADDRESS: '127.0.0.1:1', ...extra });

  test('ALIPAY_* settings of a real gateway without ALIPAY_GATEWAY_URL', async () => {
    const settings: Record<string, string> = {
      ALIPAY_PARTNER: PARTNER,
      ALIPAY_PRIVATE_KEY_FILE: GATEWAY.ALIPAY_PRIVATE_KEY_FILE,
      ALIPAY_PUBLIC_KEY_FILE: GATEWAY.ALIPAY_PUBLIC_KEY_FILE,
      ALIPAY_MD5_KEY: 'k',
      ALIPAY_OPENAPI_URL: 'http://127.0.0.1:1/openapi',
      ALIPAY_APP_ID: '2021000000000001',
      ALIPAY_APP_PRIVATE_KEY_FILE: join(FIXTURES, 'rsa-private-pkcs8.pem'),
      ALIPAY_OPENAPI_PUBLIC_KEY_FILE: join(FIXTURES, 'rsa-public.pem'),
      ALIPAY_APP_CERT_FILE: join(FIXTURES, 'sdk-appCertPublicKey_2021001161683774.crt'),
      ALIPAY_ROOT_CERT_FILE: join(FIXTURES, 'sdk-alipayRootCert.crt'),
      ALIPAY_OPENAPI_CERT_FILE: join(FIXTURES, 'sdk-alipayCertPublicKey_RSA2.crt'),
    };
    for (const [name, value] of Object.entries(settings)) {
      oneLineError(
        await witkey(['list'], env({ [name]: value })),
        new RegExp(`^witkey: ${name} is set but ALIPAY_GATEWAY_URL is not`),
        /Configuration/,
      );
    }
  });

  test('settings of another sign type or of the OpenAPI without ALIPAY_OPENAPI_URL', async () => {
    oneLineError(
      await witkey(['list'], env({ ...GATEWAY, ALIPAY_MD5_KEY: 'k' })),
      /^witkey: ALIPAY_MD5_KEY is set but ALIPAY_SIGN_TYPE is DSA/,
    );
    const md5 = {
      ALIPAY_GATEWAY_URL: GATEWAY.ALIPAY_GATEWAY_URL,
      ALIPAY_PARTNER: PARTNER,
      ALIPAY_SIGN_TYPE: 'MD5',
      ALIPAY_MD5_KEY: 'k',
    };
    oneLineError(
      await witkey(['list'], env({ ...md5, ALIPAY_PRIVATE_KEY_FILE: GATEWAY.ALIPAY_PRIVATE_KEY_FILE })),
      /^witkey: ALIPAY_PRIVATE_KEY_FILE is set but ALIPAY_SIGN_TYPE is MD5/,
    );
    oneLineError(
      await witkey(['list'], env({ ...GATEWAY, ALIPAY_APP_ID: '2021000000000001' })),
      /^witkey: ALIPAY_APP_ID is set but ALIPAY_OPENAPI_URL is not/,
    );
    oneLineError(
      await witkey(['list'], env({ ALIPAY_SIGN_TYPE: 'SHA1' })),
      /^witkey: ALIPAY_SIGN_TYPE="SHA1" must be DSA, RSA or MD5/,
    );
    oneLineError(
      await witkey(['list'], env({ ALIPAY_NOTIFY_VERIFY: 'maybe' })),
      /^witkey: ALIPAY_NOTIFY_VERIFY="maybe" must be true or false/,
    );
    oneLineError(
      await witkey(['list'], env({ ALIPAY_INPUT_CHARSET: 'latin1' })),
      /^witkey: ALIPAY_INPUT_CHARSET="latin1" must be utf-8, gbk or gb2312/,
    );
  });

  test('witkey up: a sandbox URL or TLS settings it would not use', async () => {
    // a free port and a folder of its own: were a setting not refused, nothing of the project's would be touched
    const up = [
      'up',
      '--no-demo',
      '--exit',
      '--port',
      String(await freePort()),
      '--ui-port',
      String(await freePort()),
      '--data-dir',
      join(tmpdir(), `witkey-up-refused-${process.pid}`),
    ];
    oneLineError(
      await witkey(up, cleanEnv({ WITKEY_SANDBOX_URL: 'http://127.0.0.1:1' })),
      /^witkey: WITKEY_SANDBOX_URL is set but "witkey up" starts its own sandbox/,
    );
    oneLineError(
      await witkey(up, cleanEnv({ TEMPORAL_TLS: 'true' })),
      /^witkey: TEMPORAL_TLS is set but TEMPORAL_ADDRESS is not: the embedded dev server speaks plain text/,
    );
    oneLineError(
      await witkey(up, cleanEnv({ TEMPORAL_API_KEY: 'k' })),
      /^witkey: TEMPORAL_API_KEY is set but TEMPORAL_ADDRESS is not/,
    );
    oneLineError(
      await witkey(up, cleanEnv({ WITKEY_CODEC_TOKEN: 'x'.repeat(40) })),
      /^witkey: WITKEY_CODEC_TOKEN is set but "witkey up" would ignore it: its codec server listens on loopback/,
    );
  });

  test('the audit folder: WITKEY_AUDIT_DIR, else WITKEY_DATA_DIR/audit', () => {
    assert.equal(auditDirOf(loadSettings({ WITKEY_DATA_DIR: '/srv/witkey' })), '/srv/witkey/audit');
    assert.equal(
      auditDirOf(loadSettings({ WITKEY_DATA_DIR: '/srv/witkey', WITKEY_AUDIT_DIR: '/var/audit' })),
      '/var/audit',
    );
  });
});

describe('settings that take effect (against a running stack)', () => {
  let stack: CliStack;
  const suffix = `${process.pid}${Date.now() % 100000}`;
  before(async () => {
    stack = await startCliStack();
  });
  after(async () => {
    await stack?.stop();
  });

  test('client commands use WITKEY_TEMPORAL_PORT (the embedded server) when TEMPORAL_ADDRESS is unset', async () => {
    const port = stack.server.address.split(':').pop()!;
    const env = { ...stack.env, TEMPORAL_ADDRESS: '', WITKEY_TEMPORAL_PORT: port };
    const id = `stP${suffix}`;
    const r = await witkey(
      ['publish', '--id', id, '--title', 't', '--publisher', 'p', '--bounty', '1', '--expires', '+1d'],
      env,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`publishing ${id} on localhost:${port} `));
    const v = await untilJson<TaskView>(['status', id], env, (x) => x.phase === 'awaiting_payment');
    assert.equal(v.spec.bountyFen, 100);
  });

  test('ALIPAY_NOTIFY_VERIFY=false takes effect with --sandbox-url (notify_verify is not asked)', async () => {
    // a genuinely signed notification the sandbox never sent: notify_verify answers false for it
    const event = {
      type: 'task_freeze' as const,
      partner: stack.sandbox.config.partnerId,
      outerTaskId: `stV${suffix}`,
      outerTaskFreezeNo: `stV${suffix}FZ`,
      taskAmountFen: 100,
      paidTime: Math.floor(Date.now() / 1000) * 1000,
    };
    const { body } = signedBody(`nv${suffix}`, event, alipaySigner(stack.sandbox));
    const verified = await post(`${stack.webhookUrl}/alipay/notify`, body);
    assert.deepEqual(
      [verified.status, verified.text],
      [403, 'fail'],
      'the default: notify_verify asked, and it says false',
    );
    const port = await freePort();
    const webhook = startWitkey(['webhook'], {
      ...stack.env,
      WITKEY_HTTP_PORT: String(port),
      ALIPAY_NOTIFY_VERIFY: 'false',
    });
    try {
      await webhook.waitFor(/webhook on http/);
      assert.match(webhook.output(), /notify_verify off \(ALIPAY_NOTIFY_VERIFY=false\)/);
      const unverified = await post(`http://127.0.0.1:${port}/alipay/notify`, body);
      assert.deepEqual([unverified.status, unverified.text], [200, 'success'], webhook.output().slice(-2000));
    } finally {
      assert.equal(await webhook.stop(), 0);
    }
  });

  test('client commands read the audit records under WITKEY_DATA_DIR (a task gone after retention)', async () => {
    const id = `stA${suffix}`;
    const p = await witkey(
      ['publish', '--id', id, '--title', 'audited', '--publisher', 'p', '--bounty', '2', '--expires', '+1d', '--json'],
      stack.env,
    );
    assert.equal(p.code, 0, p.stderr);
    const live = JSON.parse((await witkey(['status', id, '--json'], stack.env)).stdout) as TaskView;
    const gone = `stG${suffix}`;
    const record = {
      outerTaskId: gone,
      view: {
        ...live,
        outerTaskId: gone,
        phase: 'cancelled',
        cancellation: { outcome: 'closed', atMs: Date.UTC(2030, 0, 1) },
      },
      processedNotifyIds: [],
    };
    await mkdir(join(stack.dataDir, 'audit'), { recursive: true });
    await writeFile(auditFile(join(stack.dataDir, 'audit'), gone), JSON.stringify(record));
    const r = await witkey(['status', gone], stack.env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ {2}phase {8}cancelled$/m);
    assert.match(r.stdout, /^ {2}cancelled {4}2030-01-01T00:00:00Z: closed/m);
    oneLineError(
      await witkey(['winners', gone, '--winner', '2088200000000071:Tom:1'], stack.env),
      new RegExp(
        `^witkey: task ${gone} is closed \\(final phase cancelled, since 2030-01-01T00:00:00\\.000Z\\): cannot select winners$`,
      ),
    );
  });
});

describe('witkey up and witkey sandbox', () => {
  test('witkey up prints the TEMPORAL_ADDRESS to use from another shell, and listens on WITKEY_HTTP_HOST', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'witkey-up-'));
    try {
      const [port, uiPort, httpPort, sandboxPort, codecPort] = [
        await freePort(),
        await freePort(),
        await freePort(),
        await freePort(),
        await freePort(),
      ];
      const r = await witkey(
        ['up', '--no-demo', '--exit', '--port', String(port), '--ui-port', String(uiPort), '--data-dir', dir],
        cleanEnv({
          WITKEY_HTTP_PORT: String(httpPort),
          WITKEY_SANDBOX_PORT: String(sandboxPort),
          WITKEY_HTTP_HOST: '0.0.0.0',
          WITKEY_CODEC_PORT: String(codecPort),
        }),
        120_000,
      );
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(
          `^\\[witkey\\] from another shell: export TEMPORAL_ADDRESS=(127\\.0\\.0\\.1|localhost):${port}$`,
          'm',
        ),
      );
      assert.match(r.stderr, new RegExp(`webhook on http://0\\.0\\.0\\.0:${httpPort}`));
      // payloads encrypted by default, with a key made under the data folder; the Web UI's codec server on loopback
      assert.match(r.stderr, new RegExp(`new codec key ${join(dir, 'codec-keys', 'embedded.key')} \\(0600`));
      assert.match(r.stderr, /payloads encrypted \(AES-256-GCM, key "embedded", keys in /);
      assert.match(
        r.stderr,
        new RegExp(
          `codec server on http://127\\.0\\.0\\.1:${codecPort} .*origins http://localhost:${uiPort}, http://127\\.0\\.0\\.1:${uiPort}`,
        ),
      );
      // the worker's Prometheus endpoint on a free loopback port, the webhook's on its /metrics; JSON logs in a file
      assert.match(
        r.stderr,
        new RegExp(
          `^\\[witkey\\] metrics \\(Prometheus\\): worker http://127\\.0\\.0\\.1:\\d+/metrics, webhook http://0\\.0\\.0\\.0:${httpPort}/metrics$`,
          'm',
        ),
      );
      assert.match(
        r.stderr,
        new RegExp(`JSON logs \\(worker, webhook, sandbox\\): ${join(dir, 'logs', 'witkey.log')}`),
      );
      assert.doesNotMatch(r.stdout, /^\{/m, 'no JSON log line on stdout');
      const logged = (await readFile(join(dir, 'logs', 'witkey.log'), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { component?: string });
      assert.deepEqual([...new Set(logged.map((l) => l.component))].sort(), ['sandbox', 'webhook', 'worker']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('witkey sandbox takes the fee rates and WITKEY_DATA_DIR from the environment', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'witkey-sbx-'));
    const s = startWitkey(
      ['sandbox', '--port', '0'],
      cleanEnv({ WITKEY_DATA_DIR: dir, WITKEY_COMMISSION_BP: '500', WITKEY_ALIPAY_FEE_BP: '50' }),
    );
    try {
      const text = await s.waitFor(/fee rates .*\n/);
      assert.match(text, /fee rates {8}commission 500 bp, Alipay fee 50 bp/);
      assert.ok(text.includes(`data folder      ${join(dir, 'sandbox')}`), text);
    } finally {
      assert.equal(await s.stop(), 0);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
