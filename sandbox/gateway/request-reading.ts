// Reading a gateway.do request as Alipay does (docs/PROTOCOL.md §3.4 Gateway-side request checks): the protocol
// library verifies charset, partner, signature and business parameters; this file maps what it refuses to the
// gateway's error codes and says which services are page interfaces.

import type { Charset } from '../../alipay/charset';
import { AlipayError, InboundRejectedError } from '../../alipay/core/errors';
import { isServiceName, readWitkeyRequest, type AnyWitkeyRequest } from '../../alipay/core/services';
import { declaredCharset } from '../../alipay/form';
import { verifyMapiRequest, type VerifiedMapiRequest } from '../../alipay/mapi-request';
import type { MapiVerifier } from '../../alipay/sign';
import { ConservationError } from '../books/conservation';
import { requestFingerprint } from '../runtime/business-numbers';
import type { PageMeta } from '../services/operation';
import { GatewayRefusal } from '../services/refusal';

/** The services a browser visits (a page with a button) rather than a server calls. */
export const PAGE_SERVICES = new Set([
  'alipay.witkey.task.create',
  'alipay.witkey.task.amount.append',
  'alipay.witkey.task.confirm',
  'alipay.witkey.task.left.amount.handle',
]);

export interface ReadRequest {
  req: VerifiedMapiRequest;
  read: AnyWitkeyRequest | undefined;
}

/** Verify a raw request and read its business parameters; throws the library's refusal. */
export function readRequest(
  raw: string,
  verifierFor: (partner: string, signType: string) => MapiVerifier | undefined,
): ReadRequest {
  const req = verifyMapiRequest(raw, verifierFor);
  if (!isServiceName(req.service))
    throw new InboundRejectedError('ILLEGAL_SERVICE', `unknown service ${req.service.slice(0, 80)}`);
  return { req, read: readWitkeyRequest(req.service, req.business) };
}

/** Map a refusal (the library's or a service's) to the gateway's code. */
export function codeOf(err: unknown): { code: string; message: string } {
  if (err instanceof GatewayRefusal) return { code: err.code, message: err.message };
  if (err instanceof InboundRejectedError) return { code: err.code, message: err.message };
  if (err instanceof AlipayError) return { code: 'ILLEGAL_ARGUMENT', message: err.message };
  if (err instanceof ConservationError) return { code: 'SYSTEM_ERROR', message: err.message };
  return { code: 'SYSTEM_ERROR', message: (err as Error)?.message ?? String(err) };
}

/** The declared charset of a raw request, utf-8 when it cannot be read (the failure reply still needs one). */
export function charsetOf(raw: string): Charset {
  try {
    return declaredCharset(raw);
  } catch {
    return 'utf-8';
  }
}

/** How a page interface was requested: partner, charset, sign type and the fingerprint of the whole request. */
export function pageMeta(req: VerifiedMapiRequest): PageMeta {
  return {
    partner: req.partner,
    charset: req.charset,
    signType: req.signType,
    requestHash: requestFingerprint(req.service, req.partner, req.business),
  };
}

/** The wall-clock wait of an injected delay fault. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
