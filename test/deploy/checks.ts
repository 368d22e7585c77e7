/**
 * What the deployment files must satisfy, as functions from the loaders' reports to a list of problems (empty when
 * all is well), so that the tests can also feed them broken files and see each rule catch its fault.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import type { ComposeReport, DockerfileReport, ServiceConfig } from './validator';
import { ROOT } from './validator';

// ---- what the code reads, what README documents ----

/** The folders whose code reads the environment (the configuration is read at the edge: cli/, devstack/, ...). */
const CONFIG_SOURCES = ['cli', 'client', 'activities', 'sandbox', 'worker', 'devstack'];

function tsFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) tsFiles(path, out);
    else if (path.endsWith('.ts')) out.push(path);
  }
  return out;
}

/**
 * Every environment variable name the code can read: `env.NAME` / `process.env.NAME` accesses and upper-case
 * string literals ('NAME', as in parsePort('WITKEY_HTTP_PORT', env.WITKEY_HTTP_PORT) or env[name] over a list) in
 * the TypeScript sources, plus the TEMPORAL_* names the SDK's environment configuration (@temporalio/envconfig)
 * reads. Comments do not count.
 */
export function namesReadByCode(): Set<string> {
  const names = new Set<string>();
  const upper = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/;
  for (const file of CONFIG_SOURCES.flatMap((d) => tsFiles(join(ROOT, d)))) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
    const visit = (node: ts.Node): void => {
      if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
        if (upper.test(node.text)) names.add(node.text);
      } else if (
        ts.isPropertyAccessExpression(node) &&
        upper.test(node.name.text) &&
        /(^|\.)env$/.test(node.expression.getText(source))
      )
        names.add(node.name.text);
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  const envconfig = dirname(require.resolve('@temporalio/envconfig'));
  for (const file of readdirSync(envconfig).filter((f) => f.endsWith('.js')))
    for (const m of readFileSync(join(envconfig, file), 'utf8').matchAll(/["'`](TEMPORAL_[A-Z0-9_]+)["'`]/g))
      names.add(m[1]);
  return names;
}

/** The text of a `## title` section of README.md (up to the next `## `). */
export function readmeSection(title: string, readme = readFileSync(join(ROOT, 'README.md'), 'utf8')): string {
  const start = readme.indexOf(`\n## ${title}\n`);
  if (start < 0) return '';
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

export const mentions = (text: string, name: string): boolean => new RegExp(`\\b${name}\\b`).test(text);

/** NAME=... lines of an env file, commented out or not. */
export function envFileNames(text: string): string[] {
  return [...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);
}

export interface Documentation {
  /** Names the code reads (namesReadByCode). */
  read: Set<string>;
  /** README, "Configuration" and "Deployment". */
  configuration: string;
  deployment: string;
}

/** Problems of variable names handed to the witkey containers: read by the code, documented in README. */
export function variableProblems(where: string, names: string[], doc: Documentation): string[] {
  const problems: string[] = [];
  for (const name of names) {
    if (!doc.read.has(name)) problems.push(`${where}: ${name} is not read by the code (no env.${name} nor '${name}')`);
    if (!mentions(doc.configuration, name) && !mentions(doc.deployment, name))
      problems.push(`${where}: ${name} is not documented in README ("Configuration" or "Deployment")`);
  }
  return problems;
}

// ---- Dockerfile ----

const ROOT_USERS = new Set(['', 'root', '0', '0:0', 'root:root']);

/** The rules of the witkey image. `nodeMajor` is the Node.js major version of package.json's engines. */
export function dockerfileProblems(report: DockerfileReport, nodeMajor: number): string[] {
  if (!report.ok) return [`the Dockerfile does not parse: ${report.error}`];
  const problems: string[] = report.warnings.map((w) => `line ${w.line}: ${w.rule}: ${w.message}`);
  const { stages } = report;
  if (stages.length < 2)
    return [...problems, `${stages.length} stage(s): a build stage and a runtime stage are needed`];
  for (const s of stages) {
    const [image, tag] = s.baseName.split(':');
    if (!tag || tag === 'latest') problems.push(`FROM ${s.baseName}: pin the base image by its tag`);
    else if (image === 'node' && !new RegExp(`^${nodeMajor}(\\.\\d+){0,2}-`).test(tag))
      problems.push(`FROM ${s.baseName}: package.json's engines say Node.js ${nodeMajor}`);
  }
  const build = stages.slice(0, -1);
  const final = stages[stages.length - 1];
  const runs = (s: (typeof stages)[number]) =>
    s.commands.filter((c) => c.kind === 'run').map((c) => (c.args ?? []).join(' '));
  const buildRuns = build.flatMap(runs);
  for (const [what, pattern] of [
    ['installs the locked dependencies (npm ci)', /\bnpm ci\b/],
    ['builds (npm run build: tsc and the workflow bundle in dist/workflow-bundle/)', /\bnpm run build\b/],
    ['drops the dev dependencies (npm prune --omit=dev)', /\bnpm prune\b[^&;|]*--omit=dev/],
  ] as const)
    if (!buildRuns.some((r) => pattern.test(r))) problems.push(`no build stage ${what}`);
  for (const r of runs(final))
    if (/\bnpm (ci|install|i)\b/.test(r)) problems.push(`the runtime stage installs packages (${r}): copy them`);
  const copies = final.commands.filter((c) => c.kind === 'copy');
  for (const path of ['dist', 'node_modules', 'bin', 'package.json'])
    if (!copies.some((c) => c.from && c.sources?.some((src) => src.replace(/\/+$/, '').endsWith(`/${path}`))))
      problems.push(`the runtime stage does not copy ${path} from the build stage`);
  const users = final.commands.filter((c) => c.kind === 'user');
  const user = users.length ? users[users.length - 1].value! : '';
  if (ROOT_USERS.has(user.trim())) problems.push(`the runtime stage runs as root (USER ${user || 'unset'})`);
  const last = (kind: string) => final.commands.filter((c) => c.kind === kind).pop();
  const entrypoint = last('entrypoint');
  if (!entrypoint || entrypoint.shell || JSON.stringify(entrypoint.args) !== '["node","bin/witkey.js"]')
    problems.push(`ENTRYPOINT must be ["node", "bin/witkey.js"] (exec form), not ${entrypoint?.original ?? 'unset'}`);
  const cmd = last('cmd');
  if (!cmd || cmd.shell || JSON.stringify(cmd.args) !== '["worker"]')
    problems.push(`CMD must be ["worker"], not ${cmd?.original ?? 'unset'}`);
  if (last('healthcheck'))
    problems.push('a HEALTHCHECK in the image would apply to the worker, which serves no HTTP: keep it per service');
  return problems;
}

// ---- docker-compose.yml ----

/** The services of the deployment and what each must be. */
export const WITKEY_SERVICES = ['worker', 'webhook', 'sandbox'] as const;
export const APP_SERVICES = [...WITKEY_SERVICES, 'temporal-namespace'] as const;

/** An image reference with an explicit tag other than latest (a digest also pins). */
export function pinned(image: string | undefined): boolean {
  if (!image) return false;
  if (image.includes('@sha256:')) return true;
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash && image.slice(colon + 1) !== 'latest' && image.slice(colon + 1) !== '';
}

export interface ComposeRules extends Documentation {
  /** The image name the witkey services build and run. */
  witkeyImage: string;
  /** The folder of the compose file: the build context of the witkey image. */
  context: string;
}

/** The rules every loaded configuration of docker-compose.yml keeps (with or without the sandbox profile). */
export function composeProblems(report: ComposeReport, rules: ComposeRules): string[] {
  if (!report.ok) return [`docker-compose.yml does not load: ${report.error}`];
  const problems: string[] = [];
  const services = report.project.services;
  const all: [string, ServiceConfig][] = Object.entries(services);
  for (const [name, s] of all) {
    if (!pinned(s.image)) problems.push(`${name}: image ${s.image ?? '(none)'} is not pinned by a tag`);
    if (s.container_name) problems.push(`${name}: container_name ${s.container_name} (the project prefixes names)`);
  }
  const worker = services.worker;
  if (!worker) problems.push('no worker service');
  else {
    if (worker.ports?.length) problems.push('worker: publishes ports, so it cannot be scaled (--scale worker=N)');
    if (worker.hostname) problems.push('worker: a fixed hostname, so it cannot be scaled');
    if (worker.deploy?.replicas === 0 || worker.scale === 0) problems.push('worker: zero replicas');
  }
  for (const name of WITKEY_SERVICES) {
    const s = services[name];
    if (!s) continue;
    if (s.image !== rules.witkeyImage) problems.push(`${name}: image ${s.image} instead of ${rules.witkeyImage}`);
    if (s.build?.dockerfile !== 'Dockerfile' || s.build.context !== rules.context)
      problems.push(`${name}: not built from the repository's Dockerfile`);
  }
  if (!services.webhook?.ports?.length) problems.push('webhook: its port is not published');
  for (const name of APP_SERVICES) {
    const s = services[name];
    if (s) problems.push(...variableProblems(name, Object.keys(s.environment ?? {}), rules));
  }
  for (const v of report.variables)
    if (!mentions(rules.deployment, v.name)) problems.push(`\${${v.name}} is not documented in README, "Deployment"`);
  for (const [name, s] of all)
    for (const [dep, d] of Object.entries(s.depends_on ?? {}))
      if (!['service_started', 'service_healthy', 'service_completed_successfully'].includes(d.condition))
        problems.push(`${name} depends on ${dep} with the unknown condition ${d.condition}`);
  return problems;
}

/** Node.js major version of package.json's engines (">=20" -> 20). */
export function nodeMajor(pkg: { engines?: { node?: string } }): number {
  return Number(/\d+/.exec(pkg.engines?.node ?? '')?.[0]);
}

/** Bare package names required by compiled JavaScript (`require("x")`, `require("@s/x/sub")` -> @s/x). */
export function requiredPackages(js: string): string[] {
  const builtins = new Set(builtinModules);
  const out = new Set<string>();
  for (const m of js.matchAll(/\brequire\("([^".][^"]*)"\)/g)) {
    const spec = m[1];
    if (spec.startsWith('node:') || builtins.has(spec) || builtins.has(spec.split('/')[0])) continue;
    const parts = spec.split('/');
    out.add(spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]);
  }
  return [...out];
}
