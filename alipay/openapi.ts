// OpenAPI gateway (app_id, RSA2, JSON), both sides.
//
// Request: app_id, method, format=JSON, charset, sign_type=RSA2, timestamp (yyyy-MM-dd HH:mm:ss China time),
// version=1.0, biz_content (JSON text), optional notify_url / app_cert_sn / alipay_root_cert_sn; signed string =
// every parameter but `sign` (sign_type IS signed), empty values skipped, sorted, raw values; SHA256withRSA base64.
// Sent as a POST form.
// Response: {"<method with _>_response":{...},"sign":"..."} (plus "alipay_cert_sn" in certificate mode); the
// signature covers the raw JSON text of the *_response value exactly as received, from its '{' to the matching '}'.
// Error bodies may carry no signature (then they are reported as unsigned; a success is never accepted unsigned).

import type { KeyObject } from 'node:crypto';
import { InboundRejectedError, MalformedReplyError, SignatureError } from './core/errors';
import { OPENAPI_SUCCESS_CODE } from './core/error-codes';
import { formatNotifyTime } from './core/times';
import { decodeText, encodeText, normalizeCharset, type Charset } from './charset';
import { formParse, formSerialize } from './form';
import { signOpenApiParams, signRsa2Bytes, verifyOpenApiParams, verifyRsa2Bytes } from './sign';

export interface OpenApiClientConfig {
  /** e.g. https://openapi.alipay.com/gateway.do (or the emulator's). */
  readonly gatewayUrl: string;
  readonly appId: string;
  readonly privateKey: KeyObject;
  /** Alipay's public key (from the key or from alipayCertPublicKey_RSA2.crt). */
  readonly alipayPublicKey: KeyObject;
  readonly charset?: string;
  /** Certificate mode: app_cert_sn and alipay_root_cert_sn (see cert.ts). */
  readonly appCertSn?: string;
  readonly alipayRootCertSn?: string;
}

export interface OpenApiRequest {
  readonly method: string;
  readonly params: Readonly<Record<string, string>>;
  readonly charset: Charset;
  /** POST target and body. */
  readonly url: string;
  readonly body: string;
  readonly contentType: string;
}

/** Build and sign an OpenAPI request (client side). */
export function buildOpenApiRequest(
  config: OpenApiClientConfig,
  method: string,
  bizContent: Readonly<Record<string, unknown>>,
  opts: { timestamp?: number; notifyUrl?: string } = {},
): OpenApiRequest {
  const charset = normalizeCharset(config.charset ?? 'utf-8');
  const unsigned: Record<string, string> = {
    app_id: config.appId,
    method,
    format: 'JSON',
    charset,
    sign_type: 'RSA2',
    timestamp: formatNotifyTime(opts.timestamp ?? Date.now()),
    version: '1.0',
    biz_content: JSON.stringify(bizContent),
  };
  if (opts.notifyUrl) unsigned.notify_url = opts.notifyUrl;
  if (config.appCertSn) unsigned.app_cert_sn = config.appCertSn;
  if (config.alipayRootCertSn) unsigned.alipay_root_cert_sn = config.alipayRootCertSn;
  const params = { ...unsigned, sign: signOpenApiParams(unsigned, config.privateKey, charset) };
  return {
    method,
    params,
    charset,
    url: `${config.gatewayUrl}${config.gatewayUrl.includes('?') ? '&' : '?'}charset=${charset}`,
    body: formSerialize(params, charset),
    contentType: `application/x-www-form-urlencoded; charset=${charset}`,
  };
}

/** The JSON member name of a method's response: alipay.trade.query -> alipay_trade_query_response. */
export function responseKey(method: string): string {
  return `${method.replace(/\./g, '_')}_response`;
}

// ---- a small scanner locating the raw text of each top-level member value (no re-serialisation)

interface Span {
  readonly start: number;
  readonly end: number;
}

function scanTopLevel(text: string): Map<string, Span> {
  let i = 0;
  const fail = (why: string): never => {
    throw new MalformedReplyError(`response is not valid JSON (${why})`);
  };
  const ws = () => {
    while (i < text.length && ' \t\r\n'.includes(text[i])) i++;
  };
  const str = (): string => {
    if (text[i] !== '"') fail('string expected');
    const start = i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) fail('unterminated string');
    i++;
    return text.slice(start, i);
  };
  const value = (depth: number): void => {
    if (depth > 64) fail('too deep');
    ws();
    const c = text[i];
    if (c === '"') str();
    else if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      ws();
      if (text[i] === close) {
        i++;
        return;
      }
      for (;;) {
        if (c === '{') {
          ws();
          str();
          ws();
          if (text[i++] !== ':') fail('colon expected');
        }
        value(depth + 1);
        ws();
        const d = text[i++];
        if (d === close) return;
        if (d !== ',') fail('comma expected');
      }
    } else {
      const m = /^(?:-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|true|false|null)/.exec(
        text.slice(i, i + 400),
      );
      if (!m) fail('value expected');
      i += m![0].length;
    }
  };
  const members = new Map<string, Span>();
  ws();
  if (text[i++] !== '{') fail('object expected');
  ws();
  if (text[i] === '}') return members;
  for (;;) {
    ws();
    const rawKey = str();
    let key = '';
    try {
      key = JSON.parse(rawKey) as string;
    } catch {
      fail('bad member name');
    }
    ws();
    if (text[i++] !== ':') fail('colon expected');
    ws();
    const start = i;
    value(0);
    if (members.has(key)) fail('duplicate member');
    members.set(key, { start, end: i });
    ws();
    const d = text[i++];
    if (d === '}') break;
    if (d !== ',') fail('comma expected');
  }
  ws();
  if (i !== text.length) fail('trailing characters');
  return members;
}

export interface OpenApiResponse {
  /** The parsed *_response object. */
  readonly body: Readonly<Record<string, unknown>>;
  /** Its raw JSON text as received (what the signature covers). */
  readonly rawText: string;
  /** Whether a signature was present (and verified). */
  readonly signed: boolean;
  readonly code: string;
  readonly subCode?: string;
}

/**
 * Read and verify an OpenAPI response (client side). Malformed -> MalformedReplyError; bad signature, or a
 * success without signature -> SignatureError (outcome unknown).
 */
export function parseOpenApiResponse(
  raw: string | Uint8Array,
  method: string,
  alipayPublicKey: KeyObject,
  charset: string = 'utf-8',
): OpenApiResponse {
  const cs = normalizeCharset(charset);
  let decoded: string;
  try {
    decoded = typeof raw === 'string' ? raw : decodeText(raw, cs);
  } catch {
    throw new MalformedReplyError(`response is not valid ${cs}`);
  }
  const members = scanTopLevel(decoded);
  const span = members.get(responseKey(method)) ?? members.get('error_response');
  if (!span) throw new MalformedReplyError(`response has no ${responseKey(method)}`);
  const rawText = decoded.slice(span.start, span.end);
  let full: Record<string, unknown>;
  try {
    full = JSON.parse(decoded) as Record<string, unknown>;
  } catch {
    throw new MalformedReplyError('response is not valid JSON');
  }
  const body = JSON.parse(rawText) as unknown;
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new MalformedReplyError('*_response is not an object');
  const b = body as Record<string, unknown>;
  const code = typeof b.code === 'string' ? b.code : undefined;
  if (!code) throw new MalformedReplyError('*_response has no code');
  const subCode = typeof b.sub_code === 'string' ? b.sub_code : undefined;
  const sign = full.sign;
  if (typeof sign === 'string' && sign.length > 0) {
    if (!verifyRsa2Bytes(encodeText(rawText, cs), sign, alipayPublicKey))
      throw new SignatureError('OpenAPI response signature does not verify', true);
    return { body: b, rawText, signed: true, code, ...(subCode ? { subCode } : {}) };
  }
  if (code === OPENAPI_SUCCESS_CODE) throw new SignatureError('OpenAPI success response without signature', true);
  return { body: b, rawText, signed: false, code, ...(subCode ? { subCode } : {}) };
}

// ---------------------------------------------------------------------------------------------- gateway side

export interface VerifiedOpenApiRequest {
  readonly appId: string;
  readonly method: string;
  readonly charset: Charset;
  readonly bizContent: Readonly<Record<string, unknown>>;
  readonly params: Readonly<Record<string, string>>;
}

/**
 * Gateway side: parse a form body (plus the URL query, if the client put parameters there) and verify it with
 * the app's public key.
 */
export function verifyOpenApiRequest(
  rawBody: string | Uint8Array,
  publicKeyFor: (appId: string) => KeyObject | undefined,
  rawQuery = '',
): VerifiedOpenApiRequest {
  const q = formParse(rawQuery, 'utf-8');
  const charset = normalizeCharset(q.charset ?? 'utf-8');
  const body = formParse(rawBody, charset);
  const params: Record<string, string> = { ...q, ...body };
  for (const k of Object.keys(q))
    if (k in body && body[k] !== q[k]) throw new InboundRejectedError('isv.invalid-parameter', `conflicting ${k}`);
  const { app_id: appId, method, biz_content: biz } = params;
  if (!appId) throw new InboundRejectedError('isv.missing-app-id', 'app_id missing');
  if (!method) throw new InboundRejectedError('isv.missing-method', 'method missing');
  if (params.sign_type !== 'RSA2') throw new InboundRejectedError('isv.invalid-sign-type', 'sign_type must be RSA2');
  if (!params.sign) throw new InboundRejectedError('isv.missing-signature', 'sign missing');
  const key = publicKeyFor(appId);
  if (!key) throw new InboundRejectedError('isv.invalid-app-id', 'unknown app_id');
  if (!verifyOpenApiParams(params, key, charset))
    throw new InboundRejectedError('isv.invalid-signature', 'signature does not verify');
  let bizContent: unknown = {};
  if (biz) {
    try {
      bizContent = JSON.parse(biz);
    } catch {
      throw new InboundRejectedError('isv.invalid-parameter', 'biz_content is not JSON');
    }
  }
  if (typeof bizContent !== 'object' || bizContent === null || Array.isArray(bizContent))
    throw new InboundRejectedError('isv.invalid-parameter', 'biz_content is not an object');
  return { appId, method, charset, bizContent: bizContent as Record<string, unknown>, params };
}

/**
 * Gateway side: a signed response text. The *_response JSON is serialised once and signed as that exact text.
 * Pass `sign: false` for unsigned error bodies.
 */
export function buildOpenApiResponse(
  method: string,
  response: Readonly<Record<string, unknown>>,
  privateKey: KeyObject,
  opts: { charset?: string; alipayCertSn?: string; sign?: boolean; key?: string } = {},
): string {
  const cs = normalizeCharset(opts.charset ?? 'utf-8');
  const rawText = JSON.stringify(response);
  const key = JSON.stringify(opts.key ?? responseKey(method));
  let out = `{${key}:${rawText}`;
  if (opts.sign !== false) out += `,"sign":${JSON.stringify(signRsa2Bytes(encodeText(rawText, cs), privateKey))}`;
  if (opts.alipayCertSn) out += `,"alipay_cert_sn":${JSON.stringify(opts.alipayCertSn)}`;
  return `${out}}`;
}
