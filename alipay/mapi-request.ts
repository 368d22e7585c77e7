// Legacy gateway (MAPI) requests, both sides.
// Client: add the protocol parameters, sign, and render as a GET URL, a POST form, a page redirect URL or an
// auto-submitting HTML form. Gateway: parse the raw query/body in its declared charset and verify it.

import { randomBytes } from 'node:crypto';
import { InboundRejectedError } from './core/errors';
import { PARTNER_ID_PATTERN } from './core/fields';
import { SERVICES, isServiceName, type MapiBusinessRequest } from './core/services';
import { normalizeCharset, type Charset } from './charset';
import { declaredCharset, formParse, formSerialize } from './form';
import { signMapiParams, verifyMapiParams, type MapiSigner, type MapiVerifier } from './sign';

export interface MapiClientConfig {
  /** e.g. https://mapi.alipay.com/gateway.do (or the emulator's). */
  readonly gatewayUrl: string;
  /** 2088 + 12 digits. */
  readonly partner: string;
  /** The `_input_charset` value as sent on the wire ("utf-8", "UTF-8", "gbk", "gb2312"). */
  readonly inputCharset: string;
  readonly signer: MapiSigner;
}

export interface SignedMapiRequest {
  readonly service: string;
  readonly kind: 'page' | 'system';
  readonly method: 'GET' | 'POST';
  readonly charset: Charset;
  /** Every parameter as sent, including partner, _input_charset, sign and sign_type. */
  readonly params: Readonly<Record<string, string>>;
}

/** Add service, partner and _input_charset to the business parameters and sign them (decision: charset signed). */
export function signMapiRequest(
  request: MapiBusinessRequest | { service: string; params: Record<string, string | undefined> },
  config: MapiClientConfig,
): SignedMapiRequest {
  if (!PARTNER_ID_PATTERN.test(config.partner))
    throw new InboundRejectedError('ILLEGAL_PARTNER', 'partner must be 2088 followed by 12 digits');
  const charset = normalizeCharset(config.inputCharset);
  const unsigned: Record<string, string> = {};
  for (const [k, v] of Object.entries(request.params)) if (v !== undefined && v !== '') unsigned[k] = v;
  unsigned.service = request.service;
  unsigned.partner = config.partner;
  unsigned._input_charset = config.inputCharset;
  const sign = signMapiParams(unsigned, config.signer, charset);
  const descriptor = isServiceName(request.service)
    ? SERVICES[request.service]
    : { kind: 'system' as const, method: 'GET' as const };
  return {
    service: request.service,
    kind: descriptor.kind,
    method: descriptor.method,
    charset,
    params: { ...unsigned, sign, sign_type: config.signer.signType },
  };
}

/** The URL-encoded request string (keys in `order` first when given; used for GET queries and POST bodies). */
export function mapiRequestString(signed: SignedMapiRequest, order?: readonly string[]): string {
  return formSerialize(signed.params, signed.charset, order);
}

/** GET URL (system GET interface, or the redirect URL of a page GET interface). */
export function mapiGetUrl(signed: SignedMapiRequest, gatewayUrl: string): string {
  return `${gatewayUrl}${gatewayUrl.includes('?') ? '&' : '?'}${mapiRequestString(signed)}`;
}

/** POST form body (system POST interface). The Content-Type names the request charset. */
export function mapiPostForm(signed: SignedMapiRequest): { body: string; contentType: string } {
  return {
    body: mapiRequestString(signed),
    contentType: `application/x-www-form-urlencoded; charset=${signed.charset}`,
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * Auto-submitting HTML form for a page interface (works for GET and POST). Serve it with the returned
 * Content-Type, encoded in the request charset, so the browser submits the values in that charset.
 */
export function mapiAutoSubmitForm(
  signed: SignedMapiRequest,
  gatewayUrl: string,
): { html: string; contentType: string } {
  // The gateway finds `_input_charset` in the submitted fields themselves (its value is ASCII).
  const action = gatewayUrl;
  const nonce = randomBytes(6).toString('hex');
  const inputs = Object.entries(signed.params)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}"/>`)
    .join('\n');
  const html =
    `<!DOCTYPE html>\n<html><head><meta charset="${signed.charset}"><title>Alipay</title></head><body>\n` +
    `<form id="alipaysubmit${nonce}" name="alipaysubmit" action="${escapeHtml(action)}" method="${signed.method === 'POST' ? 'post' : 'get'}" accept-charset="${signed.charset}">\n` +
    `${inputs}\n<input type="submit" value="Continue"/>\n</form>\n` +
    `<script>document.getElementById("alipaysubmit${nonce}").submit();</script>\n</body></html>\n`;
  return { html, contentType: `text/html; charset=${signed.charset}` };
}

/** How a client should hand a page interface to the browser: a redirect URL for GET, a form for POST. */
export function mapiPageRedirect(
  signed: SignedMapiRequest,
  gatewayUrl: string,
): { type: 'redirect'; url: string } | { type: 'form'; html: string; contentType: string } {
  if (signed.method === 'GET') return { type: 'redirect', url: mapiGetUrl(signed, gatewayUrl) };
  return { type: 'form', ...mapiAutoSubmitForm(signed, gatewayUrl) };
}

// ---------------------------------------------------------------------------------------------- gateway side

export interface VerifiedMapiRequest {
  readonly service: string;
  readonly partner: string;
  readonly charset: Charset;
  readonly signType: string;
  /** All parameters, decoded once; `sign` and `sign_type` included. */
  readonly params: Readonly<Record<string, string>>;
  /** Business parameters only (protocol parameters removed). */
  readonly business: Readonly<Record<string, string>>;
}

const PROTOCOL_PARAMS = new Set(['service', 'partner', '_input_charset', 'sign', 'sign_type']);

/**
 * Gateway side: parse a raw query string or form body (decoded once, in its declared `_input_charset`) and verify
 * it. `verifierFor` returns the verifier of a partner for a sign_type (undefined = unknown partner / type).
 * Throws InboundRejectedError with the gateway's error code (ILLEGAL_PARTNER, ILLEGAL_SIGN, ...).
 */
export function verifyMapiRequest(
  raw: string | Uint8Array,
  verifierFor: (partner: string, signType: string) => MapiVerifier | undefined,
): VerifiedMapiRequest {
  const charset = declaredCharset(raw);
  const params = formParse(raw, charset);
  if (!params._input_charset) throw new InboundRejectedError('ILLEGAL_CHARSET', '_input_charset is required');
  const { service, partner, sign, sign_type: signType } = params;
  if (!service) throw new InboundRejectedError('ILLEGAL_SERVICE', 'service is required');
  if (!partner || !PARTNER_ID_PATTERN.test(partner))
    throw new InboundRejectedError('ILLEGAL_PARTNER', 'partner is missing or malformed');
  if (!signType || !['DSA', 'RSA', 'MD5'].includes(signType))
    throw new InboundRejectedError('ILLEGAL_SIGN_TYPE', 'sign_type must be DSA, RSA or MD5 (upper case)');
  if (!sign) throw new InboundRejectedError('ILLEGAL_SIGN', 'sign is required');
  const verifier = verifierFor(partner, signType);
  if (!verifier) throw new InboundRejectedError('ILLEGAL_PARTNER', 'unknown partner or sign_type not enabled for it');
  if (!verifyMapiParams(params, verifier, charset))
    throw new InboundRejectedError('ILLEGAL_SIGN', 'signature does not verify');
  const business: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) if (!PROTOCOL_PARAMS.has(k)) business[k] = v;
  return { service, partner, charset, signType, params, business };
}
