// Signing and verification, both gateways, both sides. One small module, tested against the openssl CLI.
//
// MAPI: DSA = SHA1withDSA, base64 of the DER (r,s) sequence; RSA = SHA1withRSA (PKCS#1 v1.5) base64;
//       MD5 = lowercase hex md5(signing string + key), all over the bytes in the request charset.
// OpenAPI: RSA2 = SHA256withRSA base64.

import { createHash, sign as cryptoSign, timingSafeEqual, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { mapiSigningString, openApiSigningString, type Params } from './core/canonical';
import { KeyError } from './core/errors';
import { encodeText, normalizeCharset, type Charset } from './charset';
import type { Md5Key } from './keys';

export type MapiSignType = 'DSA' | 'RSA' | 'MD5';
export const MAPI_SIGN_TYPES: readonly MapiSignType[] = ['DSA', 'RSA', 'MD5'];

/** What a sender signs with. */
export type MapiSigner =
  | { readonly signType: 'DSA' | 'RSA'; readonly privateKey: KeyObject }
  | { readonly signType: 'MD5'; readonly md5Key: Md5Key };

/** What a receiver verifies with. */
export type MapiVerifier =
  | { readonly signType: 'DSA' | 'RSA'; readonly publicKey: KeyObject }
  | { readonly signType: 'MD5'; readonly md5Key: Md5Key };

/** Canonical base64 (RFC 4648 alphabet, padded to a multiple of 4): no whitespace, no line breaks, nothing else. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const MD5_HEX = /^[0-9a-f]{32}$/;

/**
 * The bytes of a signature from outside, or undefined unless it is canonical base64: Node's decoder forgives invalid
 * characters, missing or extra padding, trailing garbage and set unused bits, so a changed `sign` could decode to the
 * genuine bytes. Alipay sends plain base64 without line breaks (URL-decoding has happened before): nothing is
 * stripped; decoding and re-encoding must give the same text.
 */
export function decodeSignatureBase64(signature: string): Buffer | undefined {
  if (typeof signature !== 'string' || signature.length === 0 || !BASE64.test(signature)) return undefined;
  const bytes = Buffer.from(signature, 'base64');
  return bytes.toString('base64') === signature ? bytes : undefined;
}

function checkKeyType(key: KeyObject, signType: 'DSA' | 'RSA'): void {
  const expected = signType === 'DSA' ? 'dsa' : 'rsa';
  if (key.asymmetricKeyType !== expected)
    throw new KeyError(`sign_type ${signType} needs an ${expected.toUpperCase()} key`);
}

function md5Hex(bytes: Buffer, key: Md5Key, charset: Charset): string {
  return createHash('md5')
    .update(Buffer.concat([bytes, encodeText(key.reveal(), charset)]))
    .digest('hex');
}

/** Sign the exact bytes (already in the request charset). */
export function signMapiBytes(bytes: Buffer, signer: MapiSigner, charset: Charset = 'utf-8'): string {
  if (signer.signType === 'MD5') return md5Hex(bytes, signer.md5Key, charset);
  checkKeyType(signer.privateKey, signer.signType);
  return cryptoSign('sha1', bytes, signer.privateKey).toString('base64');
}

/** Verify a signature over the exact bytes. Never throws for a bad signature: returns false. */
export function verifyMapiBytes(
  bytes: Buffer,
  signature: string,
  verifier: MapiVerifier,
  charset: Charset = 'utf-8',
): boolean {
  if (typeof signature !== 'string' || signature.length === 0) return false;
  if (verifier.signType === 'MD5') {
    if (!MD5_HEX.test(signature)) return false; // 32 lowercase hex digits, exactly as Alipay sends them
    const expected = Buffer.from(md5Hex(bytes, verifier.md5Key, charset), 'latin1');
    return timingSafeEqual(Buffer.from(signature, 'latin1'), expected);
  }
  checkKeyType(verifier.publicKey, verifier.signType);
  const decoded = decodeSignatureBase64(signature);
  if (!decoded) return false;
  try {
    return cryptoVerify('sha1', bytes, verifier.publicKey, decoded);
  } catch {
    return false;
  }
}

/** Bytes of the MAPI signing string of `params` in the charset. */
export function mapiSigningBytes(params: Params, charset: Charset): Buffer {
  return encodeText(mapiSigningString(params), charset);
}

/** Sign MAPI parameters (request, notification or return callback). */
export function signMapiParams(params: Params, signer: MapiSigner, charset: string): string {
  const cs = normalizeCharset(charset);
  return signMapiBytes(mapiSigningBytes(params, cs), signer, cs);
}

/**
 * Verify MAPI parameters carrying `sign` and `sign_type`. `sign_type` must equal the verifier's type (upper case).
 */
export function verifyMapiParams(params: Params, verifier: MapiVerifier, charset: string): boolean {
  if (params.sign_type !== verifier.signType) return false;
  const cs = normalizeCharset(charset);
  return verifyMapiBytes(mapiSigningBytes(params, cs), params.sign ?? '', verifier, cs);
}

// ---- OpenAPI RSA2

function checkRsa(key: KeyObject): void {
  if (key.asymmetricKeyType !== 'rsa') throw new KeyError('RSA2 needs an RSA key');
}

export function signRsa2Bytes(bytes: Buffer, privateKey: KeyObject): string {
  checkRsa(privateKey);
  return cryptoSign('sha256', bytes, privateKey).toString('base64');
}

export function verifyRsa2Bytes(bytes: Buffer, signature: string, publicKey: KeyObject): boolean {
  checkRsa(publicKey);
  if (typeof signature !== 'string') return false;
  const decoded = decodeSignatureBase64(signature);
  if (!decoded) return false;
  try {
    return cryptoVerify('sha256', bytes, publicKey, decoded);
  } catch {
    return false;
  }
}

/** Sign OpenAPI request parameters (sign_type included in the signed string). */
export function signOpenApiParams(params: Params, privateKey: KeyObject, charset: string = 'utf-8'): string {
  return signRsa2Bytes(encodeText(openApiSigningString(params), normalizeCharset(charset)), privateKey);
}

export function verifyOpenApiParams(params: Params, publicKey: KeyObject, charset: string = 'utf-8'): boolean {
  if (params.sign_type !== 'RSA2') return false;
  return verifyRsa2Bytes(
    encodeText(openApiSigningString(params), normalizeCharset(charset)),
    params.sign ?? '',
    publicKey,
  );
}
