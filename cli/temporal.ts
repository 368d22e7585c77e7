/**
 * How every command connects to Temporal: address, namespace, and the TLS / API-key settings of a hosted Temporal
 * (Temporal Cloud or a self-hosted cluster with mTLS). Read and validated in ONE place; each bad value gets a
 * ConfigError naming the variable.
 *
 *   TEMPORAL_ADDRESS          host:port (client commands, worker and webhook default to localhost:7233)
 *   TEMPORAL_NAMESPACE        default "default"
 *   TEMPORAL_TLS              "true" to use TLS without a client certificate (implied by the settings below)
 *   TEMPORAL_TLS_CERT         client certificate (PEM file) for mTLS; requires TEMPORAL_TLS_KEY
 *   TEMPORAL_TLS_KEY          its private key (PEM file); requires TEMPORAL_TLS_CERT
 *   TEMPORAL_TLS_CA           CA certificate of the server (PEM file), when the system does not trust it
 *   TEMPORAL_TLS_SERVER_NAME  override of the TLS server name (SNI)
 *   TEMPORAL_API_KEY          API key (sent as a bearer token; implies TLS unless TEMPORAL_TLS=false)
 */
import { readFileSync } from 'node:fs';
import { Connection } from '@temporalio/client';
import type { TLSConfig } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { ConfigError } from './input-errors';
import { parseBoolean } from './parse';

export const DEFAULT_TEMPORAL_ADDRESS = 'localhost:7233';

export interface TemporalSecurity {
  /** true = TLS with the system's roots; an object = mTLS / custom CA / SNI; undefined = plain text. */
  tls?: TLSConfig | true;
  apiKey?: string;
}

function pemFile(name: string, path: string | undefined): Buffer | undefined {
  if (path === undefined || path === '') return undefined;
  let pem: Buffer;
  try {
    pem = readFileSync(path);
  } catch (err) {
    throw new ConfigError(`${name}=${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
  if (!pem.toString('latin1').includes('-----BEGIN ')) throw new ConfigError(`${name}=${path} is not a PEM file.`);
  return pem;
}

/** TLS and API key from the environment; every variable is checked here and nowhere else. */
export function loadTemporalSecurity(env: NodeJS.ProcessEnv): TemporalSecurity {
  const crt = pemFile('TEMPORAL_TLS_CERT', env.TEMPORAL_TLS_CERT);
  const key = pemFile('TEMPORAL_TLS_KEY', env.TEMPORAL_TLS_KEY);
  if (crt && !key)
    throw new ConfigError(
      'TEMPORAL_TLS_CERT is set but TEMPORAL_TLS_KEY is not: mTLS needs both the certificate and its key.',
    );
  if (key && !crt)
    throw new ConfigError(
      'TEMPORAL_TLS_KEY is set but TEMPORAL_TLS_CERT is not: mTLS needs both the certificate and its key.',
    );
  const ca = pemFile('TEMPORAL_TLS_CA', env.TEMPORAL_TLS_CA);
  const serverName = env.TEMPORAL_TLS_SERVER_NAME || undefined;
  if (serverName !== undefined && !/^[A-Za-z0-9.-]{1,253}$/.test(serverName))
    throw new ConfigError(`TEMPORAL_TLS_SERVER_NAME=${JSON.stringify(serverName)} is not a host name.`);
  const apiKey = env.TEMPORAL_API_KEY || undefined;
  if (apiKey !== undefined && /[\s]/.test(apiKey))
    throw new ConfigError('TEMPORAL_API_KEY contains white space (check the file or variable it came from).');
  const tlsFlag = parseBoolean('TEMPORAL_TLS', env.TEMPORAL_TLS);
  const wantsTls = Boolean(crt || ca || serverName);
  if (tlsFlag === false && wantsTls)
    throw new ConfigError(
      'TEMPORAL_TLS=false contradicts TEMPORAL_TLS_CERT / TEMPORAL_TLS_CA / TEMPORAL_TLS_SERVER_NAME.',
    );
  const security: TemporalSecurity = {};
  if (wantsTls) {
    security.tls = {
      ...(crt && key ? { clientCertPair: { crt, key } } : {}),
      ...(ca ? { serverRootCACertificate: ca } : {}),
      ...(serverName ? { serverNameOverride: serverName } : {}),
    };
  } else if (tlsFlag === true || (apiKey && tlsFlag !== false)) security.tls = true;
  if (apiKey) security.apiKey = apiKey;
  return security;
}

/** Plain words for the security in force (never the secrets). */
export function describeSecurity(s: TemporalSecurity): string {
  const parts = [s.tls === undefined ? 'plain text' : s.tls === true ? 'TLS' : s.tls.clientCertPair ? 'mTLS' : 'TLS'];
  if (s.apiKey) parts.push('API key');
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
    return await Connection.connect({
      address,
      connectTimeout: connectTimeoutMs,
      ...(security.tls !== undefined ? { tls: security.tls } : {}),
      ...(security.apiKey ? { apiKey: security.apiKey } : {}),
    });
  } catch (err) {
    throw new TemporalUnreachableError(address, err);
  }
}

export async function connectNative(address: string, security: TemporalSecurity): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect({
      address,
      ...(security.tls !== undefined ? { tls: security.tls } : {}),
      ...(security.apiKey ? { apiKey: security.apiKey } : {}),
    });
  } catch (err) {
    throw new TemporalUnreachableError(address, err);
  }
}
