// The sandbox's keys at work, entirely through the protocol library (alipay/): which key verifies a partner's
// request, which key signs the gateway's replies, notifications and return callbacks. No signing or encoding rule
// is implemented here (docs/PROTOCOL.md §2 and §6 are the library's).
//
// Decisions of the sandbox (documented in docs/SANDBOX.md):
//   - the gateway signs with the algorithm of the request: DSA -> Alipay's DSA key, RSA -> Alipay's RSA key (the
//     same pair as OpenAPI), MD5 -> the partner's MD5 key;
//   - notifications and return callbacks are signed like the sync reply of the request that caused them.

import type { KeyObject } from 'node:crypto';
import { normalizeCharset } from '../../alipay/charset';
import { formSerialize } from '../../alipay/form';
import { buildNotification, type BuiltNotification } from '../../alipay/notify';
import type { MapiSigner, MapiVerifier } from '../../alipay/sign';
import type { NotifyEvent } from '../../alipay/core/events';
import type { SandboxConfig, SandboxKeys } from './config';
import type { NotificationRecord } from './notification-records';
import type { EncodedNotification } from './notifier';

export class Signing {
  readonly #config: SandboxConfig;
  readonly #keys: SandboxKeys;

  constructor(config: SandboxConfig, keys: SandboxKeys) {
    this.#config = config;
    this.#keys = keys;
  }

  /** The verifier of a partner's request for a sign_type (undefined: unknown partner or type). */
  verifierFor = (partner: string, signType: string): MapiVerifier | undefined => {
    if (partner !== this.#config.partnerId) return undefined;
    if (signType === 'DSA') return { signType: 'DSA', publicKey: this.#keys.partnerDsaPublic };
    if (signType === 'RSA') return { signType: 'RSA', publicKey: this.#keys.partnerRsaPublic };
    if (signType === 'MD5') return { signType: 'MD5', md5Key: this.#keys.partnerMd5 };
    return undefined;
  };

  /** The gateway's signer for replies to a request signed with `signType`. */
  signerFor(signType: string): MapiSigner {
    if (signType === 'RSA') return { signType: 'RSA', privateKey: this.#keys.alipayRsaPrivate };
    if (signType === 'MD5') return { signType: 'MD5', md5Key: this.#keys.partnerMd5 };
    return { signType: 'DSA', privateKey: this.#keys.alipayDsaPrivate };
  }

  /** OpenAPI: the app's public key (verifies requests) and Alipay's private key (signs responses). */
  get appPublicKey(): KeyObject {
    return this.#keys.appRsaPublic;
  }

  get alipayRsaPrivate(): KeyObject {
    return this.#keys.alipayRsaPrivate;
  }

  /** The signed POST body of one notification attempt. `badSignature` corrupts the signature (fault). */
  encodeNotification(
    n: NotificationRecord,
    event: NotifyEvent,
    opts: { now: number; badSignature: boolean; charset: string },
  ): EncodedNotification & { built: BuiltNotification } {
    const built = buildNotification(
      { notifyId: n.notifyId, notifyTime: opts.now, event },
      this.signerFor(n.signType),
      opts.charset,
    );
    if (!opts.badSignature) return { body: Buffer.from(built.body, 'latin1'), contentType: built.contentType, built };
    const fields = { ...built.fields, sign: corrupt(built.fields.sign ?? '') };
    const body = formSerialize(fields, normalizeCharset(opts.charset));
    return { body: Buffer.from(body, 'latin1'), contentType: built.contentType, built };
  }
}

/** A signature of the same shape that does not verify (flip bits in the middle). */
function corrupt(sign: string): string {
  if (/^[0-9a-f]{32}$/.test(sign))
    return sign.split('').reverse().join('') === sign ? `0${sign.slice(1)}` : sign.split('').reverse().join('');
  const bytes = Buffer.from(sign, 'base64');
  if (bytes.length === 0) return 'AAAA';
  const i = Math.floor(bytes.length / 2);
  bytes[i] = (bytes[i] ?? 0) ^ 0xff;
  return bytes.toString('base64');
}
