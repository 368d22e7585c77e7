/**
 * The site's side of the embedded defaults: with no Alipay settings given, the activities and the webhook talk to
 * the sandbox with the partner keys it generated (the paths are in its sandbox.json; docs/SANDBOX.md).
 */
import { readFileSync } from 'node:fs';
import { loadPrivateKey, loadPublicKey, type InboundOptions } from '../alipay';
import type { GatewayConfig } from '../activities/config';
import type { PublicConfig } from '../sandbox';

export interface SiteAlipaySettings {
  gateway: GatewayConfig;
  inbound: InboundOptions;
}

/** DSA on the legacy gateway, utf-8, notify and return URLs under `publicUrl` (the webhook's base URL). */
export function siteSettingsForSandbox(sandbox: PublicConfig, publicUrl: string): SiteAlipaySettings {
  const partnerKey = loadPrivateKey(readFileSync(sandbox.keyFiles.partnerDsaPrivate), 'dsa');
  const alipayKey = loadPublicKey(readFileSync(sandbox.keyFiles.alipayDsaPublic), 'dsa');
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
      inputCharset: 'utf-8',
      signer: { signType: 'DSA', privateKey: partnerKey },
      verifier: { signType: 'DSA', publicKey: alipayKey },
      notifyUrl: `${base}/alipay/notify`,
      returnUrl: `${base}/alipay/return`,
      openApi,
      requestTimeoutMs: 15_000,
    },
    inbound: { verifier: { signType: 'DSA', publicKey: alipayKey }, charset: 'utf-8', partner: sandbox.partnerId },
  };
}
