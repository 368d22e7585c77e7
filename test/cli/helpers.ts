/**
 * A running stack for the CLI tests, assembled the way an operator deploys it: a Temporal dev server, the sandbox,
 * and `witkey worker` and `witkey webhook` as child processes (on free loopback ports, a task queue of their own);
 * every command under test is `node bin/witkey.js ...` in a child process with the stack's environment.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { devNull, tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../devstack/ports';
import type { StartedServer } from '../../devstack/servers';
import { startSandbox, type Sandbox } from '../../sandbox';
import { devServer } from '../support/servers';
import type { TaskView } from '../../workflows/messages';

export const WITKEY_BIN = join(__dirname, '..', '..', '..', 'bin', 'witkey.js');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment of a child: nothing of the caller's Alipay / Temporal settings leaks in, not even a profile of the
 * user's Temporal config file (an empty TEMPORAL_CONFIG_FILE instead of ~/.config/temporalio/temporal.toml).
 */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(ALIPAY_|TEMPORAL_|WITKEY_)/.test(k)) env[k] = v;
  return { ...env, TEMPORAL_CONFIG_FILE: devNull, ...extra };
}

export function witkey(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WITKEY_BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface CliStack {
  server: StartedServer;
  sandbox: Sandbox;
  env: NodeJS.ProcessEnv;
  webhookUrl: string;
  /** WITKEY_DATA_DIR of the worker, the webhook and the commands (audit records under audit/). */
  dataDir: string;
  /** Output of the worker and webhook processes so far (for failure messages). */
  logs(): string;
  /** SIGINT (Ctrl-C) to the worker and the webhook; their exit codes. */
  stopProcesses(): Promise<(number | null)[]>;
  /**
   * Stops the worker (Ctrl-C) and starts `witkey worker` again with `env` (default: the stack's), e.g. another
   * Alipay configuration; resolves when the new worker polls the task queue. Returns the old worker's exit code.
   */
  restartWorker(env?: NodeJS.ProcessEnv): Promise<number | null>;
  stop(): Promise<void>;
}

function startChild(args: string[], env: NodeJS.ProcessEnv, sink: { text: string }): ChildProcess {
  const child = spawn(process.execPath, [WITKEY_BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (d: Buffer) => (sink.text += d.toString()));
  child.stderr.on('data', (d: Buffer) => (sink.text += d.toString()));
  return child;
}

async function stopChild(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const closed = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const code = await closed;
  clearTimeout(timer);
  return code;
}

/** `extraEnv`: settings of the worker, the webhook and the commands on top of the stack's (e.g. ALIPAY_INPUT_CHARSET). */
export async function startCliStack(extraEnv: Record<string, string> = {}): Promise<CliStack> {
  const server = await devServer();
  const dataDir = await mkdtemp(join(tmpdir(), 'witkey-cli-'));
  const sandbox = await startSandbox({ dataDir, port: 0 }); // wall clock: notifications delivered as they fall due
  const httpPort = await freePort();
  const webhookUrl = `http://127.0.0.1:${httpPort}`;
  const env = cleanEnv({
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_NAMESPACE: server.namespace,
    WITKEY_TASK_QUEUE: `cli-${process.pid}-${Date.now()}`,
    WITKEY_HTTP_PORT: String(httpPort),
    WITKEY_PUBLIC_URL: webhookUrl,
    WITKEY_SANDBOX_URL: sandbox.url,
    // the worker's audit records and everything else of the site's stay in the test's folder
    WITKEY_DATA_DIR: join(dataDir, 'site'),
    ...extraEnv,
  });
  const sink = { text: '' };
  const children = [startChild(['worker'], env, sink), startChild(['webhook'], env, sink)];
  const stopProcesses = async (): Promise<(number | null)[]> => {
    const codes: (number | null)[] = [];
    for (const c of children) codes.push(await stopChild(c));
    return codes;
  };
  const restartWorker = async (workerEnv: NodeJS.ProcessEnv = env): Promise<number | null> => {
    const code = await stopChild(children[0]);
    const mark = sink.text.length;
    children[0] = startChild(['worker'], workerEnv, sink);
    const until = Date.now() + 60_000;
    while (!sink.text.slice(mark).includes('worker polling task queue')) {
      if (Date.now() > until || children[0].exitCode !== null)
        throw new Error(`the worker did not start again:\n${sink.text.slice(mark)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return code;
  };
  const stop = async (): Promise<void> => {
    await stopProcesses();
    await sandbox.stop();
    await server.env.teardown();
    await rm(dataDir, { recursive: true, force: true });
  };
  // ready when the webhook's health check sees Temporal and a polling worker
  const deadline = Date.now() + 90_000;
  for (;;) {
    const ok = await fetch(`${webhookUrl}/healthz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline || children.some((c) => c.exitCode !== null)) {
      await stop();
      throw new Error(`the CLI stack did not come up:\n${sink.text}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    server,
    sandbox,
    env,
    webhookUrl,
    dataDir: join(dataDir, 'site'),
    logs: () => sink.text,
    stopProcesses,
    restartWorker,
    stop,
  };
}

/** Polls a command until `done` holds for its parsed JSON output. */
/** The witkey runners of a test file, bound to its stack (started later, in before()). */
export function cliRunners(stackOf: () => CliStack): {
  run: (...args: string[]) => Promise<Run>;
  runJson: <T>(...args: string[]) => Promise<T>;
  status: (id: string, done: (v: TaskView) => boolean, timeoutMs?: number) => Promise<TaskView>;
} {
  const run = (...args: string[]): Promise<Run> => witkey(args, stackOf().env);
  return {
    run,
    runJson: async <T>(...args: string[]): Promise<T> => {
      const r = await run(...args, '--json');
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}\n${stackOf().logs().slice(-3000)}`);
      return JSON.parse(r.stdout) as T;
    },
    status: (id, done, timeoutMs = 30_000) => untilJson<TaskView>(['status', id], stackOf().env, done, timeoutMs),
  };
}

export async function untilJson<T>(
  args: string[],
  env: NodeJS.ProcessEnv,
  done: (v: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await witkey([...args, '--json'], env);
    if (r.code !== 0) throw new Error(`witkey ${args.join(' ')} failed: ${r.stderr}`);
    const v = JSON.parse(r.stdout) as T;
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out: witkey ${args.join(' ')} -> ${r.stdout.slice(0, 2000)}`);
    await new Promise((res) => setTimeout(res, 300));
  }
}

/** One line naming the problem, one hint line, no stack trace. */
export function oneLineError(r: Run, message: RegExp, hint?: RegExp): void {
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, '');
  const lines = r.stderr
    .trimEnd()
    .split('\n')
    .filter((l) => !l.startsWith('[witkey]'));
  assert.equal(lines.length, 2, r.stderr);
  assert.match(lines[0], /^witkey: /);
  assert.match(lines[0], message);
  assert.match(lines[1], /^hint: /);
  if (hint) assert.match(lines[1], hint);
  assert.doesNotMatch(
    lines.join('\n'),
    /\b[A-Z][a-z]+(?:[A-Z][a-z]+)*(?:Error|Failure)\b/,
    'no class name of the code',
  );
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

export interface LongRunning {
  output(): string;
  /** Resolves when the output matches `pattern`; rejects when the process exits first or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Ctrl-C; its exit code. */
  stop(): Promise<number | null>;
  exitCode(): number | null;
}

/** A `witkey` process that runs until stopped (webhook, sandbox, up). */
export function startWitkey(args: string[], env: NodeJS.ProcessEnv): LongRunning {
  const sink = { text: '' };
  const child = startChild(args, env, sink);
  return {
    output: () => sink.text,
    async waitFor(pattern, timeoutMs = 60_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        if (pattern.test(sink.text)) return sink.text;
        if (child.exitCode !== null || Date.now() > until)
          throw new Error(`witkey ${args.join(' ')}: no ${String(pattern)} (exit ${child.exitCode}):\n${sink.text}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    stop: () => stopChild(child),
    exitCode: () => child.exitCode,
  };
}
