/**
 * The deployment files (issue #12), checked as far as a machine without a Docker engine can: docker-compose.yml
 * loaded by the compose-spec loader of `docker compose` (compose-go: schema, interpolation, profiles, consistency)
 * and the Dockerfile read by BuildKit's parser, both through test/deploy/validate (built once with Go into the
 * user cache). Services, images, ports, start order, the sandbox profile, and every variable handed to the witkey
 * containers against what the code reads and README documents. Nothing here starts a container.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SearchAttributeType } from '@temporalio/common';
import { WORKER_NODE_FLAGS } from '../../cli/worker-memory';
import { DEFAULT_RETENTION_DAYS } from '../../devstack/namespace';
import { PREBUILT_DIR } from '../../worker/prebuilt-bundle';
import { WITKEY_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import {
  composeProblems,
  dockerfileProblems,
  envFileNames,
  mentions,
  namesReadByCode,
  nodeMajor,
  readmeSection,
  requiredPackages,
  variableProblems,
  type ComposeRules,
} from './checks';
import { loadCompose, parseDockerfile, ROOT, validator, type ComposeReport, type ServiceConfig } from './validator';

const COMPOSE = join(ROOT, 'docker-compose.yml');
const DOCKERFILE = join(ROOT, 'Dockerfile');
const read = (name: string): string => readFileSync(join(ROOT, name), 'utf8');
const PKG = JSON.parse(read('package.json')) as {
  version: string;
  engines: { node: string };
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** The least a deployment must say (compose refuses to start without it). */
const PUBLIC = { WITKEY_PUBLIC_URL: 'https://shop.example.com' };
/** README, "Deployment": the sandbox profile. */
const WITH_SANDBOX = { WITKEY_PUBLIC_URL: 'http://webhook:8280', WITKEY_SANDBOX_URL: 'http://sandbox:8290' };

let rules: ComposeRules;
let tmp: string;

before(async () => {
  await validator(); // the first run builds it (Go module downloads, then compiling), later runs reuse the cache
  rules = {
    read: namesReadByCode(),
    configuration: readmeSection('Configuration'),
    deployment: readmeSection('Deployment'),
    witkeyImage: `witkey-temporal:${PKG.version}`,
    context: ROOT,
  };
  tmp = await mkdtemp(join(tmpdir(), 'witkey-deploy-'));
});

after(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const env = (s: ServiceConfig): Record<string, string | null> => s.environment ?? {};
const command = (s: ServiceConfig): string => (s.command ?? []).join('\n');

async function loaded(vars: Record<string, string> = PUBLIC, profiles: string[] = []): Promise<ComposeReport> {
  const report = await loadCompose(COMPOSE, vars, profiles);
  assert.equal(report.error, undefined);
  return report;
}

describe('docker-compose.yml, loaded by the compose-spec loader (compose-go)', () => {
  test('loads with WITKEY_PUBLIC_URL alone and keeps every rule; the sandbox is off', async () => {
    const r = await loaded();
    assert.deepEqual(composeProblems(r, rules), []);
    assert.deepEqual(Object.keys(r.project.services).sort(), [
      'postgresql',
      'temporal',
      'temporal-namespace',
      'temporal-schema',
      'temporal-ui',
      'webhook',
      'worker',
    ]);
    assert.deepEqual(r.disabledServices, [{ name: 'sandbox', profiles: ['sandbox'] }]);
    assert.deepEqual(Object.keys(r.project.volumes ?? {}).sort(), ['audit', 'pgdata', 'sandbox']);
  });

  test('refuses to load without WITKEY_PUBLIC_URL, and says what to set', async () => {
    const r = await loadCompose(COMPOSE, {});
    assert.equal(r.ok, false);
    assert.match(r.error!, /required variable WITKEY_PUBLIC_URL is missing a value: set WITKEY_PUBLIC_URL/);
  });

  test('images: pinned PostgreSQL, Temporal server, admin tools of the same release, UI; the witkey image built here', async () => {
    const { services } = (await loaded()).project;
    const images = Object.fromEntries(Object.entries(services).map(([n, s]) => [n, s.image]));
    const server = /^temporalio\/server:(\d+\.\d+\.\d+)$/.exec(images.temporal ?? '');
    assert.ok(server, `temporal: ${images.temporal}`);
    for (const step of ['temporal-schema', 'temporal-namespace'])
      assert.ok(images[step]!.startsWith(`temporalio/admin-tools:${server[1]}`), `${step}: ${images[step]}`);
    assert.match(images.postgresql!, /^postgres:\d+(\.\d+)?$/);
    assert.match(images['temporal-ui']!, /^temporalio\/ui:\d+\.\d+\.\d+$/);
    assert.equal(images.worker, `witkey-temporal:${PKG.version}`);
    assert.equal(images.webhook, `witkey-temporal:${PKG.version}`);
  });

  test('ports: the webhook, Temporal and its UI on loopback, where the variables say; the worker and PostgreSQL publish none', async () => {
    const published = (r: ComposeReport) =>
      Object.fromEntries(
        Object.entries(r.project.services).map(([n, s]) => [
          n,
          (s.ports ?? []).map((p) => `${p.host_ip}:${p.published}->${p.target}`),
        ]),
      );
    assert.deepEqual(published(await loaded()), {
      postgresql: [],
      'temporal-schema': [],
      temporal: ['127.0.0.1:7233->7233'],
      'temporal-namespace': [],
      'temporal-ui': ['127.0.0.1:8233->8080'],
      worker: [],
      webhook: ['127.0.0.1:8280->8280'],
    });
    const moved = await loaded({
      ...PUBLIC,
      WITKEY_HTTP_PORT: '9280',
      WITKEY_UI_PORT: '9233',
      WITKEY_TEMPORAL_PORT: '9733',
    });
    const ports = published(moved);
    assert.deepEqual(ports.webhook, ['127.0.0.1:9280->9280']);
    assert.equal(env(moved.project.services.webhook).WITKEY_HTTP_PORT, '9280'); // it listens where it is published
    assert.deepEqual(ports['temporal-ui'], ['127.0.0.1:9233->8080']);
    assert.deepEqual(ports.temporal, ['127.0.0.1:9733->7233']);
    assert.equal(env(moved.project.services.webhook).WITKEY_HTTP_HOST, '0.0.0.0');
  });

  test('start order: schema, server, namespace, then worker and webhook; health checks where something waits on them', async () => {
    const { services } = (await loaded()).project;
    const deps = Object.fromEntries(
      Object.entries(services).map(([n, s]) => [
        n,
        Object.entries(s.depends_on ?? {}).map(([d, c]) => `${d}:${c.condition}${c.required ? '' : ' (optional)'}`),
      ]),
    );
    assert.deepEqual(deps, {
      postgresql: [],
      'temporal-schema': ['postgresql:service_healthy'],
      temporal: ['temporal-schema:service_completed_successfully'],
      'temporal-namespace': ['temporal:service_healthy'],
      'temporal-ui': ['temporal:service_healthy'],
      worker: ['sandbox:service_healthy (optional)', 'temporal-namespace:service_completed_successfully'],
      webhook: ['sandbox:service_healthy (optional)', 'temporal-namespace:service_completed_successfully'],
    });
    for (const name of ['postgresql', 'temporal', 'webhook']) assert.ok(services[name].healthcheck?.test, name);
    assert.match(services.webhook.healthcheck!.test!.join(' '), /\/healthz/);
    for (const step of ['temporal-schema', 'temporal-namespace']) assert.equal(services[step].restart, 'no');
    for (const name of ['postgresql', 'temporal', 'temporal-ui', 'worker', 'webhook'])
      assert.equal(services[name].restart, 'unless-stopped', name);
  });

  test('Temporal on PostgreSQL with SQL visibility: both databases created with the postgres12 plugin and the versioned schemas', async () => {
    const { services } = (await loaded({ ...PUBLIC, POSTGRES_PASSWORD: 's3cret' })).project;
    const setup = command(services['temporal-schema']);
    assert.match(setup, /temporal-sql-tool --plugin postgres12 --ep postgresql -p 5432 -u temporal/);
    for (const [db, dir] of [
      ['temporal', 'temporal'],
      ['temporal_visibility', 'visibility'],
    ]) {
      assert.ok(setup.includes(`--db ${db} create`), db);
      assert.ok(setup.includes(`--db ${db} setup-schema -v 0.0`), db);
      assert.ok(setup.includes(`--db ${db} update-schema -d /etc/temporal/schema/postgresql/v12/${dir}/versioned`), db);
    }
    assert.deepEqual(services['temporal-schema'].entrypoint, ['/bin/sh', '-euc']);
    const server = env(services.temporal);
    assert.deepEqual(
      { DB: server.DB, DB_PORT: server.DB_PORT, POSTGRES_SEEDS: server.POSTGRES_SEEDS, BIND_ON_IP: server.BIND_ON_IP },
      { DB: 'postgres12', DB_PORT: '5432', POSTGRES_SEEDS: 'postgresql', BIND_ON_IP: '0.0.0.0' },
    );
    // one password, set once
    assert.equal(env(services.postgresql).POSTGRES_PASSWORD, 's3cret');
    assert.equal(env(services['temporal-schema']).SQL_PASSWORD, 's3cret');
    assert.equal(server.POSTGRES_PWD, 's3cret');
    assert.equal(server.POSTGRES_USER, env(services.postgresql).POSTGRES_USER);
  });

  test('the namespace step registers exactly the search attributes of workflows/search-attributes.ts, with 30 days of retention', async () => {
    const { services } = (await loaded({ ...PUBLIC, TEMPORAL_NAMESPACE: 'shop' })).project;
    const script = command(services['temporal-namespace']);
    const declared = [...script.matchAll(/--name (\w+) --type (\w+)/g)].map((m) => `${m[1]}:${m[2]}`).sort();
    const typeName: Record<string, string> = {
      [SearchAttributeType.KEYWORD]: 'Keyword',
      [SearchAttributeType.TEXT]: 'Text',
      [SearchAttributeType.INT]: 'Int',
      [SearchAttributeType.DOUBLE]: 'Double',
      [SearchAttributeType.BOOL]: 'Bool',
      [SearchAttributeType.DATETIME]: 'Datetime',
      [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
    };
    assert.deepEqual(declared, WITKEY_SEARCH_ATTRIBUTES.map((k) => `${k.name}:${typeName[k.type]}`).sort());
    const hours = Number(/--retention (\d+)h/.exec(script)?.[1]);
    assert.equal(hours, DEFAULT_RETENTION_DAYS * 24);
    assert.equal(env(services['temporal-namespace']).TEMPORAL_NAMESPACE, 'shop');
    assert.equal(env(services.worker).TEMPORAL_NAMESPACE, 'shop');
    assert.equal(env(services.webhook).TEMPORAL_NAMESPACE, 'shop');
  });

  test('the one-shot steps run under sh as Docker starts them (entrypoint + command), against stand-ins for the tools', async () => {
    const { services } = (await loaded({ ...PUBLIC, TEMPORAL_NAMESPACE: 'shop' })).project;
    const bin = await mkdtemp(join(tmp, 'bin-'));
    const log = join(bin, 'calls.log');
    // `temporal`: the namespace is not there yet, and the first search-attribute call fails (server warming up)
    const stubs: Record<string, string> = {
      'temporal-sql-tool': 'echo "temporal-sql-tool $*" >> "$STUB_LOG"',
      temporal: [
        'echo "temporal $*" >> "$STUB_LOG"',
        'case "$*" in',
        '  "operator namespace describe"*) exit 1 ;;',
        '  "operator search-attribute create"*) [ "$(grep -c "search-attribute create" "$STUB_LOG")" -ge "${STUB_SA_OK_AT:-2}" ] ;;',
        'esac',
      ].join('\n'),
      sleep: 'exit 0',
    };
    for (const [name, body] of Object.entries(stubs))
      await writeFile(join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    const start = async (s: ServiceConfig, extra: Record<string, string> = {}) => {
      await writeFile(log, '');
      const [exe, ...args] = [...(s.entrypoint ?? []), ...(s.command ?? [])];
      const res = spawnSync(exe, args, {
        env: { PATH: `${bin}:${process.env.PATH}`, STUB_LOG: log, ...env(s), ...extra },
        encoding: 'utf8',
      });
      return { status: res.status, calls: readFileSync(log, 'utf8').trim().split('\n'), stderr: res.stderr };
    };
    const schema = await start(services['temporal-schema']);
    assert.equal(schema.status, 0, schema.stderr);
    const sql = 'temporal-sql-tool --plugin postgres12 --ep postgresql -p 5432 -u temporal';
    assert.deepEqual(schema.calls, [
      `${sql} --db temporal create`,
      `${sql} --db temporal setup-schema -v 0.0`,
      `${sql} --db temporal update-schema -d /etc/temporal/schema/postgresql/v12/temporal/versioned`,
      `${sql} --db temporal_visibility create`,
      `${sql} --db temporal_visibility setup-schema -v 0.0`,
      `${sql} --db temporal_visibility update-schema -d /etc/temporal/schema/postgresql/v12/visibility/versioned`,
    ]);
    const ns = await start(services['temporal-namespace']);
    assert.equal(ns.status, 0, ns.stderr);
    const attributes = WITKEY_SEARCH_ATTRIBUTES.length;
    assert.deepEqual(
      ns.calls.map((c) => c.replace(/ --name .*/, ` <${(c.match(/ --name /g) ?? []).length} attributes>`)),
      [
        'temporal operator namespace describe --namespace shop',
        'temporal operator namespace create --namespace shop --retention 720h',
        `temporal operator search-attribute create --namespace shop <${attributes} attributes>`,
        `temporal operator search-attribute create --namespace shop <${attributes} attributes>`,
      ],
    );
    // a server that never takes them: the step gives up (and the worker does not start)
    const never = await start(services['temporal-namespace'], { STUB_SA_OK_AT: '1000' });
    assert.notEqual(never.status, 0);
    assert.equal(never.calls.filter((c) => c.includes('search-attribute create')).length, 30);
  });

  test('worker: scalable, a heap limit, no sandbox unless asked, audit records on a shared volume, settings from an optional witkey.env', async () => {
    const { services } = (await loaded()).project;
    const worker = services.worker;
    assert.equal(worker.container_name, undefined);
    assert.equal(worker.hostname, undefined);
    assert.deepEqual(worker.ports ?? [], []);
    assert.deepEqual(worker.command, ['worker']);
    assert.deepEqual(worker.entrypoint, ['node', ...WORKER_NODE_FLAGS, 'bin/witkey.js']); // the image's, with the heap limit
    assert.equal(env(worker).WITKEY_SANDBOX_URL, ''); // the code takes an empty value as unset
    assert.equal(env(worker).WITKEY_AUDIT_DIR, '/data/audit');
    const mounts = (s: ServiceConfig) =>
      (s.volumes ?? []).map((v) => `${v.source}:${v.target}${v.read_only ? ':ro' : ''}`);
    assert.deepEqual(mounts(worker), [
      'audit:/data/audit',
      'sandbox:/data/sandbox:ro',
      `${ROOT}/secrets:/run/secrets/witkey:ro`,
    ]);
    for (const name of ['worker', 'webhook'])
      assert.deepEqual(services[name].env_file, [{ path: join(ROOT, 'witkey.env'), required: false }], name);
    assert.deepEqual(services.webhook.command, ['webhook']);
  });

  test('the sandbox profile: the sandbox runs; the worker and the webhook use it by WITKEY_SANDBOX_URL and read its keys at the same path', async () => {
    const r = await loaded(WITH_SANDBOX, ['sandbox']);
    assert.deepEqual(composeProblems(r, rules), []);
    assert.deepEqual(r.disabledServices, []);
    const { sandbox, worker, webhook } = r.project.services;
    assert.deepEqual(sandbox.profiles, ['sandbox']);
    assert.deepEqual(sandbox.command, ['sandbox', '--host', '0.0.0.0']);
    assert.ok(sandbox.healthcheck?.test);
    const url = new URL(env(worker).WITKEY_SANDBOX_URL!);
    assert.equal(url.hostname, 'sandbox');
    assert.equal(url.port, env(sandbox).WITKEY_SANDBOX_PORT);
    assert.equal(env(webhook).WITKEY_SANDBOX_URL, env(worker).WITKEY_SANDBOX_URL);
    // notify_url must reach the webhook from the sandbox's container
    assert.equal(new URL(env(worker).WITKEY_PUBLIC_URL!).hostname, 'webhook');
    const keys = env(sandbox).WITKEY_SANDBOX_DIR;
    assert.equal(keys, '/data/sandbox');
    const mount = (s: ServiceConfig) => s.volumes?.find((v) => v.source === 'sandbox');
    assert.deepEqual([mount(sandbox)?.target, mount(sandbox)?.read_only ?? false], [keys, false]);
    for (const s of [worker, webhook]) assert.deepEqual([mount(s)?.target, mount(s)?.read_only], [keys, true]);
    assert.deepEqual(
      (sandbox.ports ?? []).map((p) => `${p.host_ip}:${p.published}->${p.target}`),
      ['127.0.0.1:8290->8290'],
    );
  });

  test('Temporal Cloud: the worker and the webhook connect where TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE say; the bundled steps and UI do not follow', async () => {
    const cloud = { TEMPORAL_ADDRESS: 'shop.a1b2c.tmprl.cloud:7233', TEMPORAL_NAMESPACE: 'shop.a1b2c' };
    const { services } = (await loaded({ ...PUBLIC, ...cloud })).project;
    for (const name of ['worker', 'webhook']) {
      assert.equal(env(services[name]).TEMPORAL_ADDRESS, cloud.TEMPORAL_ADDRESS, name);
      assert.equal(env(services[name]).TEMPORAL_NAMESPACE, cloud.TEMPORAL_NAMESPACE, name);
    }
    assert.equal(env(services['temporal-namespace']).TEMPORAL_ADDRESS, 'temporal:7233');
    assert.equal(env(services['temporal-ui']).TEMPORAL_ADDRESS, 'temporal:7233');
  });

  test('witkey.env.example names only variables the code reads and README documents; site files stay out of git and the image', () => {
    const names = envFileNames(read('witkey.env.example'));
    assert.ok(names.length >= 20, `${names.length} names`);
    for (const name of ['ALIPAY_GATEWAY_URL', 'ALIPAY_PARTNER', 'TEMPORAL_API_KEY', 'TEMPORAL_TLS_CLIENT_CERT_PATH'])
      assert.ok(names.includes(name), name);
    assert.deepEqual(variableProblems('witkey.env.example', names, rules), []);
    for (const file of ['.gitignore', '.dockerignore']) {
      const lines = read(file).split('\n');
      for (const entry of ['.env', 'witkey.env']) assert.ok(lines.includes(entry), `${file}: ${entry}`);
      assert.ok(lines.includes('secrets') || lines.includes('secrets/'), `${file}: secrets`);
    }
  });
});

describe('Dockerfile, read by BuildKit', () => {
  test('parses without lint warnings and keeps every rule', async () => {
    assert.deepEqual(dockerfileProblems(await parseDockerfile(DOCKERFILE), nodeMajor(PKG)), []);
  });

  test('one Node.js release for both stages; the runtime stage takes the build output only, with the data folder writable', async () => {
    const { stages } = await parseDockerfile(DOCKERFILE);
    assert.equal(new Set(stages.map((s) => s.baseName)).size, 1);
    const final = stages[stages.length - 1];
    for (const copy of final.commands.filter((c) => c.kind === 'copy'))
      assert.equal(copy.from, stages[0].name, `${copy.original}: the runtime stage copies from the build stage only`);
    const dataDir = final.commands.find((c) => c.kind === 'env')?.env?.WITKEY_DATA_DIR;
    assert.equal(dataDir, '/data');
    const runs = final.commands.filter((c) => c.kind === 'run').map((c) => c.args!.join(' '));
    assert.ok(
      runs.some((r) => /chown -R node:node \/data\b/.test(r)),
      runs.join('\n'),
    );
    assert.ok(final.commands.findIndex((c) => c.kind === 'user') > final.commands.findIndex((c) => c.kind === 'run'));
  });

  test('the build makes the workflow bundle where the worker loads it', async () => {
    assert.match(PKG.scripts.build, /tsc -p tsconfig\.json && node dist\/worker\/build-bundle\.js/);
    assert.equal(PREBUILT_DIR, join(ROOT, 'dist', 'workflow-bundle'));
    const { stages } = await parseDockerfile(DOCKERFILE);
    const build = stages[0].commands.filter((c) => c.kind === 'run').map((c) => c.args!.join(' '));
    assert.ok(build.some((r) => r.includes('npm run build') && r.includes('dist/workflow-bundle/workflow-bundle.js')));
    assert.match(read('bin/witkey.js'), /'dist', 'cli', 'main\.js'/);
  });

  test('the image runs on dependencies only: no compiled module outside the tests, benchmarks and chaos suite requires a devDependency', () => {
    const dist = join(ROOT, 'dist');
    const skip = new Set(['test', 'bench', 'chaos', 'workflow-bundle'].map((d) => join(dist, d)));
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir)) {
        const path = join(dir, entry);
        if (skip.has(path)) continue;
        if (statSync(path).isDirectory()) walk(path);
        else if (path.endsWith('.js')) files.push(path);
      }
    };
    assert.ok(existsSync(join(dist, 'cli', 'main.js')), 'dist/ is built (tsc) before the tests run');
    walk(dist);
    const offending = files.flatMap((f) =>
      requiredPackages(readFileSync(f, 'utf8'))
        .filter((p) => !(p in PKG.dependencies))
        .map((p) => `${f.slice(dist.length + 1)} requires ${p}${p in PKG.devDependencies ? ' (a devDependency)' : ''}`),
    );
    assert.deepEqual(offending, []);
    assert.ok(files.length > 50, `${files.length} modules`);
  });
});

describe('each rule catches its fault (broken copies of the files)', () => {
  const base = () => read('Dockerfile');
  const change = (text: string, from: string, to: string): string => {
    assert.ok(text.includes(from), `the fixture no longer contains ${JSON.stringify(from)}`);
    return text.replace(from, to);
  };
  async function dockerfile(text: string): Promise<string[]> {
    const file = join(tmp, 'Dockerfile');
    await writeFile(file, text);
    return dockerfileProblems(await parseDockerfile(file), nodeMajor(PKG));
  }
  const has = (problems: string[], pattern: RegExp): void =>
    assert.ok(
      problems.some((p) => pattern.test(p)),
      `expected a problem matching ${String(pattern)}, got:\n${problems.join('\n')}`,
    );

  test('Dockerfile: root user, no user, one stage, packages installed at run time, shell entrypoint, floating base, no prune, syntax', async () => {
    has(await dockerfile(change(base(), 'USER node', 'USER root')), /runs as root \(USER root\)/);
    has(await dockerfile(change(base(), 'USER node\n', '')), /runs as root \(USER unset\)/);
    has(await dockerfile('FROM node:20.20.2-bookworm-slim\nCOPY . .\nCMD ["worker"]\n'), /1 stage\(s\)/);
    has(
      await dockerfile(change(base(), 'USER node', 'RUN npm install --omit=dev\nUSER node')),
      /runtime stage installs packages/,
    );
    has(
      await dockerfile(change(base(), 'ENTRYPOINT ["node", "bin/witkey.js"]', 'ENTRYPOINT node bin/witkey.js')),
      /ENTRYPOINT must be/,
    );
    has(
      await dockerfile(change(base(), 'FROM node:20.20.2-bookworm-slim AS runtime', 'FROM node:latest AS runtime')),
      /pin the base image/,
    );
    has(
      await dockerfile(
        change(base(), 'FROM node:20.20.2-bookworm-slim AS build', 'FROM node:18-bookworm-slim AS build'),
      ),
      /engines say Node\.js 20/,
    );
    has(await dockerfile(change(base(), '&& npm prune --omit=dev', '')), /drops the dev dependencies/);
    has(await dockerfile(change(base(), 'COPY --from=build /app/dist ./dist', '')), /does not copy dist/);
    has(await dockerfile(change(base(), 'CMD ["worker"]', 'CMD ["worker"]\nHEALTHCHECK CMD true')), /HEALTHCHECK/);
    has(await dockerfile(change(base(), 'WORKDIR /app', 'FORM /app')), /does not parse/);
  });

  async function compose(text: string, vars: Record<string, string> = PUBLIC): Promise<string[]> {
    const file = join(tmp, 'docker-compose.yml');
    await writeFile(file, text);
    return composeProblems(await loadCompose(file, vars), { ...rules, context: tmp });
  }
  const yml = () => read('docker-compose.yml');

  test('compose: an unscalable worker, a floating image, unknown and undocumented variables', async () => {
    assert.deepEqual(await compose(yml()), []); // the copy itself is fine
    const unscalable = await compose(
      change(
        yml(),
        "    command: ['worker']",
        "    container_name: witkey-worker\n    ports: ['9999:9999']\n    command: ['worker']",
      ),
    );
    has(unscalable, /worker: publishes ports/);
    has(unscalable, /worker: container_name witkey-worker/);
    has(
      await compose(change(yml(), 'temporalio/ui:2.42.1', 'temporalio/ui:latest')),
      /temporal-ui: image temporalio\/ui:latest is not pinned/,
    );
    has(
      await compose(change(yml(), 'image: postgres:16', 'image: postgres')),
      /postgresql: image postgres is not pinned/,
    );
    const unknown = await compose(
      change(yml(), '      WITKEY_AUDIT_DIR: /data/audit', '      WITKEY_AUDIT_DIR: /data/audit\n      WITKEY_NOPE: 1'),
    );
    has(unknown, /worker: WITKEY_NOPE is not read by the code/);
    has(unknown, /worker: WITKEY_NOPE is not documented/);
    has(
      await compose(change(yml(), '${WITKEY_UI_PORT:-8233}', '${WITKEY_UI_HOST_PORT:-8233}')),
      /\$\{WITKEY_UI_HOST_PORT\} is not documented in README, "Deployment"/,
    );
  });

  test('compose: the loader refuses a dependency on a missing service, an unknown key, a malformed port', async () => {
    has(
      await compose('services:\n  worker:\n    image: x:1\n    depends_on: [nothere]\n'),
      /does not load: .*nothere/s,
    );
    has(await compose('services:\n  worker:\n    image: x:1\n    colour: blue\n'), /does not load: .*colour/s);
    has(await compose("services:\n  worker:\n    image: x:1\n    ports: ['80:eighty']\n"), /does not load/);
  });

  test('README documents every compose variable and the commands it promises', () => {
    const deployment = rules.deployment;
    for (const phrase of [
      'docker compose up -d',
      '--scale worker=3',
      '--profile sandbox',
      'tmprl.cloud:7233',
      'WITKEY_PUBLIC_URL',
      'TEMPORAL_API_KEY',
      'TEMPORAL_TLS_CLIENT_CERT_PATH',
      'TEMPORAL_TLS_CLIENT_KEY_PATH',
      'witkey.env',
      'secrets/',
    ])
      assert.ok(deployment.includes(phrase), phrase);
    assert.ok(mentions(deployment, 'POSTGRES_PASSWORD'));
  });
});
