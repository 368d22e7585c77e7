/**
 * The site's configuration from environment variables, validated once at start-up with one clear message per bad
 * value (ConfigError names the variable). With no ALIPAY_GATEWAY_URL, everything points at the embedded sandbox.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  certSn,
  loadPrivateKey,
  loadPublicKey,
  Md5Key,
  rootCertSn,
  type MapiSigner,
  type MapiVerifier,
  type OpenApiClientConfig,
} from '../alipay';
import { PARTNER_ID_PATTERN } from '../alipay/core/fields';
import type { FeeRates } from '../alipay/core/fees';
import type { GatewayConfig } from '../activities/config';
import type { SiteAlipaySettings } from './sandbox-gateway';
import { ConfigError } from './input-errors';
import { parseBasisPoints, parseBoolean, parseDuration, parsePort } from './parse';

export interface SiteConfig {
  httpPort: number;
  /** Listen address of the webhook (WITKEY_HTTP_HOST; `witkey webhook --host` overrides it). */
  httpHost: string;
  /** Base of notify_url / return_url as Alipay must reach it; default http://127.0.0.1:<httpPort>. */
  publicUrl: string;
  paymentTimeoutMs: number;
  feeRates: FeeRates;
  /** Sandbox port for the embedded gateway (when ALIPAY_GATEWAY_URL is unset). */
  sandboxPort: number;
  /** Where closed tasks' audit records are written (WITKEY_AUDIT_DIR; default: <data dir>/audit). */
  auditDir?: string;
  /**
   * How the legacy gateway is spoken to, whichever it is (a real one, or a sandbox): ALIPAY_SIGN_TYPE,
   * ALIPAY_INPUT_CHARSET, ALIPAY_NOTIFY_VERIFY. With a sandbox the keys are the sandbox's for that sign type.
   */
  protocol: MapiProtocol;
  /** Real gateway settings; undefined = use the embedded sandbox. */
  alipay?: SiteAlipaySettings & { notifyVerify: boolean };
}

export interface MapiProtocol {
  signType: 'DSA' | 'RSA' | 'MD5';
  /** utf-8, gbk or gb2312: the bytes signed and sent, and the charset of notifications and return pages. */
  charset: string;
  /** Ask the gateway's notify_verify before accepting a notification. */
  notifyVerify: boolean;
}

/** Settings of a real gateway only: set without ALIPAY_GATEWAY_URL they would be ignored, so they are refused. */
const GATEWAY_ONLY = [
  'ALIPAY_PARTNER',
  'ALIPAY_PRIVATE_KEY_FILE',
  'ALIPAY_PUBLIC_KEY_FILE',
  'ALIPAY_MD5_KEY',
  'ALIPAY_OPENAPI_URL',
  'ALIPAY_APP_ID',
  'ALIPAY_APP_PRIVATE_KEY_FILE',
  'ALIPAY_OPENAPI_PUBLIC_KEY_FILE',
  'ALIPAY_APP_CERT_FILE',
  'ALIPAY_ROOT_CERT_FILE',
  'ALIPAY_OPENAPI_CERT_FILE',
] as const;

/** Settings of the OpenAPI gateway: without ALIPAY_OPENAPI_URL they would be ignored. */
const OPENAPI_ONLY = [
  'ALIPAY_APP_ID',
  'ALIPAY_APP_PRIVATE_KEY_FILE',
  'ALIPAY_OPENAPI_PUBLIC_KEY_FILE',
  'ALIPAY_APP_CERT_FILE',
  'ALIPAY_ROOT_CERT_FILE',
  'ALIPAY_OPENAPI_CERT_FILE',
] as const;

function isSet(env: NodeJS.ProcessEnv, name: string): boolean {
  return env[name] !== undefined && env[name] !== '';
}

/** ALIPAY_SIGN_TYPE, ALIPAY_INPUT_CHARSET, ALIPAY_NOTIFY_VERIFY: in force for a real gateway and for a sandbox. */
export function loadProtocol(env: NodeJS.ProcessEnv): MapiProtocol {
  const signType = (env.ALIPAY_SIGN_TYPE || 'DSA').toUpperCase();
  if (signType !== 'DSA' && signType !== 'RSA' && signType !== 'MD5')
    throw new ConfigError(`ALIPAY_SIGN_TYPE=${JSON.stringify(env.ALIPAY_SIGN_TYPE)} must be DSA, RSA or MD5.`);
  const charset = (env.ALIPAY_INPUT_CHARSET || 'utf-8').toLowerCase();
  if (!['utf-8', 'gbk', 'gb2312'].includes(charset))
    throw new ConfigError(
      `ALIPAY_INPUT_CHARSET=${JSON.stringify(env.ALIPAY_INPUT_CHARSET)} must be utf-8, gbk or gb2312.`,
    );
  const notifyVerify = parseBoolean('ALIPAY_NOTIFY_VERIFY', env.ALIPAY_NOTIFY_VERIFY) ?? true;
  return { signType, charset, notifyVerify };
}

export const SITE_DEFAULTS = {
  httpHost: '127.0.0.1',
  httpPort: 8280,
  sandboxPort: 8290,
  paymentTimeoutMs: 2 * 3_600_000,
  feeRates: { commissionBp: 1000, alipayFeeBp: 100 },
} as const;

function parseUrl(name: string, raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  try {
    const u = new URL(raw);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
    return raw.replace(/\/+$/, '');
  } catch {
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is not an http(s) URL.`);
  }
}

/** A listen address: a host name, an IPv4 or an IPv6 address. */
export function parseHost(name: string, raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!/^[A-Za-z0-9.:[\]-]{1,253}$/.test(raw))
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is not a host name or address.`);
  return raw;
}

function readFile(name: string, path: string | undefined): Buffer {
  if (!path) throw new ConfigError(`${name} is required.`);
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(`${name}=${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
}

function keyFrom<T>(name: string, path: string | undefined, load: (pem: Buffer) => T): T {
  const pem = readFile(name, path);
  try {
    return load(pem);
  } catch (err) {
    // the library's messages never contain key material
    throw new ConfigError(`${name}=${path}: ${(err as Error).message}`);
  }
}

function mapiKeys(
  env: NodeJS.ProcessEnv,
  signType: MapiProtocol['signType'],
): { signer: MapiSigner; verifier: MapiVerifier } {
  for (const name of signType === 'MD5' ? ['ALIPAY_PRIVATE_KEY_FILE', 'ALIPAY_PUBLIC_KEY_FILE'] : ['ALIPAY_MD5_KEY']) {
    if (isSet(env, name))
      throw new ConfigError(
        `${name} is set but ALIPAY_SIGN_TYPE is ${signType}: it would be ignored; unset it or change ALIPAY_SIGN_TYPE.`,
      );
  }
  if (signType === 'MD5') {
    if (!env.ALIPAY_MD5_KEY) throw new ConfigError('ALIPAY_MD5_KEY is required with ALIPAY_SIGN_TYPE=MD5.');
    const md5Key = new Md5Key(env.ALIPAY_MD5_KEY);
    return { signer: { signType: 'MD5', md5Key }, verifier: { signType: 'MD5', md5Key } };
  }
  const alg = signType === 'DSA' ? 'dsa' : 'rsa';
  return {
    signer: {
      signType,
      privateKey: keyFrom('ALIPAY_PRIVATE_KEY_FILE', env.ALIPAY_PRIVATE_KEY_FILE, (pem) => loadPrivateKey(pem, alg)),
    },
    verifier: {
      signType,
      publicKey: keyFrom('ALIPAY_PUBLIC_KEY_FILE', env.ALIPAY_PUBLIC_KEY_FILE, (pem) => loadPublicKey(pem, alg)),
    },
  };
}

function openApiConfig(env: NodeJS.ProcessEnv): OpenApiClientConfig | undefined {
  const gatewayUrl = parseUrl('ALIPAY_OPENAPI_URL', env.ALIPAY_OPENAPI_URL);
  if (!gatewayUrl) {
    const stray = OPENAPI_ONLY.find((name) => isSet(env, name));
    if (stray)
      throw new ConfigError(
        `${stray} is set but ALIPAY_OPENAPI_URL is not: without the OpenAPI gateway it would be ignored.`,
      );
    return undefined;
  }
  if (!env.ALIPAY_APP_ID || !/^\d{6,32}$/.test(env.ALIPAY_APP_ID))
    throw new ConfigError(`ALIPAY_APP_ID=${JSON.stringify(env.ALIPAY_APP_ID ?? '')} must be the numeric app id.`);
  const privateKey = keyFrom('ALIPAY_APP_PRIVATE_KEY_FILE', env.ALIPAY_APP_PRIVATE_KEY_FILE, (pem) =>
    loadPrivateKey(pem, 'rsa'),
  );
  if (env.ALIPAY_APP_CERT_FILE || env.ALIPAY_ROOT_CERT_FILE || env.ALIPAY_OPENAPI_CERT_FILE) {
    if (isSet(env, 'ALIPAY_OPENAPI_PUBLIC_KEY_FILE'))
      throw new ConfigError(
        "ALIPAY_OPENAPI_PUBLIC_KEY_FILE is set together with the certificate files: in certificate mode Alipay's key comes from ALIPAY_OPENAPI_CERT_FILE; unset one of them.",
      );
    // certificate mode: the SNs are sent with every request; Alipay's key comes from its certificate
    const appCert = readFile('ALIPAY_APP_CERT_FILE', env.ALIPAY_APP_CERT_FILE);
    const rootCert = readFile('ALIPAY_ROOT_CERT_FILE', env.ALIPAY_ROOT_CERT_FILE);
    const alipayCert = readFile('ALIPAY_OPENAPI_CERT_FILE', env.ALIPAY_OPENAPI_CERT_FILE);
    try {
      return {
        gatewayUrl,
        appId: env.ALIPAY_APP_ID,
        privateKey,
        alipayPublicKey: new X509Certificate(alipayCert).publicKey,
        appCertSn: certSn(appCert),
        alipayRootCertSn: rootCertSn(rootCert),
      };
    } catch (err) {
      throw new ConfigError(`certificate mode: ${(err as Error).message}`);
    }
  }
  const alipayPublicKey = keyFrom('ALIPAY_OPENAPI_PUBLIC_KEY_FILE', env.ALIPAY_OPENAPI_PUBLIC_KEY_FILE, (pem) =>
    loadPublicKey(pem, 'rsa'),
  );
  return { gatewayUrl, appId: env.ALIPAY_APP_ID, privateKey, alipayPublicKey };
}

export function loadSiteConfig(env: NodeJS.ProcessEnv): SiteConfig {
  const httpPort = parsePort('WITKEY_HTTP_PORT', env.WITKEY_HTTP_PORT) ?? SITE_DEFAULTS.httpPort;
  const publicUrl = parseUrl('WITKEY_PUBLIC_URL', env.WITKEY_PUBLIC_URL) ?? `http://127.0.0.1:${httpPort}`;
  const config: SiteConfig = {
    httpPort,
    httpHost: parseHost('WITKEY_HTTP_HOST', env.WITKEY_HTTP_HOST) ?? SITE_DEFAULTS.httpHost,
    publicUrl,
    paymentTimeoutMs:
      parseDuration('WITKEY_PAYMENT_TIMEOUT', env.WITKEY_PAYMENT_TIMEOUT, { bareMilliseconds: true }) ??
      SITE_DEFAULTS.paymentTimeoutMs,
    feeRates: {
      commissionBp:
        parseBasisPoints('WITKEY_COMMISSION_BP', env.WITKEY_COMMISSION_BP) ?? SITE_DEFAULTS.feeRates.commissionBp,
      alipayFeeBp:
        parseBasisPoints('WITKEY_ALIPAY_FEE_BP', env.WITKEY_ALIPAY_FEE_BP) ?? SITE_DEFAULTS.feeRates.alipayFeeBp,
    },
    sandboxPort: parsePort('WITKEY_SANDBOX_PORT', env.WITKEY_SANDBOX_PORT) ?? SITE_DEFAULTS.sandboxPort,
    ...(env.WITKEY_AUDIT_DIR ? { auditDir: resolve(env.WITKEY_AUDIT_DIR) } : {}),
    protocol: loadProtocol(env),
  };
  const { charset, signType } = config.protocol;
  const gatewayUrl = parseUrl('ALIPAY_GATEWAY_URL', env.ALIPAY_GATEWAY_URL);
  if (!gatewayUrl) {
    const stray = GATEWAY_ONLY.find((name) => isSet(env, name));
    if (stray)
      throw new ConfigError(
        `${stray} is set but ALIPAY_GATEWAY_URL is not: it belongs to a real gateway and would be ignored (the sandbox brings its own keys); set ALIPAY_GATEWAY_URL or unset ${stray}.`,
      );
    return config;
  }
  if (!env.ALIPAY_PARTNER || !PARTNER_ID_PATTERN.test(env.ALIPAY_PARTNER))
    throw new ConfigError(
      `ALIPAY_PARTNER=${JSON.stringify(env.ALIPAY_PARTNER ?? '')} must be 2088 followed by 12 digits.`,
    );
  const { signer, verifier } = mapiKeys(env, signType);
  const gateway: GatewayConfig = {
    gatewayUrl,
    partner: env.ALIPAY_PARTNER,
    inputCharset: charset,
    signer,
    verifier,
    notifyUrl: `${publicUrl}/alipay/notify`,
    returnUrl: `${publicUrl}/alipay/return`,
    openApi: openApiConfig(env),
    requestTimeoutMs: 15_000,
  };
  config.alipay = {
    gateway,
    inbound: { verifier, charset, partner: env.ALIPAY_PARTNER },
    notifyVerify: config.protocol.notifyVerify,
  };
  return config;
}
