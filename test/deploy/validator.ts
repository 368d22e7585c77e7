/**
 * The deployment files read the way Docker's own tools read them, without a Docker engine: a small Go program
 * (test/deploy/validate/) built with the compose-spec loader of `docker compose` (compose-go) and BuildKit's
 * Dockerfile parser. It is built once into the user-level cache (like the Temporal CLI, devstack/cache.ts) under a
 * name that changes with its sources and the Go version, and reused by every later run, clone and CI job.
 */
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cacheRoot, withLock } from '../../devstack/cache';
import { run } from '../../devstack/process';

/** The repository's root (dist/test/deploy -> ../../..). */
export const ROOT = join(__dirname, '..', '..', '..');
export const VALIDATOR_SOURCES = join(ROOT, 'test', 'deploy', 'validate');

const say = (line: string): void => {
  process.stderr.write(`[deploy-validate] ${line}\n`);
};

function goVersion(): string {
  const res = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (res.error || res.status !== 0)
    throw new Error(
      'Go is needed to check docker-compose.yml and the Dockerfile without a Docker engine: the check builds ' +
        'test/deploy/validate (compose-go and BuildKit) with it. Install Go (https://go.dev/dl/; the module ' +
        'names the version it needs, which Go fetches through the module proxy by itself) and put it on PATH. (' +
        (res.error?.message ?? res.stderr.trim()) +
        ')',
    );
  return res.stdout.trim();
}

/** The cached validator's path: a hash of its sources (main.go, go.mod, go.sum) and of `go version`. */
export function validatorPath(version = goVersion()): string {
  const hash = createHash('sha256').update(version);
  for (const name of readdirSync(VALIDATOR_SOURCES).sort())
    hash.update(name).update(readFileSync(join(VALIDATOR_SOURCES, name)));
  return join(cacheRoot(), `deploy-validate-${hash.digest('hex').slice(0, 16)}`, 'validate');
}

let built: Promise<string> | undefined;

/** The validator, built on first use (module downloads through the Go proxy, then about 10 s of compiling). */
export function validator(): Promise<string> {
  built ??= (async () => {
    const exe = validatorPath();
    if (existsSync(exe)) return exe;
    const dir = join(exe, '..');
    await mkdir(cacheRoot(), { recursive: true });
    return withLock(
      `${dir}.lock`,
      (pid) => say(`waiting for process ${pid}, which is building the validator into ${dir}`),
      async () => {
        if (existsSync(exe)) return exe; // built by the process we waited for
        const staging = await mkdtemp(`${dir}.build-`);
        say(`building the compose / Dockerfile validator with Go into ${dir} (once; cached afterwards)`);
        try {
          await run('go', ['build', '-mod=readonly', '-trimpath', '-o', join(staging, 'validate'), '.'], {
            cwd: VALIDATOR_SOURCES,
            onHeartbeat: (s) => say(`still building the validator (${s}s)`),
          });
          await rm(dir, { recursive: true, force: true });
          await rename(staging, dir);
        } catch (err) {
          await rm(staging, { recursive: true, force: true });
          throw new Error(
            `building test/deploy/validate failed: ${(err as Error).message}\nHint: check that the Go module proxy is reachable (go env GOPROXY).`,
          );
        }
        return exe;
      },
    );
  })();
  return built;
}

const execFileP = promisify(execFile);

async function runValidator<T>(args: string[]): Promise<T> {
  const { stdout } = await execFileP(await validator(), args, { maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout) as T;
}

// ---- compose ----

export interface PortConfig {
  host_ip?: string;
  target: number;
  published?: string;
  protocol?: string;
}

export interface VolumeMount {
  type: string;
  source?: string;
  target: string;
  read_only?: boolean;
}

export interface Healthcheck {
  test?: string[];
  disable?: boolean;
}

export interface ServiceConfig {
  image?: string;
  build?: { context: string; dockerfile?: string };
  command?: string[] | null;
  entrypoint?: string[] | null;
  container_name?: string;
  hostname?: string;
  environment?: Record<string, string | null>;
  env_file?: { path: string; required: boolean }[];
  ports?: PortConfig[];
  volumes?: VolumeMount[];
  depends_on?: Record<string, { condition: string; required: boolean }>;
  healthcheck?: Healthcheck;
  profiles?: string[];
  restart?: string;
  deploy?: { replicas?: number };
  scale?: number;
}

export interface ComposeReport {
  ok: boolean;
  error?: string;
  project: { name: string; services: Record<string, ServiceConfig>; volumes?: Record<string, unknown> };
  disabledServices: { name: string; profiles: string[] }[];
  variables: { name: string; default: string; required: boolean }[];
}

/**
 * Loads a compose file with compose-go: interpolation from `env` only (not this process's environment, not a
 * .env file), the given profiles enabled; env_file contents are not merged in.
 */
export function loadCompose(
  file: string,
  env: Record<string, string> = {},
  profiles: string[] = [],
): Promise<ComposeReport> {
  return runValidator([
    'compose',
    file,
    ...Object.entries(env).flatMap(([k, v]) => ['-env', `${k}=${v}`]),
    ...profiles.flatMap((p) => ['-profile', p]),
  ]);
}

// ---- Dockerfile ----

export interface DockerCommand {
  kind: string;
  original: string;
  args?: string[];
  shell?: boolean;
  from?: string;
  sources?: string[];
  dest?: string;
  chown?: string;
  value?: string;
  env?: Record<string, string>;
  test?: string[];
}

export interface DockerStage {
  name: string;
  baseName: string;
  platform?: string;
  commands: DockerCommand[];
}

export interface DockerfileReport {
  ok: boolean;
  error?: string;
  stages: DockerStage[];
  metaArgs: string[];
  warnings: { rule: string; message: string; line: number }[];
}

/** Parses a Dockerfile with BuildKit's parser, instruction reader and linter. */
export function parseDockerfile(file: string): Promise<DockerfileReport> {
  return runValidator(['dockerfile', file]);
}
