/**
 * A throwaway PostgreSQL for the local cluster: Debian's `postgresql` package, a fresh data folder in the system's
 * temporary folder, listening on loopback only on a free port, trust authentication (nothing leaves the machine),
 * removed on stop. PostgreSQL refuses to run as root: as root it runs as the package's `postgres` user.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { chown, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findOrInstall } from './apt';
import { ProvisioningError, type Progress } from './executable';
import { isExecutable, run, which } from './process';
import { freePort, waitForPort } from './ports';

export interface RunningPostgres {
  host: string;
  port: number;
  user: string;
  password: string;
  dataDir: string;
  /** Rows of a query (psql's unaligned output, one string per row, columns separated by '|'). */
  query(database: string, sql: string): Promise<string[]>;
  stop(): Promise<void>;
}

export const POSTGRES_INSTALL_HINT =
  'PostgreSQL is not installed: on Debian or Ubuntu run `apt-get install postgresql` (as root), or set WITKEY_POSTGRES_BIN to the folder holding initdb and postgres.';

/** The folder holding initdb and postgres: WITKEY_POSTGRES_BIN, Debian's newest /usr/lib/postgresql/N/bin, or PATH. */
export async function findPostgresBin(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (env.WITKEY_POSTGRES_BIN) {
    if (await isExecutable(join(env.WITKEY_POSTGRES_BIN, 'postgres'))) return env.WITKEY_POSTGRES_BIN;
    throw new ProvisioningError(`WITKEY_POSTGRES_BIN=${env.WITKEY_POSTGRES_BIN} holds no postgres executable.`);
  }
  const versions = await readdir('/usr/lib/postgresql').catch(() => [] as string[]);
  for (const v of versions.sort((a, b) => Number(b) - Number(a))) {
    const bin = join('/usr/lib/postgresql', v, 'bin');
    if (await isExecutable(join(bin, 'initdb'))) return bin;
  }
  const initdb = await which('initdb', env);
  if (initdb) return join(initdb, '..');
  throw new ProvisioningError(POSTGRES_INSTALL_HINT);
}

interface RunAs {
  uid?: number;
  gid?: number;
}

/** As root: the `postgres` system user's ids; otherwise the current user. */
async function postgresUser(): Promise<RunAs> {
  if (process.getuid?.() !== 0) return {};
  const passwd = await readFile('/etc/passwd', 'utf8');
  const entry = passwd.split('\n').find((line) => line.startsWith('postgres:'));
  if (!entry)
    throw new ProvisioningError(
      "PostgreSQL does not run as root and there is no `postgres` user (Debian's postgresql package creates it): run as another user or `apt-get install postgresql`.",
    );
  const [, , uid, gid] = entry.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

export async function startPostgres(
  progress: Progress,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunningPostgres> {
  const bin = await findPostgresBin(env);
  const runAs = await postgresUser();
  const root = await mkdtemp(join(tmpdir(), 'witkey-pg-'));
  if (runAs.uid !== undefined) await chown(root, runAs.uid, runAs.gid!);
  const dataDir = join(root, 'data');
  const user = 'temporal';
  await initDataDir(bin, dataDir, user, runAs);
  const port = await freePort();
  const child = spawn(join(bin, 'postgres'), postgresArgs(dataDir, root, port), {
    ...runAs,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const log: string[] = [];
  child.stderr.on('data', (chunk: Buffer) => log.push(...chunk.toString('utf8').split('\n').slice(0, 50)));
  if (!(await waitForPort(port, 30_000))) {
    child.kill('SIGKILL');
    await rm(root, { recursive: true, force: true });
    throw new ProvisioningError(`PostgreSQL did not start on port ${port}:\n${log.slice(-10).join('\n')}`);
  }
  progress(`PostgreSQL ${bin.split('/').at(-2)} on 127.0.0.1:${port} (throwaway data in ${dataDir})`);
  const query = async (database: string, sql: string): Promise<string[]> => {
    const args = ['-h', '127.0.0.1', '-p', String(port), '-U', user, '-d', database, '-Atc', sql];
    const { stdout } = await promisify(execFile)(join(bin, 'psql'), args);
    return stdout.split('\n').filter((line) => line !== '');
  };
  return { host: '127.0.0.1', port, user, password: user, dataDir, query, stop: () => stopPostgres(child, root) };
}

async function initDataDir(bin: string, dataDir: string, user: string, runAs: RunAs): Promise<void> {
  const args = ['-D', dataDir, '-U', user, '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'];
  await run(join(bin, 'initdb'), args, { ...runAs, cwd: tmpdir() });
}

/** Loopback only; no Unix socket outside our folder; durability traded for speed (a throwaway database). */
function postgresArgs(dataDir: string, socketDir: string, port: number): string[] {
  const settings = ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off', 'max_connections=200'];
  return ['-D', dataDir, '-h', '127.0.0.1', '-p', String(port), '-k', socketDir, ...settings.flatMap((s) => ['-c', s])];
}

async function stopPostgres(child: ChildProcess, root: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGINT'); // "fast shutdown"
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  await rm(root, { recursive: true, force: true });
}

/** PostgreSQL's folder, installed first with Debian's package manager when missing and allowed (devstack/apt.ts). */
export function ensurePostgresInstalled(progress: Progress, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return findOrInstall(() => findPostgresBin(env), 'postgresql', Boolean(env.WITKEY_POSTGRES_BIN), progress, env);
}
