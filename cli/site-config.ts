/**
 * The site's configuration from environment variables, validated once at start-up with one clear message per bad
 * value (ConfigError names the variable). With no ALIPAY_GATEWAY_URL, everything points at the embedded sandbox.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { certSn, loadPrivateKey, loadPublicKey, Md5Key, rootCertSn, type MapiSigner, type MapiVerifier, type OpenApiClientConfig } from '../alipay';
import { PARTNER_ID_PATTERN } from '../alipay/core/fields';
import type { FeeRates } from '../alipay/core/fees';
import type { GatewayConfig } from '../activities/config';
import type { SiteAlipaySettings } from './sandbox-gateway';
import { ConfigError, parsePort } from './config';

export interface SiteConfig {
  httpPort: number;
  /** Base of notify_url / return_url as Alipay must reach it; default http://127.0.0.1:<httpPort>. */
  publicUrl: string;
  paymentTimeoutMs: number;
  feeRates: FeeRates;
  /** Sandbox port for the embedded gateway (when ALIPAY_GATEWAY_URL is unset). */
  sandboxPort: number;
  /** Where closed tasks' audit records are written (WITKEY_AUDIT_DIR; default: <data dir>/audit). */
  auditDir?: string;
  /** Real gateway settings; undefined = use the embedded sandbox. */
  alipay?: SiteAlipaySettings & { notifyVerify: boolean };
}

export const SITE_DEFAULTS = { httpPort: 8280, sandboxPort: 8290, paymentTimeoutMs: 2 * 3_600_000, feeRates: { commissionBp: 1000, alipayFeeBp: 100 } } as const;

/** "90s", "15m", "2h", "1d" or plain milliseconds. */
export function parseDuration(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const m = /^(\d{1,12})(ms|s|m|h|d)?$/.exec(raw.trim());
  if (!m) throw new ConfigError(`${name}=${JSON.stringify(raw)} is not a duration (e.g. 90s, 15m, 2h, 1d, or milliseconds).`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 'ms') as 'ms'];
  const ms = Number(m[1]) * unit;
  if (!Number.isSafeInteger(ms) || ms <= 0) throw new ConfigError(`${name}=${raw} must be positive.`);
  return ms;
}

function parseBp(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d{1,5}$/.test(raw) || Number(raw) > 10_000) throw new ConfigError(`${name}=${JSON.stringify(raw)} must be basis points, an integer 0..10000 (1000 = 10%).`);
  return Number(raw);
}

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

function mapiKeys(env: NodeJS.ProcessEnv): { signer: MapiSigner; verifier: MapiVerifier } {
  const signType = (env.ALIPAY_SIGN_TYPE ?? 'DSA').toUpperCase();
  if (signType === 'MD5') {
    if (!env.ALIPAY_MD5_KEY) throw new ConfigError('ALIPAY_MD5_KEY is required with ALIPAY_SIGN_TYPE=MD5.');
    const md5Key = new Md5Key(env.ALIPAY_MD5_KEY);
    return { signer: { signType: 'MD5', md5Key }, verifier: { signType: 'MD5', md5Key } };
  }
  if (signType !== 'DSA' && signType !== 'RSA') throw new ConfigError(`ALIPAY_SIGN_TYPE=${JSON.stringify(env.ALIPAY_SIGN_TYPE)} must be DSA, RSA or MD5.`);
  const alg = signType === 'DSA' ? 'dsa' : 'rsa';
  return {
    signer: { signType, privateKey: keyFrom('ALIPAY_PRIVATE_KEY_FILE', env.ALIPAY_PRIVATE_KEY_FILE, (pem) => loadPrivateKey(pem, alg)) },
    verifier: { signType, publicKey: keyFrom('ALIPAY_PUBLIC_KEY_FILE', env.ALIPAY_PUBLIC_KEY_FILE, (pem) => loadPublicKey(pem, alg)) },
  };
}

function openApiConfig(env: NodeJS.ProcessEnv): OpenApiClientConfig | undefined {
  const gatewayUrl = parseUrl('ALIPAY_OPENAPI_URL', env.ALIPAY_OPENAPI_URL);
  if (!gatewayUrl) return undefined;
  if (!env.ALIPAY_APP_ID || !/^\d{6,32}$/.test(env.ALIPAY_APP_ID)) throw new ConfigError(`ALIPAY_APP_ID=${JSON.stringify(env.ALIPAY_APP_ID ?? '')} must be the numeric app id.`);
  const privateKey = keyFrom('ALIPAY_APP_PRIVATE_KEY_FILE', env.ALIPAY_APP_PRIVATE_KEY_FILE, (pem) => loadPrivateKey(pem, 'rsa'));
  if (env.ALIPAY_APP_CERT_FILE || env.ALIPAY_ROOT_CERT_FILE || env.ALIPAY_OPENAPI_CERT_FILE) {
    // certificate mode: the SNs are sent with every request; Alipay's key comes from its certificate
    const appCert = readFile('ALIPAY_APP_CERT_FILE', env.ALIPAY_APP_CERT_FILE);
    const rootCert = readFile('ALIPAY_ROOT_CERT_FILE', env.ALIPAY_ROOT_CERT_FILE);
    const alipayCert = readFile('ALIPAY_OPENAPI_CERT_FILE', env.ALIPAY_OPENAPI_CERT_FILE);
    try {
      return { gatewayUrl, appId: env.ALIPAY_APP_ID, privateKey, alipayPublicKey: new X509Certificate(alipayCert).publicKey, appCertSn: certSn(appCert), alipayRootCertSn: rootCertSn(rootCert) };
    } catch (err) {
      throw new ConfigError(`certificate mode: ${(err as Error).message}`);
    }
  }
  const alipayPublicKey = keyFrom('ALIPAY_OPENAPI_PUBLIC_KEY_FILE', env.ALIPAY_OPENAPI_PUBLIC_KEY_FILE, (pem) => loadPublicKey(pem, 'rsa'));
  return { gatewayUrl, appId: env.ALIPAY_APP_ID, privateKey, alipayPublicKey };
}

export function loadSiteConfig(env: NodeJS.ProcessEnv): SiteConfig {
  const httpPort = parsePort('WITKEY_HTTP_PORT', env.WITKEY_HTTP_PORT, SITE_DEFAULTS.httpPort);
  const publicUrl = parseUrl('WITKEY_PUBLIC_URL', env.WITKEY_PUBLIC_URL) ?? `http://127.0.0.1:${httpPort}`;
  const config: SiteConfig = {
    httpPort,
    publicUrl,
    paymentTimeoutMs: parseDuration('WITKEY_PAYMENT_TIMEOUT', env.WITKEY_PAYMENT_TIMEOUT, SITE_DEFAULTS.paymentTimeoutMs),
    feeRates: {
      commissionBp: parseBp('WITKEY_COMMISSION_BP', env.WITKEY_COMMISSION_BP, SITE_DEFAULTS.feeRates.commissionBp),
      alipayFeeBp: parseBp('WITKEY_ALIPAY_FEE_BP', env.WITKEY_ALIPAY_FEE_BP, SITE_DEFAULTS.feeRates.alipayFeeBp),
    },
    sandboxPort: parsePort('WITKEY_SANDBOX_PORT', env.WITKEY_SANDBOX_PORT, SITE_DEFAULTS.sandboxPort),
    ...(env.WITKEY_AUDIT_DIR ? { auditDir: resolve(env.WITKEY_AUDIT_DIR) } : {}),
  };
  const gatewayUrl = parseUrl('ALIPAY_GATEWAY_URL', env.ALIPAY_GATEWAY_URL);
  if (!gatewayUrl) return config;
  if (!env.ALIPAY_PARTNER || !PARTNER_ID_PATTERN.test(env.ALIPAY_PARTNER)) throw new ConfigError(`ALIPAY_PARTNER=${JSON.stringify(env.ALIPAY_PARTNER ?? '')} must be 2088 followed by 12 digits.`);
  const charset = (env.ALIPAY_INPUT_CHARSET ?? 'utf-8').toLowerCase();
  if (!['utf-8', 'gbk', 'gb2312'].includes(charset)) throw new ConfigError(`ALIPAY_INPUT_CHARSET=${JSON.stringify(env.ALIPAY_INPUT_CHARSET)} must be utf-8, gbk or gb2312.`);
  const notifyVerifyRaw = (env.ALIPAY_NOTIFY_VERIFY ?? 'true').toLowerCase();
  if (!['true', 'false', '1', '0'].includes(notifyVerifyRaw)) throw new ConfigError(`ALIPAY_NOTIFY_VERIFY=${JSON.stringify(env.ALIPAY_NOTIFY_VERIFY)} must be true or false.`);
  const { signer, verifier } = mapiKeys(env);
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
  config.alipay = { gateway, inbound: { verifier, charset, partner: env.ALIPAY_PARTNER }, notifyVerify: notifyVerifyRaw === 'true' || notifyVerifyRaw === '1' };
  return config;
}
