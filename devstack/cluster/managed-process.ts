/**
 * One long-running process of the local cluster (a Temporal server node, the Web UI, a worker, a webhook, the
 * sandbox): started with its output appended to a log file, killed (SIGKILL, like a crashed machine) and started
 * again with the same command, or stopped politely (SIGTERM, then SIGKILL after a grace period).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';

export interface ProcessSpec {
  /** Shown in progress lines and reports, e.g. "temporal-2", "worker-1". */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  logFile: string;
}

export class ManagedProcess {
  private child?: ChildProcess;
  private log?: WriteStream;
  private exited?: Promise<void>;
  /** How many times this process was started. */
  starts = 0;
  /** How many times it ended without being asked to (kill() and stop() are asked): crashes. */
  unexpectedExits = 0;
  private ending = false;

  constructor(readonly spec: ProcessSpec) {}

  get name(): string {
    return this.spec.name;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    if (this.running) throw new Error(`${this.name} is already running (pid ${this.pid})`);
    this.log ??= createWriteStream(this.spec.logFile, { flags: 'a' });
    this.log.write(`\n--- ${new Date().toISOString()} start ${this.spec.command} ${this.spec.args.join(' ')}\n`);
    const child = spawn(this.spec.command, this.spec.args, {
      env: this.spec.env ?? process.env,
      cwd: this.spec.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pipe(this.log, { end: false });
    child.stderr.pipe(this.log, { end: false });
    this.ending = false;
    this.exited = new Promise((resolve) =>
      child.once('close', () => {
        if (!this.ending) this.unexpectedExits += 1;
        resolve();
      }),
    );
    this.child = child;
    this.starts += 1;
  }

  /** Ends the process at once, as a crash would: no shutdown hooks run. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.ending = true;
    this.child!.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM, and SIGKILL when it has not exited within `graceMs`. Idempotent. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.running) {
      this.ending = true;
      this.child!.kill('SIGTERM');
      const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    await new Promise<void>((resolve) => (this.log ? this.log.end(resolve) : resolve()));
    this.log = undefined;
  }

  /** Resolves when the process exits (for a process that ends by itself, e.g. with a start-up error). */
  whenExited(): Promise<void> {
    return this.exited ?? Promise.resolve();
  }
}
