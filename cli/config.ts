/**
 * Configuration is read and validated once, here at the edge, and passed inward as plain typed objects.
 * Every bad value gets its own clear message naming the variable or flag.
 */
import { resolve } from 'node:path';
import { ConfigError } from './input-errors';
import { parseName, parsePort } from './parse';
import { loadTemporalSettings, type TemporalSecurity } from './temporal';
import { SECURITY_VARIABLES } from './temporal-profile';

export interface StackConfig {
  /** An existing Temporal server (host:port: TEMPORAL_ADDRESS or the profile's); when set, `up` starts no server. */
  temporalAddress?: string;
  /** Where temporalAddress came from: TEMPORAL_ADDRESS, or 'profile "prod" of FILE'. */
  temporalAddressFrom?: string;
  /** The profile of the Temporal config file in use, if any: 'profile "prod" of FILE'. */
  temporalProfile?: string;
  namespace: string;
  taskQueue: string;
  /** TLS / API key / gRPC headers for a hosted Temporal (TEMPORAL_TLS_*, TEMPORAL_API_KEY, the profile; cli/temporal.ts). */
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

export interface StackFlags {
  port?: string;
  'ui-port'?: string;
  'data-dir'?: string;
}

/**
 * Settings `witkey up` would not use when it starts its own dev server and sandbox: refused with their name
 * (TLS / API key without an address: the embedded dev server speaks plain text; a sandbox URL: up starts its own;
 * the codec server's token and listen address: up's codec server is the dev server's, on loopback).
 */
export function refuseUnusedByEmbeddedStack(env: NodeJS.ProcessEnv, config: StackConfig, startsSandbox: boolean): void {
  if (!config.temporalAddress) refuseSecurityWithoutAddress(env, config);
  for (const name of ['WITKEY_CODEC_TOKEN', 'WITKEY_CODEC_HOST'])
    if (env[name]?.trim())
      throw new ConfigError(
        `${name} is set but "witkey up" would ignore it: its codec server listens on loopback for the dev server's Web UI, which sends no token; it is a setting of "witkey codec-server".`,
      );
  if (startsSandbox && env.WITKEY_SANDBOX_URL) {
    throw new ConfigError(
      'WITKEY_SANDBOX_URL is set but "witkey up" starts its own sandbox (on WITKEY_SANDBOX_PORT) and would ignore it; unset it, or run "witkey worker" and "witkey webhook" with --sandbox-url against that sandbox.',
    );
  }
}

function refuseSecurityWithoutAddress(env: NodeJS.ProcessEnv, config: StackConfig): void {
  const name = SECURITY_VARIABLES.find((n) => env[n]);
  if (name)
    throw new ConfigError(
      `${name} is set but TEMPORAL_ADDRESS is not: the embedded dev server speaks plain text and would ignore it; unset it, or set TEMPORAL_ADDRESS (or the profile's address) to the server it is for.`,
    );
  if (config.security.tls !== undefined || config.security.apiKey)
    throw new ConfigError(
      `${config.temporalProfile ?? 'the Temporal profile'} sets TLS or an API key but no address: the embedded dev server speaks plain text and would ignore it; add the server's address to the profile, or choose another with TEMPORAL_PROFILE.`,
    );
}

export function loadStackConfig(env: NodeJS.ProcessEnv, flags: StackFlags = {}): StackConfig {
  const temporal = loadTemporalSettings(env);
  return {
    temporalAddress: temporal.address,
    temporalAddressFrom: temporal.addressFrom,
    temporalProfile: temporal.profile,
    namespace: temporal.namespace ?? STACK_DEFAULTS.namespace,
    taskQueue: parseName('WITKEY_TASK_QUEUE', env.WITKEY_TASK_QUEUE) ?? STACK_DEFAULTS.taskQueue,
    security: temporal.security,
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
