/**
 * The Temporal connection settings through @temporalio/envconfig (issue #12): a profile of a TOML file chosen by
 * TEMPORAL_PROFILE, the standard TEMPORAL_* variables over it, the names of 0.1.0 as aliases, and every bad value
 * refused with the variable, or the file and profile, that holds it. No server: the settings are read in-process,
 * and `witkey` is run only for errors found before it connects.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadStackConfig, refuseUnusedByEmbeddedStack } from '../../cli/config';
import { ConfigError } from '../../cli/input-errors';
import { temporalAddressOf } from '../../cli/runtime';
import { describeSecurity, loadTemporalSettings, type TemporalSettings } from '../../cli/temporal';
import { freePort } from '../../devstack/ports';
import { cleanEnv, oneLineError, witkey } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'witkey-envconfig-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
let cert = '';
let key = '';
let ca = '';

/** The settings from `env` alone (no user's file); the deprecation notices go to `notices`. */
function load(env: Record<string, string>, notices: string[] = []): TemporalSettings {
  return loadTemporalSettings({ TEMPORAL_CONFIG_FILE: file('empty.toml', ''), ...env }, (l) => notices.push(l));
}

function refused(env: Record<string, string>, message: RegExp): void {
  assert.throws(
    () => load(env),
    (err: Error) => err instanceof ConfigError && message.test(err.message),
  );
}

const PROFILES = `
[profile.default]
address = "default.example:7233"

[profile.prod]
address = "prod.example:7233"
namespace = "prod-ns"
api_key = "prod-secret-key"

[profile.prod.grpc_meta]
x-tenant = "acme"
`;

before(() => {
  cert = join(dir, 'client.pem');
  key = join(dir, 'client.key');
  ca = join(dir, 'ca.pem');
  const subject = ['-subj', '/CN=witkey-test', '-days', '1', '-nodes', '-newkey', 'ec'];
  const args = ['req', '-x509', ...subject, '-pkeyopt', 'ec_paramgen_curve:prime256v1'];
  execFileSync('openssl', [...args, '-keyout', key, '-out', cert], { stdio: 'ignore' });
  execFileSync('openssl', [...args, '-keyout', join(dir, 'ca.key'), '-out', ca], { stdio: 'ignore' });
});

after(() => rmSync(dir, { recursive: true, force: true }));

describe('where the settings come from', () => {
  test("nothing given: no address (witkey up starts its own server), today's defaults", () => {
    const s = load({});
    assert.deepEqual(s, { address: undefined, namespace: undefined, security: {} });
    const stack = loadStackConfig({ TEMPORAL_CONFIG_FILE: file('empty.toml', '') });
    assert.equal(stack.temporalAddress, undefined);
    assert.equal(stack.namespace, 'default');
    assert.equal(temporalAddressOf(stack), 'localhost:7233');
  });

  test('a profile of the TOML file chosen by TEMPORAL_PROFILE', () => {
    const path = file('profiles.toml', PROFILES);
    const s = load({ TEMPORAL_CONFIG_FILE: path, TEMPORAL_PROFILE: 'prod' });
    assert.equal(s.address, 'prod.example:7233');
    assert.equal(s.addressFrom, `profile "prod" of ${path}`);
    assert.equal(s.profile, `profile "prod" of ${path}`);
    assert.equal(s.namespace, 'prod-ns');
    assert.deepEqual(s.security, { tls: true, apiKey: 'prod-secret-key', metadata: { 'x-tenant': 'acme' } });
    assert.equal(describeSecurity(s.security), 'TLS + API key + gRPC headers x-tenant');
  });

  test('without TEMPORAL_PROFILE, the profile "default"; a profile address is an existing server', () => {
    const path = file('profiles.toml', PROFILES);
    const stack = loadStackConfig({ TEMPORAL_CONFIG_FILE: path });
    assert.equal(stack.temporalAddress, 'default.example:7233');
    assert.equal(stack.temporalAddressFrom, `profile "default" of ${path}`);
    assert.equal(stack.namespace, 'default');
    assert.equal(temporalAddressOf(stack), 'default.example:7233');
  });

  test(
    'the default file: temporalio/temporal.toml under XDG_CONFIG_HOME (Linux)',
    { skip: process.platform !== 'linux' },
    () => {
      const config = join(dir, 'xdg');
      mkdirSync(join(config, 'temporalio'), { recursive: true });
      writeFileSync(join(config, 'temporalio', 'temporal.toml'), PROFILES);
      const s = loadTemporalSettings({ XDG_CONFIG_HOME: config, HOME: '/nonexistent' }, () => undefined);
      assert.equal(s.address, 'default.example:7233');
      assert.equal(s.profile, `profile "default" of ${join(config, 'temporalio', 'temporal.toml')}`);
      const none = loadTemporalSettings({ XDG_CONFIG_HOME: join(dir, 'no-such-dir') }, () => undefined);
      assert.equal(none.address, undefined);
    },
  );

  test('the variables override the profile; an empty variable is not given', () => {
    const path = file('profiles.toml', PROFILES);
    const s = load({
      TEMPORAL_CONFIG_FILE: path,
      TEMPORAL_PROFILE: 'prod',
      TEMPORAL_ADDRESS: 'other.example:7233',
      TEMPORAL_NAMESPACE: 'other-ns',
      TEMPORAL_TLS: 'no',
      TEMPORAL_GRPC_META_X_TENANT: '',
      TEMPORAL_API_KEY: '',
    });
    assert.equal(s.address, 'other.example:7233');
    assert.equal(s.addressFrom, 'TEMPORAL_ADDRESS');
    assert.equal(s.namespace, 'other-ns');
    assert.deepEqual(s.security, { apiKey: 'prod-secret-key' }, 'TEMPORAL_TLS=false: plain text, the header removed');
  });

  test('mTLS files: the options carry the certificate, the key and the CA', () => {
    const s = load({
      TEMPORAL_ADDRESS: 'cloud.example:7233',
      TEMPORAL_TLS_CLIENT_CERT_PATH: cert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: key,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca,
      TEMPORAL_TLS_SERVER_NAME: 'server.example',
    });
    const tls = s.security.tls;
    assert.ok(tls && tls !== true);
    assert.deepEqual(Buffer.from(tls.clientCertPair!.crt), readFileSync(cert));
    assert.deepEqual(Buffer.from(tls.clientCertPair!.key), readFileSync(key));
    assert.deepEqual(Buffer.from(tls.serverRootCACertificate!), readFileSync(ca));
    assert.equal(tls.serverNameOverride, 'server.example');
    assert.equal(describeSecurity(s.security), 'mTLS');
  });

  test('mTLS from the _DATA variables and from the profile', () => {
    const data = load({
      TEMPORAL_TLS_CLIENT_CERT_DATA: readFileSync(cert, 'utf8'),
      TEMPORAL_TLS_CLIENT_KEY_DATA: readFileSync(key, 'utf8'),
    }).security.tls;
    assert.ok(data && data !== true);
    assert.deepEqual(Buffer.from(data.clientCertPair!.crt), readFileSync(cert));
    const path = file('mtls.toml', `[profile.default.tls]\nclient_cert_path = "${cert}"\nclient_key_path = "${key}"\n`);
    const fromFile = load({ TEMPORAL_CONFIG_FILE: path }).security.tls;
    assert.ok(fromFile && fromFile !== true);
    assert.deepEqual(Buffer.from(fromFile.clientCertPair!.key), readFileSync(key));
  });

  test('an API key implies TLS, unless TEMPORAL_TLS=false; TEMPORAL_TLS=true alone is TLS', () => {
    assert.deepEqual(load({ TEMPORAL_API_KEY: 'k1' }).security, { tls: true, apiKey: 'k1' });
    assert.deepEqual(load({ TEMPORAL_API_KEY: 'k1', TEMPORAL_TLS: 'false' }).security, { apiKey: 'k1' });
    assert.deepEqual(load({ TEMPORAL_TLS: '1' }).security, { tls: true });
    assert.equal(describeSecurity(load({ TEMPORAL_API_KEY: 'k1' }).security), 'TLS + API key');
  });
});

describe('the names of 0.1.0, accepted until 0.3.0', () => {
  test('each old name is an alias of the standard one, with one notice', () => {
    const notices: string[] = [];
    const old = load({ TEMPORAL_TLS_CERT: cert, TEMPORAL_TLS_KEY: key, TEMPORAL_TLS_CA: ca }, notices);
    const standard = load({
      TEMPORAL_TLS_CLIENT_CERT_PATH: cert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: key,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca,
    });
    assert.deepEqual(old, standard);
    assert.deepEqual(notices, [
      'deprecated names (accepted until 0.3.0): TEMPORAL_TLS_CERT is now TEMPORAL_TLS_CLIENT_CERT_PATH; ' +
        'TEMPORAL_TLS_KEY is now TEMPORAL_TLS_CLIENT_KEY_PATH; TEMPORAL_TLS_CA is now TEMPORAL_TLS_SERVER_CA_CERT_PATH',
    ]);
    const caOnly: string[] = [];
    assert.ok(load({ TEMPORAL_TLS_CA: ca }, caOnly).security.tls);
    assert.deepEqual(caOnly, [
      'deprecated names (accepted until 0.3.0): TEMPORAL_TLS_CA is now TEMPORAL_TLS_SERVER_CA_CERT_PATH',
    ]);
  });

  test('an old and a standard name with different values are refused, naming both', () => {
    refused(
      { TEMPORAL_TLS_CERT: cert, TEMPORAL_TLS_CLIENT_CERT_PATH: ca, TEMPORAL_TLS_KEY: key },
      /^TEMPORAL_TLS_CERT=.*client\.pem and TEMPORAL_TLS_CLIENT_CERT_PATH=.*ca\.pem differ: TEMPORAL_TLS_CERT is the old name of TEMPORAL_TLS_CLIENT_CERT_PATH/,
    );
    refused(
      { TEMPORAL_TLS_KEY: key, TEMPORAL_TLS_CLIENT_KEY_PATH: cert },
      /TEMPORAL_TLS_KEY=.* and TEMPORAL_TLS_CLIENT_KEY_PATH=/,
    );
    refused(
      { TEMPORAL_TLS_CA: ca, TEMPORAL_TLS_SERVER_CA_CERT_PATH: cert },
      /TEMPORAL_TLS_CA=.* and TEMPORAL_TLS_SERVER_CA_CERT_PATH=/,
    );
    assert.ok(load({ TEMPORAL_TLS_CA: ca, TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca }).security.tls, 'the same value: fine');
  });

  test('errors name the old variable the value was given under', () => {
    refused(
      { TEMPORAL_TLS_CERT: '/nonexistent/cert.pem' },
      /^TEMPORAL_TLS_CERT=\/nonexistent\/cert\.pem cannot be read \(ENOENT\)/,
    );
    refused(
      { TEMPORAL_TLS_KEY: key },
      /^TEMPORAL_TLS_KEY is set but no client certificate is \(TEMPORAL_TLS_CLIENT_CERT_PATH/,
    );
  });
});

describe('bad values: a ConfigError naming the variable, or the file and profile', () => {
  test('PEM files: unreadable, not PEM, a certificate without its key', () => {
    refused(
      { TEMPORAL_TLS_CLIENT_CERT_PATH: '/nonexistent/cert.pem' },
      /^TEMPORAL_TLS_CLIENT_CERT_PATH=\/nonexistent\/cert\.pem cannot be read \(ENOENT\)\.$/,
    );
    const text = file('not-pem.txt', 'hello');
    refused(
      { TEMPORAL_TLS_SERVER_CA_CERT_PATH: text },
      /^TEMPORAL_TLS_SERVER_CA_CERT_PATH=.*not-pem\.txt is not a PEM file\.$/,
    );
    refused(
      { TEMPORAL_TLS_CLIENT_CERT_DATA: 'secret-ish' },
      /^TEMPORAL_TLS_CLIENT_CERT_DATA is not PEM \(no "-----BEGIN" line\)\.$/,
    );
    refused(
      { TEMPORAL_TLS_CLIENT_CERT_PATH: cert },
      /^TEMPORAL_TLS_CLIENT_CERT_PATH is set but no client key is \(TEMPORAL_TLS_CLIENT_KEY_PATH or _DATA.*mTLS needs both/,
    );
    const path = file('half.toml', `[profile.half.tls]\nclient_cert_path = "${cert}"\n`);
    refused(
      { TEMPORAL_CONFIG_FILE: path, TEMPORAL_PROFILE: 'half' },
      new RegExp(`^${path} \\[profile\\.half\\] tls\\.client_cert_path is set but no client key is`),
    );
    refused(
      { TEMPORAL_TLS_CLIENT_CERT_PATH: cert, TEMPORAL_TLS_CLIENT_CERT_DATA: readFileSync(cert, 'utf8') },
      /^the TEMPORAL_\* variables: Cannot specify both client_cert_path and client_cert_data\.$/,
    );
  });

  test('TLS turned off against TLS settings; a bad server name; TLS neither true nor false', () => {
    refused(
      { TEMPORAL_TLS: 'false', TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca, TEMPORAL_TLS_SERVER_NAME: 'a.example' },
      /^TEMPORAL_TLS=false contradicts TEMPORAL_TLS_SERVER_CA_CERT_PATH \/ TEMPORAL_TLS_SERVER_NAME\.$/,
    );
    const path = file('off.toml', '[profile.off.tls]\ndisabled = true\nserver_name = "a.example"\n');
    refused(
      { TEMPORAL_CONFIG_FILE: path, TEMPORAL_PROFILE: 'off' },
      new RegExp(
        `^${path} \\[profile\\.off\\] tls\\.disabled=true contradicts ${path} \\[profile\\.off\\] tls\\.server_name`,
      ),
    );
    refused({ TEMPORAL_TLS_SERVER_NAME: 'bad name' }, /^TEMPORAL_TLS_SERVER_NAME="bad name" is not a host name\.$/);
    refused({ TEMPORAL_TLS: 'maybe' }, /^TEMPORAL_TLS="maybe" must be true or false/);
    refused(
      { TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'true' },
      /^TEMPORAL_TLS_DISABLE_HOST_VERIFICATION=true is not supported/,
    );
    assert.deepEqual(load({ TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'false' }).security, {});
  });

  test('an API key with white space, never printed', () => {
    assert.throws(
      () => load({ TEMPORAL_API_KEY: 'abc def' }),
      (err: Error) => /^TEMPORAL_API_KEY contains white space/.test(err.message) && !err.message.includes('abc'),
    );
    const path = file('key.toml', '[profile.default]\napi_key = "abc def"\n');
    assert.throws(
      () => load({ TEMPORAL_CONFIG_FILE: path }),
      (err: Error) =>
        err.message.startsWith(`${path} [profile.default] api_key contains white space`) &&
        !err.message.includes('abc'),
    );
  });

  test('a bad address or namespace, from a variable or the profile', () => {
    refused({ TEMPORAL_ADDRESS: 'no-port' }, /^TEMPORAL_ADDRESS="no-port" must be host:port, e\.g\. localhost:7233\.$/);
    refused({ TEMPORAL_NAMESPACE: 'a b' }, /^TEMPORAL_NAMESPACE="a b" may contain only letters/);
    const path = file('bad.toml', '[profile.bad]\naddress = "no-port"\n[profile.num]\naddress = 7233\n');
    refused(
      { TEMPORAL_CONFIG_FILE: path, TEMPORAL_PROFILE: 'bad' },
      new RegExp(`^${path} \\[profile\\.bad\\] address="no-port" must be host:port`),
    );
    refused(
      { TEMPORAL_CONFIG_FILE: path, TEMPORAL_PROFILE: 'num' },
      new RegExp(`^${path} \\[profile\\.num\\] address must be a string \\(in quotes\\)\\.$`),
    );
  });

  test('the file: not TOML, missing, no such profile', () => {
    const bad = file('broken.toml', '[profile.default]\naddress = "x:1\n');
    refused(
      { TEMPORAL_CONFIG_FILE: bad },
      new RegExp(`^${bad} is not a Temporal config file: .* \\(line 2, column \\d+\\)\\.$`),
    );
    refused(
      { TEMPORAL_CONFIG_FILE: join(dir, 'nope.toml') },
      /^TEMPORAL_CONFIG_FILE=.*nope\.toml cannot be read \(ENOENT\)\.$/,
    );
    const path = file('profiles.toml', PROFILES);
    refused(
      { TEMPORAL_CONFIG_FILE: path, TEMPORAL_PROFILE: 'staging' },
      new RegExp(
        `^TEMPORAL_PROFILE=staging but ${path} has no \\[profile\\.staging\\] \\(its profiles: default, prod\\)\\.$`,
      ),
    );
    refused(
      { TEMPORAL_PROFILE: 'staging' },
      /^TEMPORAL_PROFILE=staging but .*empty\.toml has no \[profile\.staging\] \(it has no \[profile\.NAME\] table\)\.$/,
    );
    assert.throws(
      () => loadTemporalSettings({ TEMPORAL_PROFILE: 'staging', XDG_CONFIG_HOME: join(dir, 'none') }, () => undefined),
      /^ConfigError: TEMPORAL_PROFILE=staging but .*none\/temporalio\/temporal\.toml does not exist: set TEMPORAL_CONFIG_FILE/,
    );
  });
});

describe('witkey up without an address: TLS / API key refused, the profile address used', () => {
  const embedded = (env: Record<string, string>): void =>
    refuseUnusedByEmbeddedStack(env, loadStackConfig({ TEMPORAL_CONFIG_FILE: file('empty.toml', ''), ...env }), false);

  test('a standard or an old variable of TLS', () => {
    const given: Record<string, string> = {
      TEMPORAL_TLS_SERVER_CA_CERT_DATA: readFileSync(ca, 'utf8'),
      TEMPORAL_TLS_SERVER_NAME: 'a.example',
      TEMPORAL_TLS_CA: ca,
    };
    for (const [name, value] of Object.entries(given))
      assert.throws(
        () => embedded({ [name]: value }),
        new RegExp(
          `^ConfigError: ${name} is set but TEMPORAL_ADDRESS is not: the embedded dev server speaks plain text`,
        ),
      );
  });

  test("a profile's TLS or API key without its address; with one, the profile's server", () => {
    const path = file(
      'keyonly.toml',
      '[profile.default]\napi_key = "k1"\n[profile.full]\naddress = "a.example:7233"\napi_key = "k1"\n',
    );
    assert.throws(
      () => embedded({ TEMPORAL_CONFIG_FILE: path }),
      new RegExp(`^ConfigError: profile "default" of ${path} sets TLS or an API key but no address`),
    );
    assert.doesNotThrow(() => embedded({ TEMPORAL_CONFIG_FILE: path, TEMPORAL_PROFILE: 'full' }));
  });
});

describe('witkey: one line and a hint, the notice once', () => {
  test('a broken file and an unknown profile', async () => {
    const bad = file('broken.toml', '[profile.default\n');
    oneLineError(
      await witkey(['list'], cleanEnv({ TEMPORAL_CONFIG_FILE: bad })),
      /^witkey: .*broken\.toml is not a Temporal config file: /,
      /Configuration/,
    );
    oneLineError(
      await witkey(
        ['list'],
        cleanEnv({ TEMPORAL_CONFIG_FILE: file('profiles.toml', PROFILES), TEMPORAL_PROFILE: 'x' }),
      ),
      /^witkey: TEMPORAL_PROFILE=x but .* has no \[profile\.x\]/,
    );
  });

  test('an old name: the deprecation notice on stderr, once', async () => {
    const r = await witkey(
      ['list'],
      cleanEnv({ TEMPORAL_ADDRESS: 'no-port', TEMPORAL_TLS_CERT: cert, TEMPORAL_TLS_KEY: key }),
    );
    oneLineError(r, /^witkey: TEMPORAL_ADDRESS="no-port" must be host:port/);
    const notices = r.stderr.split('\n').filter((l) => l.startsWith('[witkey]'));
    assert.deepEqual(notices, [
      '[witkey] deprecated names (accepted until 0.3.0): TEMPORAL_TLS_CERT is now TEMPORAL_TLS_CLIENT_CERT_PATH; TEMPORAL_TLS_KEY is now TEMPORAL_TLS_CLIENT_KEY_PATH',
    ]);
  });

  test("witkey up takes a profile's address as an existing server and starts none", async () => {
    const port = await freePort();
    const path = file('up.toml', `[profile.default]\naddress = "127.0.0.1:${port}"\n`);
    const r = await witkey(
      ['up', '--no-demo', '--exit', '--data-dir', join(dir, 'up-data')],
      cleanEnv({ TEMPORAL_CONFIG_FILE: path, WITKEY_HTTP_PORT: String(await freePort()) }),
    );
    assert.match(
      r.stderr,
      new RegExp(
        `using the Temporal server at 127\\.0\\.0\\.1:${port} \\(profile "default" of ${path}, plain text\\); starting none`,
      ),
    );
    oneLineError(r, new RegExp(`^witkey: cannot reach Temporal at 127\\.0\\.0\\.1:${port}`));
  });
});
