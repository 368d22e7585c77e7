/**
 * The production Temporal pieces the local cluster runs (`witkey cluster`), each found in this order: an explicit
 * path variable, the user-level cache, a build into that cache from the Go module proxy:
 *   - the server `go.temporal.io/server/cmd/server` and its schema tool `.../cmd/tools/sql` (v1.29.1: later
 *     versions need a newer Go than this machine's), with the PostgreSQL schemas of the same module version;
 *   - the Web UI server `github.com/temporalio/ui-server/v2` (v2.42.1, the version the CLI embeds).
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, rm, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { cacheRoot, withLock } from './cache';
import { ProvisioningError, type Progress, stderrProgress } from './executable';
import { goInstallCached } from './go-install';
import { isExecutable, which } from './process';

export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
export const TEMPORAL_UI_SERVER_VERSION = 'v2.42.1';
const SERVER_MODULE = 'go.temporal.io/server';
const UI_SERVER_MODULE = 'github.com/temporalio/ui-server/v2';

export interface TemporalServerPieces {
  server: string;
  sqlTool: string;
  /** schema/postgresql/v12 of the server's module: temporal/ and visibility/, each with versioned/. */
  postgresSchemaDir: string;
}

export async function resolveTemporalServer(
  progress: Progress = stderrProgress,
  env: NodeJS.ProcessEnv = process.env,
): Promise<TemporalServerPieces> {
  const dir = join(cacheRoot(env), `temporal-server-${TEMPORAL_SERVER_VERSION}`);
  const explicit = await explicitPath(env, 'TEMPORAL_SERVER_PATH');
  const explicitSql = await explicitPath(env, 'TEMPORAL_SQL_TOOL_PATH');
  if (!explicit || !explicitSql) {
    await goInstallCached(
      await requireGo(env, 'the Temporal server', 'TEMPORAL_SERVER_PATH and TEMPORAL_SQL_TOOL_PATH'),
      {
        label: `the Temporal server ${TEMPORAL_SERVER_VERSION} and its schema tool`,
        packages: [
          `${SERVER_MODULE}/cmd/server@${TEMPORAL_SERVER_VERSION}`,
          `${SERVER_MODULE}/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`,
        ],
        dir,
        binaries: { server: 'server', sql: 'sql' },
        hint: 'set TEMPORAL_SERVER_PATH and TEMPORAL_SQL_TOOL_PATH',
      },
      progress,
    );
  }
  return {
    server: explicit ?? join(dir, 'server'),
    sqlTool: explicitSql ?? join(dir, 'sql'),
    postgresSchemaDir: await postgresSchemas(dir, env, progress),
  };
}

export async function resolveUiServer(
  progress: Progress = stderrProgress,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const explicit = await explicitPath(env, 'TEMPORAL_UI_SERVER_PATH');
  if (explicit) return explicit;
  const dir = await goInstallCached(
    await requireGo(env, 'the Temporal Web UI server', 'TEMPORAL_UI_SERVER_PATH'),
    {
      label: `the Temporal Web UI server ${TEMPORAL_UI_SERVER_VERSION}`,
      packages: [`${UI_SERVER_MODULE}/cmd/server@${TEMPORAL_UI_SERVER_VERSION}`],
      dir: join(cacheRoot(env), `temporal-ui-server-${TEMPORAL_UI_SERVER_VERSION}`),
      binaries: { server: 'ui-server' },
      hint: 'set TEMPORAL_UI_SERVER_PATH',
    },
    progress,
  );
  return join(dir, 'ui-server');
}

async function explicitPath(env: NodeJS.ProcessEnv, name: string): Promise<string | undefined> {
  const path = env[name];
  if (!path) return undefined;
  if (await isExecutable(path)) return path;
  throw new ProvisioningError(`${name}=${path} is not an executable file. Point it at the binary or unset it.`);
}

async function requireGo(env: NodeJS.ProcessEnv, what: string, variables: string): Promise<string> {
  const go = await which('go', env);
  if (go) return go;
  throw new ProvisioningError(
    `${what} is not in the cache and Go is not installed to build it: install Go (1.23 or later), or set ${variables}.`,
  );
}

/** The module's PostgreSQL schemas, copied once next to the cached server (`go mod download` fetches them). */
async function postgresSchemas(dir: string, env: NodeJS.ProcessEnv, progress: Progress): Promise<string> {
  const target = join(dir, 'schema', 'postgresql', 'v12');
  if (await exists(join(target, 'visibility', 'versioned'))) return target;
  return withLock(
    `${dir}.schema.lock`,
    () => undefined,
    async () => {
      if (await exists(join(target, 'visibility', 'versioned'))) return target;
      const go = await requireGo(env, 'the Temporal PostgreSQL schema', 'TEMPORAL_SERVER_PATH');
      const { stdout } = await promisify(execFile)(go, [
        'mod',
        'download',
        '-json',
        `${SERVER_MODULE}@${TEMPORAL_SERVER_VERSION}`,
      ]);
      const moduleDir = (JSON.parse(stdout) as { Dir?: string }).Dir;
      if (!moduleDir) throw new ProvisioningError(`go mod download found no folder for ${SERVER_MODULE}`);
      progress(`copying the PostgreSQL schemas of ${SERVER_MODULE}@${TEMPORAL_SERVER_VERSION} into ${dir}`);
      const staging = await mkdtemp(join(dir, 'schema.copy-'));
      await cp(join(moduleDir, 'schema', 'postgresql', 'v12'), join(staging, 'v12'), { recursive: true });
      await rm(join(dir, 'schema', 'postgresql'), { recursive: true, force: true });
      await cp(staging, join(dir, 'schema', 'postgresql'), { recursive: true });
      await rm(staging, { recursive: true, force: true });
      return target;
    },
  );
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
