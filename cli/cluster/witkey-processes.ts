/**
 * The witkey side of the local cluster, each a process of its own started through the `witkey` command exactly
 * as a deployment runs it: the sandbox gateway, N workers and N webhooks. Their environment holds only what the
 * cluster sets (a developer's TEMPORAL_* / ALIPAY_* / WITKEY_* variables never leak into them).
 */
import { join } from 'node:path';
import { ManagedProcess } from '../../devstack/cluster/managed-process';
import { PROJECT_ROOT } from '../config';

const WITKEY_BIN = join(PROJECT_ROOT, 'bin', 'witkey.js');
/** Variables of the developer's shell the children keep: where the cache is, debug output. */
const KEPT = new Set(['WITKEY_CACHE_DIR', 'WITKEY_DEBUG']);

export function childEnv(overrides: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.entries(process.env).filter(([k]) => !/^(TEMPORAL|ALIPAY|WITKEY)_/.test(k) || KEPT.has(k));
  // no Temporal profile file either: a developer's ~/.config/temporalio/temporal.toml could add TLS or an API key
  return { ...Object.fromEntries(base), TEMPORAL_CONFIG_FILE: '/dev/null', ...overrides };
}

export function witkeyProcess(
  name: string,
  args: string[],
  env: Record<string, string>,
  logDir: string,
  nodeFlags: readonly string[] = [],
): ManagedProcess {
  return new ManagedProcess({
    name,
    command: process.execPath,
    args: [...nodeFlags, WITKEY_BIN, ...args],
    env: childEnv(env),
    cwd: PROJECT_ROOT,
    logFile: join(logDir, `${name}.log`),
  });
}
