/**
 * How every command connects to Temporal: address, namespace, and the TLS / API-key settings of a hosted Temporal
 * (Temporal Cloud or a self-hosted cluster with mTLS), from a profile of the Temporal config file and the standard
 * TEMPORAL_* variables over it (cli/temporal-profile.ts). Validated here, each bad value a ConfigError naming the
 * variable or the file, profile and key; turned into the Connection / NativeConnection options by envconfig.
 *
 *   address         TEMPORAL_ADDRESS, else the profile's; none: `witkey up` starts its own dev server and the
 *                   other commands connect to it (localhost:$WITKEY_TEMPORAL_PORT)
 *   namespace       TEMPORAL_NAMESPACE, else the profile's, else "default"
 *   TLS             TEMPORAL_TLS (tls.disabled); implied by a client certificate, a server CA, a server name, and
 *                   by an API key unless TEMPORAL_TLS=false
 *   client cert     TEMPORAL_TLS_CLIENT_CERT_PATH / _DATA and TEMPORAL_TLS_CLIENT_KEY_PATH / _DATA, both or neither
 *   server CA       TEMPORAL_TLS_SERVER_CA_CERT_PATH / _DATA, when the system does not trust the server
 *   server name     TEMPORAL_TLS_SERVER_NAME, override of the TLS server name (SNI)
 *   API key         TEMPORAL_API_KEY (sent as a bearer token; never printed)
 *   gRPC headers    TEMPORAL_GRPC_META_<NAME> (grpc_meta of the profile)
 */
import { readFileSync } from 'node:fs';
import { Connection } from '@temporalio/client';
import type { Metadata, TLSConfig } from '@temporalio/client';
import { toClientOptions, type ClientConfigProfile, type ConfigDataSource } from '@temporalio/envconfig';
import { NativeConnection } from '@temporalio/worker';
import { ConfigError } from './input-errors';
import { parseHostPort, parseName } from './parse';
import { loadTemporalProfile, sayOnce, type ProfileKey, type TemporalProfile } from './temporal-profile';

export const DEFAULT_TEMPORAL_ADDRESS = 'localhost:7233';

export interface TemporalSecurity {
  /** true = TLS with the system's roots; an object = mTLS / custom CA / SNI; undefined = plain text. */
  tls?: TLSConfig | true;
  apiKey?: string;
  /** gRPC headers sent with every call. */
  metadata?: Metadata;
}

export interface TemporalSettings {
  /** host:port; undefined when neither TEMPORAL_ADDRESS nor the profile gives one. */
  address?: string;
  /** Where the address came from: TEMPORAL_ADDRESS, or 'profile "prod" of FILE'. */
  addressFrom?: string;
  namespace?: string;
  security: TemporalSecurity;
  /** 'profile "prod" of FILE', when a profile of the config file is in use. */
  profile?: string;
}

/** The connection settings; `notice` gets the deprecation line of the old names (default: once per process). */
export function loadTemporalSettings(
  env: NodeJS.ProcessEnv,
  notice: (line: string) => void = sayOnce,
): TemporalSettings {
  const profile = loadTemporalProfile(env, notice);
  checkTls(profile);
  checkApiKey(profile);
  const { settings } = profile;
  const address = parseHostPort(profile.nameOf('address'), text(profile, 'address', settings.address));
  return {
    address,
    ...(address ? { addressFrom: profile.originOf('address') } : {}),
    namespace: parseName(profile.nameOf('namespace'), text(profile, 'namespace', settings.namespace)),
    security: securityOf(settings),
    ...(profile.source ? { profile: profile.source } : {}),
  };
}

/** A value of the file may be of any TOML type; the variables are strings. */
function text(p: TemporalProfile, key: ProfileKey, value: unknown): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  throw new ConfigError(`${p.nameOf(key)} must be a string (in quotes).`);
}

function checkTls(p: TemporalProfile): void {
  const tls = p.settings.tls;
  if (tls === undefined) return;
  const cert = checkedPem(p, 'client_cert', tls.clientCert);
  const key = checkedPem(p, 'client_key', tls.clientKey);
  const ca = checkedPem(p, 'server_ca_cert', tls.serverCACert);
  if (cert && !key) throw missingHalf(p, cert, 'key');
  if (key && !cert) throw missingHalf(p, key, 'certificate');
  const serverName = text(p, 'tls.server_name', tls.serverName);
  if (serverName !== undefined && !/^[A-Za-z0-9.-]{1,253}$/.test(serverName))
    throw new ConfigError(`${p.nameOf('tls.server_name')}=${JSON.stringify(serverName)} is not a host name.`);
  checkTlsNotDisabled(p, [cert, ca, serverName === undefined ? undefined : 'tls.server_name']);
}

type PemSetting = 'client_cert' | 'client_key' | 'server_ca_cert';

/** The key a PEM was given under, once checked; undefined when not given. */
function checkedPem(p: TemporalProfile, setting: PemSetting, source?: ConfigDataSource): ProfileKey | undefined {
  if (source === undefined) return undefined;
  if ('path' in source) {
    const key: ProfileKey = `tls.${setting}_path`;
    checkPemFile(p.nameOf(key), text(p, key, source.path)!);
    return key;
  }
  const key: ProfileKey = `tls.${setting}_data`;
  if (!isPem(Buffer.from(source.data))) throw new ConfigError(`${p.nameOf(key)} is not PEM (no "-----BEGIN" line).`);
  return key;
}

function checkPemFile(name: string, path: string): void {
  let pem: Buffer;
  try {
    pem = readFileSync(path);
  } catch (err) {
    throw new ConfigError(`${name}=${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
  if (!isPem(pem)) throw new ConfigError(`${name}=${path} is not a PEM file.`);
}

const isPem = (bytes: Buffer): boolean => bytes.toString('latin1').includes('-----BEGIN ');

function missingHalf(p: TemporalProfile, given: ProfileKey, missing: 'certificate' | 'key'): ConfigError {
  const where =
    missing === 'key'
      ? 'TEMPORAL_TLS_CLIENT_KEY_PATH or _DATA, or tls.client_key_path / client_key_data of the profile'
      : 'TEMPORAL_TLS_CLIENT_CERT_PATH or _DATA, or tls.client_cert_path / client_cert_data of the profile';
  return new ConfigError(
    `${p.nameOf(given)} is set but no client ${missing} is (${where}): mTLS needs both the certificate and its key.`,
  );
}

function checkTlsNotDisabled(p: TemporalProfile, wanting: (ProfileKey | undefined)[]): void {
  const disabled: unknown = p.settings.tls?.disabled;
  const name = p.nameOf('tls.disabled');
  if (disabled !== undefined && typeof disabled !== 'boolean') throw new ConfigError(`${name} must be true or false.`);
  const keys = wanting.filter((k): k is ProfileKey => k !== undefined);
  if (disabled !== true || keys.length === 0) return;
  const off = name === 'TEMPORAL_TLS' ? 'TEMPORAL_TLS=false' : `${name}=true`;
  throw new ConfigError(`${off} contradicts ${keys.map((k) => p.nameOf(k)).join(' / ')}.`);
}

function checkApiKey(p: TemporalProfile): void {
  const apiKey = text(p, 'api_key', p.settings.apiKey);
  if (apiKey === '') throw new ConfigError(`${p.nameOf('api_key')} is empty.`);
  if (apiKey !== undefined && /\s/.test(apiKey))
    throw new ConfigError(`${p.nameOf('api_key')} contains white space (check the file or variable it came from).`);
}

/** envconfig's Connection options (an API key implies TLS unless TLS is disabled), without the unset fields. */
function securityOf(settings: ClientConfigProfile): TemporalSecurity {
  const { tls, apiKey, metadata } = toClientOptions(settings).connectionOptions;
  const security: TemporalSecurity = {};
  if (tls) security.tls = tls === true ? true : compactTls(tls);
  if (apiKey) security.apiKey = apiKey;
  if (metadata && Object.keys(metadata).length > 0) security.metadata = metadata;
  return security;
}

function compactTls(tls: TLSConfig): TLSConfig | true {
  const given = Object.entries(tls).filter(([, value]) => value !== undefined);
  return given.length === 0 ? true : Object.fromEntries(given);
}

/** Plain words for the security in force (never the secrets). */
export function describeSecurity(s: TemporalSecurity): string {
  const parts = [s.tls === undefined ? 'plain text' : s.tls !== true && s.tls.clientCertPair ? 'mTLS' : 'TLS'];
  if (s.apiKey) parts.push('API key');
  if (s.metadata) parts.push(`gRPC headers ${Object.keys(s.metadata).join(', ')}`);
  return parts.join(' + ');
}

/** A failure to reach Temporal: one line and a hint. */
export class TemporalUnreachableError extends Error {
  override name = 'TemporalUnreachableError';
  constructor(
    readonly address: string,
    cause: unknown,
  ) {
    super(`cannot reach Temporal at ${address}: ${(cause as Error)?.message?.split('\n')[0] ?? String(cause)}`);
  }
}

export async function connectClient(
  address: string,
  security: TemporalSecurity,
  connectTimeoutMs = 5_000,
): Promise<Connection> {
  try {
    return await Connection.connect({ address, ...security, connectTimeout: connectTimeoutMs });
  } catch (err) {
    throw new TemporalUnreachableError(address, err);
  }
}

export async function connectNative(address: string, security: TemporalSecurity): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect({ address, ...security });
  } catch (err) {
    throw new TemporalUnreachableError(address, err);
  }
}

/** How long `witkey worker` and `witkey webhook` wait for Temporal (and the sandbox) at start-up by default. */
export const STARTUP_WAIT_MS = 60_000;

/** WITKEY_STARTUP_WAIT_S: how long a long-running process waits at start-up for Temporal and the sandbox (0–3600 s). */
export function startupWaitMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.WITKEY_STARTUP_WAIT_S;
  if (raw === undefined || raw === '') return STARTUP_WAIT_MS;
  if (!/^\d{1,4}$/.test(raw) || Number(raw) > 3600)
    throw new ConfigError(`WITKEY_STARTUP_WAIT_S="${raw}" must be whole seconds from 0 to 3600 (default 60).`);
  return Number(raw) * 1000;
}

/**
 * Tries `attempt` every second for up to `waitMs` while it fails with an error `retryable` accepts, telling the wait
 * once: how a long-running process (worker, webhook) meets what it needs at start-up (Temporal, the sandbox) when both
 * start at once, in a deployment's start order, or while one restarts. Any other error, or the last one, is thrown.
 */
export async function waitPatiently<T, E extends Error>(
  attempt: () => Promise<T>,
  retryable: (err: unknown) => err is E,
  onWaiting: (err: E) => void,
  waitMs = STARTUP_WAIT_MS,
): Promise<T> {
  const deadline = Date.now() + waitMs;
  let told = false;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (!retryable(err) || Date.now() + 1_000 > deadline) throw err;
      if (!told) onWaiting(err);
      told = true;
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
}

/** Connects to Temporal patiently (waitPatiently): only "unreachable" is waited on. */
export function connectPatiently<T>(
  connect: () => Promise<T>,
  onWaiting: (err: TemporalUnreachableError) => void,
  waitMs = STARTUP_WAIT_MS,
): Promise<T> {
  return waitPatiently(connect, (err) => err instanceof TemporalUnreachableError, onWaiting, waitMs);
}
