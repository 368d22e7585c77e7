// Synchronous XML replies of the legacy gateway (system interfaces), both sides.
//
//   failure: <alipay><is_success>F</is_success><error>CODE</error></alipay>          (no signature)
//   success: <alipay><is_success>T</is_success><request>echo</request><response>...</response>
//            <sign>...</sign><sign_type>DSA</sign_type></alipay>
//
// Decision (docs/PROTOCOL.md): the signature covers the bytes from `<response>` through `</response>` inclusive, exactly
// as received (in the request charset, tags included, no re-serialisation). `signedResponseBytes` is the ONE
// function that encodes this choice.

import { GatewayError, MalformedReplyError, SignatureError } from './core/errors';
import { classifyMapiCode } from './core/error-codes';
import type { ErrorClass } from './core/errors';
import { decodeText, encodeText, normalizeCharset, type Charset } from './charset';
import { signMapiBytes, verifyMapiBytes, type MapiSigner, type MapiVerifier } from './sign';
import { child, element, escapeXml, isObject, list, parseXmlStrict, text, type XmlObject } from './xml';

const OPEN = Buffer.from('<response>', 'latin1');
const CLOSE = Buffer.from('</response>', 'latin1');

function toBytes(body: string | Uint8Array, charset: Charset): Buffer {
  if (typeof body === 'string') return encodeText(body, charset);
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

/**
 * THE signed region of a success reply: from `<response>` through `</response>` inclusive, raw bytes.
 * Exactly one `<response>` and one `</response>` must be present (markers are ASCII and cannot occur inside a GBK
 * or UTF-8 multi-byte character).
 */
export function signedResponseBytes(raw: Uint8Array): Buffer {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const start = buf.indexOf(OPEN);
  const close = buf.indexOf(CLOSE);
  if (start < 0 || close < 0 || close < start) throw new MalformedReplyError('reply has no <response> element');
  if (buf.indexOf(OPEN, start + 1) >= 0 || buf.indexOf(CLOSE, close + 1) >= 0)
    throw new MalformedReplyError('reply has more than one <response> element');
  return buf.subarray(start, close + CLOSE.length);
}

export interface MapiReply {
  /** The request echo: `<param name="k">v</param>` entries. */
  readonly request: Readonly<Record<string, string>>;
  /** The parsed `<response>` element. */
  readonly response: XmlObject;
  /** The exact bytes that were (or must be) signed. */
  readonly signedBytes: Buffer;
  readonly sign: string;
  readonly signType: string;
}

/**
 * Read a reply without verifying it. `is_success=F` -> GatewayError with the table's class; anything not well
 * formed or not of the envelope's shape -> MalformedReplyError (transient, outcome unknown). Never returns for a
 * failure.
 */
export function readMapiReply(body: string | Uint8Array, charset: string): MapiReply {
  const cs = normalizeCharset(charset);
  let raw: Buffer;
  let textBody: string;
  try {
    raw = toBytes(body, cs);
    textBody = decodeText(raw, cs);
  } catch {
    throw new MalformedReplyError(`reply is not valid ${cs}`);
  }
  const doc = parseXmlStrict(textBody, 'reply');
  const keys = Object.keys(doc);
  if (keys.length !== 1 || keys[0] !== 'alipay') throw new MalformedReplyError('reply root must be <alipay>');
  const root = child(doc, 'alipay', 'reply');
  const isSuccess = root.is_success;
  if (isSuccess === 'F') {
    const code = root.error;
    if (typeof code !== 'string' || !/^[A-Za-z0-9_.]{1,64}$/.test(code))
      throw new MalformedReplyError('failure reply without a readable <error> code');
    const { errorClass, known } = classifyMapiCode(code);
    throw new GatewayError(code, errorClass, known);
  }
  if (isSuccess !== 'T') throw new MalformedReplyError('reply has no <is_success>T|F</is_success>');
  const response = child(root, 'response', 'reply');
  // The request echo is informational and unsigned: read it when it is a list of <param>, ignore it otherwise.
  const requestNode = isObject(root.request) ? root.request : undefined;
  const request: Record<string, string> = {};
  if (requestNode) {
    for (const p of list(requestNode, 'param', 'reply <request>')) {
      const name = p['@_name'];
      const value = p['#text'] ?? '';
      if (typeof name === 'string' && typeof value === 'string') request[name] = value;
    }
  }
  const sign = root.sign;
  const signType = root.sign_type;
  if (typeof sign !== 'string' || sign.length === 0 || typeof signType !== 'string')
    throw new MalformedReplyError('success reply without <sign> / <sign_type>');
  return { request, response, signedBytes: signedResponseBytes(raw), sign: sign.replace(/\s+/g, ''), signType };
}

/** Verify a read reply; a bad signature is a SignatureError with outcomeUnknown (the call may have run). */
export function verifyMapiReply(reply: MapiReply, verifier: MapiVerifier, charset: string): MapiReply {
  if (reply.signType !== verifier.signType)
    throw new SignatureError(`reply sign_type ${reply.signType.slice(0, 8)} is not ${verifier.signType}`, true);
  if (!verifyMapiBytes(reply.signedBytes, reply.sign, verifier, normalizeCharset(charset)))
    throw new SignatureError('reply signature does not verify', true);
  return reply;
}

/** Read and verify a sync reply (client side). */
export function parseMapiReply(body: string | Uint8Array, charset: string, verifier: MapiVerifier): MapiReply {
  return verifyMapiReply(readMapiReply(body, charset), verifier, charset);
}

// ---------------------------------------------------------------------------------------------- typed replies

export interface ConfirmByPlatformReply {
  readonly outerTaskId: string;
}

/** confirm.by.platform: `<response><task_info><outer_task_id>..</outer_task_id></task_info></response>`. */
export function readConfirmByPlatformResponse(response: XmlObject): ConfirmByPlatformReply {
  return {
    outerTaskId: text(
      child(response, 'task_info', 'confirm.by.platform reply'),
      'outer_task_id',
      'confirm.by.platform reply',
    ),
  };
}

export interface CancelSuccess {
  readonly outerTransferNo: string;
  readonly transferStatus: string;
}
export interface CancelFailure {
  readonly outerTransferNo: string;
  readonly errorCode: string;
  readonly errorClass: ErrorClass;
}
export interface CancelConfirmReply {
  readonly outerTaskId: string;
  readonly succeeded: readonly CancelSuccess[];
  readonly failed: readonly CancelFailure[];
}

/** cancel.confirm.by.platform: per-transfer success_list / failure_list. */
export function readCancelConfirmResponse(response: XmlObject): CancelConfirmReply {
  const what = 'cancel.confirm.by.platform reply';
  const successList = response.success_list === undefined ? {} : child(response, 'success_list', what);
  const failureList = response.failure_list === undefined ? {} : child(response, 'failure_list', what);
  return {
    outerTaskId: text(response, 'outer_task_id', what),
    succeeded: list(successList, 'transfer_detail', what).map((d) => ({
      outerTransferNo: text(d, 'outer_transfer_no', what),
      transferStatus: text(d, 'transfer_status', what),
    })),
    failed: list(failureList, 'transfer_detail', what).map((d) => {
      const errorCode = text(d, 'error_code', what);
      return {
        outerTransferNo: text(d, 'outer_transfer_no', what),
        errorCode,
        errorClass: classifyMapiCode(errorCode).errorClass,
      };
    }),
  };
}

export function parseConfirmByPlatformReply(
  body: string | Uint8Array,
  charset: string,
  verifier: MapiVerifier,
): ConfirmByPlatformReply {
  return readConfirmByPlatformResponse(parseMapiReply(body, charset, verifier).response);
}

export function parseCancelConfirmReply(
  body: string | Uint8Array,
  charset: string,
  verifier: MapiVerifier,
): CancelConfirmReply {
  return readCancelConfirmResponse(parseMapiReply(body, charset, verifier).response);
}

// ---------------------------------------------------------------------------------------------- gateway side

/** The `<response>` element of a confirm.by.platform success. */
export function confirmByPlatformResponseXml(reply: ConfirmByPlatformReply): string {
  return element('response', [['task_info', [['outer_task_id', reply.outerTaskId]]]]);
}

/** The `<response>` element of a cancel.confirm.by.platform reply. */
export function cancelConfirmResponseXml(reply: {
  outerTaskId: string;
  succeeded: readonly CancelSuccess[];
  failed: ReadonlyArray<{ outerTransferNo: string; errorCode: string }>;
}): string {
  return element('response', [
    ['outer_task_id', reply.outerTaskId],
    [
      'success_list',
      reply.succeeded.map(
        (s) =>
          [
            'transfer_detail',
            [
              ['outer_transfer_no', s.outerTransferNo],
              ['transfer_status', s.transferStatus],
            ],
          ] as const,
      ),
    ],
    [
      'failure_list',
      reply.failed.map(
        (f) =>
          [
            'transfer_detail',
            [
              ['outer_transfer_no', f.outerTransferNo],
              ['error_code', f.errorCode],
            ],
          ] as const,
      ),
    ],
  ]);
}

function xmlDeclaration(charset: Charset): string {
  return `<?xml version="1.0" encoding="${charset === 'utf-8' ? 'utf-8' : charset.toUpperCase()}"?>`;
}

/**
 * Build a signed success reply (gateway side). `responseXml` is the complete `<response>...</response>` element;
 * the signature is computed over exactly its bytes in the charset. The request echo omits `sign`.
 */
export function buildMapiSuccessReply(opts: {
  request: Readonly<Record<string, string>>;
  responseXml: string;
  signer: MapiSigner;
  charset: string;
}): Buffer {
  const cs = normalizeCharset(opts.charset);
  if (!opts.responseXml.startsWith('<response>') || !opts.responseXml.endsWith('</response>'))
    throw new MalformedReplyError('responseXml must be a <response> element');
  const sign = signMapiBytes(encodeText(opts.responseXml, cs), opts.signer, cs);
  const echo = Object.entries(opts.request)
    .filter(([k]) => k !== 'sign')
    .map(([k, v]) => `<param name="${escapeXml(k)}">${escapeXml(v)}</param>`)
    .join('');
  const xml = `${xmlDeclaration(cs)}<alipay><is_success>T</is_success><request>${echo}</request>${opts.responseXml}${element('sign', sign)}${element('sign_type', opts.signer.signType)}</alipay>`;
  return encodeText(xml, cs);
}

/** Build a failure reply (unsigned, as the gateway does). */
export function buildMapiFailureReply(code: string, charset: string = 'utf-8'): Buffer {
  const cs = normalizeCharset(charset);
  return encodeText(`${xmlDeclaration(cs)}<alipay><is_success>F</is_success>${element('error', code)}</alipay>`, cs);
}
