// Key loading. Accepts PEM (PKCS#1 "RSA PRIVATE KEY"/"RSA PUBLIC KEY", OpenSSL "DSA PRIVATE KEY", PKCS#8
// "PRIVATE KEY", SPKI "PUBLIC KEY") and the bare base64 bodies Alipay hands out (PKCS#8 / PKCS#1 private,
// SPKI / PKCS#1 public). Key material is never logged and never placed in an error message.

import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { KeyError } from './core/errors';

export type KeyAlgorithm = 'rsa' | 'dsa';

function derCandidates(text: string): Buffer | undefined {
  const body = text.replace(/\s+/g, '');
  if (body.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(body)) return undefined;
  return Buffer.from(body, 'base64');
}

function checkAlgorithm(key: KeyObject, expected: KeyAlgorithm | undefined, what: string): KeyObject {
  if (expected && key.asymmetricKeyType !== expected)
    throw new KeyError(`${what} is not an ${expected.toUpperCase()} key`);
  if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'dsa')
    throw new KeyError(`${what} must be RSA or DSA`);
  return key;
}

/** Load a private key from PEM text or a bare base64 DER body. */
export function loadPrivateKey(material: string | Buffer | KeyObject, expected?: KeyAlgorithm): KeyObject {
  if (typeof material === 'object' && !Buffer.isBuffer(material)) {
    if (material.type !== 'private') throw new KeyError('private key expected');
    return checkAlgorithm(material, expected, 'private key');
  }
  const text = Buffer.isBuffer(material) ? material.toString('latin1') : material;
  if (typeof text !== 'string') throw new KeyError('private key must be a string, a Buffer or a KeyObject');
  let key: KeyObject | undefined;
  if (text.includes('-----BEGIN')) {
    if (/ENCRYPTED/.test(text)) throw new KeyError('encrypted private keys are not supported');
    try {
      key = createPrivateKey({ key: text, format: 'pem' });
    } catch {
      throw new KeyError('private key PEM could not be parsed');
    }
  } else {
    const der = derCandidates(text);
    if (!der) throw new KeyError('private key is neither PEM nor base64');
    for (const type of ['pkcs8', 'pkcs1'] as const) {
      try {
        key = createPrivateKey({ key: der, format: 'der', type });
        break;
      } catch {
        // try the next encoding
      }
    }
    if (!key) throw new KeyError('private key base64 body is neither PKCS#8 nor PKCS#1');
  }
  return checkAlgorithm(key, expected, 'private key');
}

/** Load a public key from PEM text (SPKI, PKCS#1, or a certificate) or a bare base64 DER body (SPKI or PKCS#1). */
export function loadPublicKey(material: string | Buffer | KeyObject, expected?: KeyAlgorithm): KeyObject {
  if (typeof material === 'object' && !Buffer.isBuffer(material)) {
    const pub = material.type === 'private' ? createPublicKey(material) : material;
    if (pub.type !== 'public') throw new KeyError('public key expected');
    return checkAlgorithm(pub, expected, 'public key');
  }
  const text = Buffer.isBuffer(material) ? material.toString('latin1') : material;
  if (typeof text !== 'string') throw new KeyError('public key must be a string, a Buffer or a KeyObject');
  let key: KeyObject | undefined;
  if (text.includes('-----BEGIN')) {
    if (text.includes('PRIVATE KEY')) throw new KeyError('a private key was given where a public key is expected');
    try {
      key = createPublicKey({ key: text, format: 'pem' });
    } catch {
      throw new KeyError('public key PEM could not be parsed');
    }
  } else {
    const der = derCandidates(text);
    if (!der) throw new KeyError('public key is neither PEM nor base64');
    // Node derives a public key from private DER too; refuse a private key given where a public one is expected.
    for (const type of ['pkcs8', 'pkcs1'] as const) {
      let isPrivate = false;
      try {
        createPrivateKey({ key: der, format: 'der', type });
        isPrivate = true;
      } catch {
        // not a private key in this encoding
      }
      if (isPrivate) throw new KeyError('a private key was given where a public key is expected');
    }
    for (const type of ['spki', 'pkcs1'] as const) {
      try {
        key = createPublicKey({ key: der, format: 'der', type });
        break;
      } catch {
        // try the next encoding
      }
    }
    if (!key) throw new KeyError('public key base64 body is neither SPKI nor PKCS#1');
  }
  return checkAlgorithm(key, expected, 'public key');
}

/**
 * The MD5 "key" of the legacy gateway is a shared secret string. Wrapped so that it never shows up in logs,
 * JSON or util.inspect output.
 */
export class Md5Key {
  readonly #secret: string;
  constructor(secret: string) {
    if (typeof secret !== 'string' || secret.length === 0) throw new KeyError('MD5 key must be a non-empty string');
    this.#secret = secret;
  }
  /** The secret itself; only the signing module should call this. */
  reveal(): string {
    return this.#secret;
  }
  toString(): string {
    return '[Md5Key]';
  }
  toJSON(): string {
    return '[Md5Key]';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[Md5Key]';
  }
}
