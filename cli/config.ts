/**
 * Configuration is read and validated once, here at the edge, and passed inward as plain typed objects.
 * Every bad value gets its own clear message naming the variable or flag.
 */
import { resolve } from 'node:path';
import { ConfigError } from './input-errors';
import { parsePort } from './parse';
import { loadTemporalSecurity, type TemporalSecurity } from './temporal';

export interface StackConfig {
  /** An existing Temporal server (host:port); when set, `up` starts no server. */
  temporalAddress?: string;
  namespace: string;
  taskQueue: string;
  /** TLS / API key for a hosted Temporal (TEMPORAL_TLS_*, TEMPORAL_API_KEY; cli/temporal.ts). */
  security: TemporalSecurity;
  /** Embedded dev server: gRPC port, Web UI port, bind address, data folder (SQLite lives under it). */
  temporalPort: number;
  uiPort: number;
  ip: string;
  dataDir: string;
}

/** The project root (dist/cli/config.js -> ../..). */
export const PROJECT_ROOT = resolve(__dirname, '..', '..');

export const STACK_DEFAULTS = {
  namespace: 'default',
  taskQueue: 'witkey',
  temporalPort: 7233,
  uiPort: 8233,
  ip: '127.0.0.1',
  dataDir: resolve(PROJECT_ROOT, '.data'),
} as const;

function parseAddress(name: string, raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!/^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/.test(raw))
    throw new ConfigError(`${name}=${JSON.stringify(raw)} must be host:port, e.g. localhost:7233.`);
  return raw;
}

function parseName(name: string, raw: string | undefined, fallback: string): string {
  if (raw === undefined || raw === '') return fallback;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/.test(raw))
    throw new ConfigError(`${name}=${JSON.stringify(raw)} may contain only letters, digits, '.', '_' and '-'.`);
  return raw;
}

export interface StackFlags {
  port?: string;
  'ui-port'?: string;
  'data-dir'?: string;
}

/**
 * Settings `witkey up` would not use when it starts its own dev server and sandbox: refused with their name
 * (TLS / API key without TEMPORAL_ADDRESS: the embedded dev server speaks plain text; a sandbox URL: up starts its own).
 */
export function refuseUnusedByEmbeddedStack(env: NodeJS.ProcessEnv, config: StackConfig, startsSandbox: boolean): void {
  if (!config.temporalAddress) {
    for (const name of [
      'TEMPORAL_TLS',
      'TEMPORAL_TLS_CERT',
      'TEMPORAL_TLS_KEY',
      'TEMPORAL_TLS_CA',
      'TEMPORAL_TLS_SERVER_NAME',
      'TEMPORAL_API_KEY',
    ]) {
      if (env[name])
        throw new ConfigError(
          `${name} is set but TEMPORAL_ADDRESS is not: the embedded dev server speaks plain text and would ignore it; unset it, or set TEMPORAL_ADDRESS to the server it is for.`,
        );
    }
  }
  if (startsSandbox && env.WITKEY_SANDBOX_URL) {
    throw new ConfigError(
      'WITKEY_SANDBOX_URL is set but "witkey up" starts its own sandbox (on WITKEY_SANDBOX_PORT) and would ignore it; unset it, or run "witkey worker" and "witkey webhook" with --sandbox-url against that sandbox.',
    );
  }
}

export function loadStackConfig(env: NodeJS.ProcessEnv, flags: StackFlags = {}): StackConfig {
  return {
    temporalAddress: parseAddress('TEMPORAL_ADDRESS', env.TEMPORAL_ADDRESS),
    namespace: parseName('TEMPORAL_NAMESPACE', env.TEMPORAL_NAMESPACE, STACK_DEFAULTS.namespace),
    taskQueue: parseName('WITKEY_TASK_QUEUE', env.WITKEY_TASK_QUEUE, STACK_DEFAULTS.taskQueue),
    security: loadTemporalSecurity(env),
    temporalPort:
      parsePort('--port', flags.port) ??
      parsePort('WITKEY_TEMPORAL_PORT', env.WITKEY_TEMPORAL_PORT) ??
      STACK_DEFAULTS.temporalPort,
    uiPort:
      parsePort('--ui-port', flags['ui-port']) ??
      parsePort('WITKEY_UI_PORT', env.WITKEY_UI_PORT) ??
      STACK_DEFAULTS.uiPort,
    ip: STACK_DEFAULTS.ip,
    dataDir: resolve(flags['data-dir'] ?? env.WITKEY_DATA_DIR ?? STACK_DEFAULTS.dataDir),
  };
}
