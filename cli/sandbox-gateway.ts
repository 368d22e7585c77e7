/**
 * The site's side of the embedded defaults: with no Alipay settings given, the activities and the webhook talk to
 * the sandbox with the partner keys it generated (the paths are in its sandbox.json; docs/SANDBOX.md).
 */
import { readFileSync } from 'node:fs';
import {
  loadPrivateKey,
  loadPublicKey,
  Md5Key,
  type InboundOptions,
  type MapiSigner,
  type MapiVerifier,
} from '../alipay';
import type { GatewayConfig } from '../activities/config';
import type { PublicConfig } from '../sandbox';

export interface SiteAlipaySettings {
  gateway: GatewayConfig;
  inbound: InboundOptions;
}

/** The sandbox's partner keys for a sign type: the partner's private key and Alipay's public key (or the MD5 key). */
function sandboxKeys(
  sandbox: PublicConfig,
  signType: 'DSA' | 'RSA' | 'MD5',
): { signer: MapiSigner; verifier: MapiVerifier } {
  const k = sandbox.keyFiles;
  if (signType === 'MD5') {
    const md5Key = new Md5Key(readFileSync(k.partnerMd5Key, 'utf8').trim());
    return { signer: { signType, md5Key }, verifier: { signType, md5Key } };
  }
  const alg = signType === 'DSA' ? 'dsa' : 'rsa';
  return {
    signer: {
      signType,
      privateKey: loadPrivateKey(readFileSync(signType === 'DSA' ? k.partnerDsaPrivate : k.partnerRsaPrivate), alg),
    },
    verifier: {
      signType,
      publicKey: loadPublicKey(readFileSync(signType === 'DSA' ? k.alipayDsaPublic : k.alipayRsaPublic), alg),
    },
  };
}

/**
 * The legacy gateway of the sandbox in the site's protocol settings (ALIPAY_SIGN_TYPE, default DSA;
 * ALIPAY_INPUT_CHARSET, default utf-8), notify and return URLs under `publicUrl` (the webhook's base URL).
 */
export function siteSettingsForSandbox(
  sandbox: PublicConfig,
  publicUrl: string,
  protocol: { signType: 'DSA' | 'RSA' | 'MD5'; charset: string } = { signType: 'DSA', charset: 'utf-8' },
): SiteAlipaySettings {
  const { signer, verifier } = sandboxKeys(sandbox, protocol.signType);
  const base = publicUrl.replace(/\/+$/, '');
  const openApi = {
    gatewayUrl: sandbox.openApiUrl,
    appId: sandbox.appId,
    privateKey: loadPrivateKey(readFileSync(sandbox.keyFiles.appRsaPrivate), 'rsa'),
    alipayPublicKey: loadPublicKey(readFileSync(sandbox.keyFiles.alipayRsaPublic), 'rsa'),
  };
  return {
    gateway: {
      gatewayUrl: sandbox.gatewayUrl,
      partner: sandbox.partnerId,
      inputCharset: protocol.charset,
      signer,
      verifier,
      notifyUrl: `${base}/alipay/notify`,
      returnUrl: `${base}/alipay/return`,
      openApi,
      requestTimeoutMs: 15_000,
    },
    inbound: { verifier, charset: protocol.charset, partner: sandbox.partnerId },
  };
}
