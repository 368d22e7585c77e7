/** Small helpers to find and run external tools (go, java, mvn) with visible progress. */
import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

export async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable named `name` on PATH, or undefined. */
export async function which(name: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Run as this user / group (root starting PostgreSQL as `postgres`). */
  uid?: number;
  gid?: number;
  /** Called with each output line (stdout and stderr). */
  onLine?: (line: string) => void;
  /** Called every `heartbeatMs` while the command runs, with the elapsed seconds. */
  onHeartbeat?: (elapsedSeconds: number) => void;
  heartbeatMs?: number;
}

/** Runs a command to completion; rejects with its last output lines when it exits non-zero. */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.gid } : {}),
    });
    const tail: string[] = [];
    const onData = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        tail.push(line);
        if (tail.length > 30) tail.shift();
        opts.onLine?.(line);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = opts.onHeartbeat
      ? setInterval(() => opts.onHeartbeat?.(Math.round((Date.now() - started) / 1000)), opts.heartbeatMs ?? 15_000)
      : undefined;
    child.on('error', (err) => {
      if (timer) clearInterval(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      if (timer) clearInterval(timer);
      if (code === 0) resolve();
      else reject(new Error(`${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${tail.join('\n')}`));
    });
  });
}

/** Whether an HTTPS host answers within the timeout (used only to decide on the SDK's download fallback). */
export async function internetReachable(url = 'https://temporal.download/', timeoutMs = 3000): Promise<boolean> {
  try {
    const res = await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(timeoutMs) });
    return res.status > 0;
  } catch {
    return false;
  }
}
