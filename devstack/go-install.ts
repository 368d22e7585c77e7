/**
 * Building Go programs from the Go module proxy into the user-level cache, once per machine: `go install` into a
 * staging folder, then an atomic rename, under a cross-process lock (a second run waits for the first build).
 * The Temporal CLI, the Temporal server with its schema tool and the Web UI server are obtained this way.
 */
import { chmod, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { withLock } from './cache';
import { ProvisioningError, type Progress } from './executable';
import { isExecutable, run } from './process';

export interface GoProgram {
  /** Shown in progress lines, e.g. "the Temporal server". */
  label: string;
  /** Packages to install, each `module/path@version`. */
  packages: string[];
  /** The cache folder the binaries end up in. */
  dir: string;
  /** Binary name as `go install` writes it → the name it gets in `dir`. */
  binaries: Record<string, string>;
  /** How to skip the build (printed when it fails). */
  hint: string;
}

/** The cached binaries of `program`, built first when missing. Returns `dir`. */
export async function goInstallCached(go: string, program: GoProgram, progress: Progress): Promise<string> {
  if (await allPresent(program)) return program.dir;
  return withLock(
    `${program.dir}.lock`,
    (pid) => progress(`waiting for process ${pid}, which is building ${program.label} into ${program.dir}`),
    async () => {
      if (await allPresent(program)) return program.dir; // built by the process we waited for
      await build(go, program, progress);
      progress(`${program.label} ready in ${program.dir}`);
      return program.dir;
    },
  );
}

async function allPresent(program: GoProgram): Promise<boolean> {
  for (const name of Object.values(program.binaries)) {
    if (!(await isExecutable(join(program.dir, name)))) return false;
  }
  return true;
}

async function build(go: string, program: GoProgram, progress: Progress): Promise<void> {
  await mkdir(join(program.dir, '..'), { recursive: true });
  const staging = await mkdtemp(`${program.dir}.build-`);
  progress(`building ${program.label} with Go into ${program.dir} (minutes the first time; cached afterwards)`);
  try {
    await run(go, ['install', ...program.packages], {
      env: { ...process.env, GOBIN: staging },
      onLine: (line) => {
        if (!line.startsWith('go: downloading')) progress(`go: ${line}`);
      },
      onHeartbeat: (s) => progress(`still building ${program.label} (${s}s)`),
    });
    for (const [from, to] of Object.entries(program.binaries)) {
      if (from !== to) await rename(join(staging, from), join(staging, to));
    }
    await rm(program.dir, { recursive: true, force: true });
    await rename(staging, program.dir);
    await chmod(program.dir, 0o755);
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw new ProvisioningError(
      `Building ${program.label} failed: ${(err as Error).message}\nHint: check that the Go module proxy is reachable (go env GOPROXY), or ${program.hint}.`,
    );
  }
}
