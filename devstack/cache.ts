/**
 * The user-level cache where the Temporal CLI and the Java time-skipping test server are built once and
 * reused by every clone and every CI run on the machine. Lives outside the repository on purpose.
 */
import { mkdir, rm, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.WITKEY_CACHE_DIR) return env.WITKEY_CACHE_DIR;
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'witkey-devstack');
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `fn` while holding an exclusive, cross-process lock (a directory, created atomically). A lock left
 * by a dead process is taken over, so a build interrupted by Ctrl-C never blocks the next one.
 */
export async function withLock<T>(
  lockDir: string,
  onWait: (holderPid: number) => void,
  fn: () => Promise<T>,
): Promise<T> {
  await mkdir(join(lockDir, '..'), { recursive: true });
  let warned = false;
  for (;;) {
    try {
      await mkdir(lockDir);
      await writeFile(join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number.parseInt(await readFile(join(lockDir, 'pid'), 'utf8').catch(() => ''), 10);
      if (Number.isInteger(holder) && holder > 0 && !pidAlive(holder)) {
        await rm(lockDir, { recursive: true, force: true });
        continue;
      }
      if (!warned && Number.isInteger(holder)) {
        onWait(holder);
        warned = true;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}
