/** The hash of what a request asks for (its business parameters, canonically ordered; no signature, no keys). */
import { createHash } from 'node:crypto';
import { mapiSigningString, type MapiBusinessRequest } from '../alipay';

export function requestHash(request: MapiBusinessRequest): string {
  return createHash('sha256')
    .update(`${request.service}?${mapiSigningString(request.params)}`, 'utf8')
    .digest('hex');
}
