// notify_verify: the site asks the gateway whether a notification is genuine and current.
//   request:  GET gateway?service=notify_verify&partner=2088...&notify_id=...   (unsigned, as classic Alipay)
//   answer:   the text "true" or "false" (text/plain); anything else is an unreadable reply (transient).

import { InboundRejectedError, MalformedReplyError } from './core/errors';
import { PARTNER_ID_PATTERN } from './core/fields';
import { formParse, formSerialize } from './form';

export const NOTIFY_VERIFY_SERVICE = 'notify_verify';

/** Client side: the GET URL to ask. */
export function notifyVerifyUrl(gatewayUrl: string, partner: string, notifyId: string): string {
  if (!PARTNER_ID_PATTERN.test(partner))
    throw new InboundRejectedError('ILLEGAL_PARTNER', 'partner must be 2088 followed by 12 digits');
  const query = formSerialize({ service: NOTIFY_VERIFY_SERVICE, partner, notify_id: notifyId }, 'utf-8');
  return `${gatewayUrl}${gatewayUrl.includes('?') ? '&' : '?'}${query}`;
}

/** Client side: read the answer. true / false, or MalformedReplyError (retry; never treated as true). */
export function parseNotifyVerifyAnswer(body: string | Uint8Array): boolean {
  const text = (typeof body === 'string' ? body : Buffer.from(body).toString('latin1')).trim();
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw new MalformedReplyError('notify_verify answer is neither "true" nor "false"');
}

/** Gateway side: read a notify_verify request (query string). */
export function readNotifyVerifyRequest(rawQuery: string): { partner: string; notifyId: string } {
  const p = formParse(rawQuery, 'utf-8');
  if (p.service !== NOTIFY_VERIFY_SERVICE) throw new InboundRejectedError('ILLEGAL_SERVICE', 'not notify_verify');
  if (!p.partner || !PARTNER_ID_PATTERN.test(p.partner))
    throw new InboundRejectedError('ILLEGAL_PARTNER', 'partner missing or malformed');
  if (!p.notify_id) throw new InboundRejectedError('ILLEGAL_ARGUMENT', 'notify_id missing');
  return { partner: p.partner, notifyId: p.notify_id };
}

/** Gateway side: the answer body. */
export function notifyVerifyAnswer(genuine: boolean): { body: string; contentType: string } {
  return { body: genuine ? 'true' : 'false', contentType: 'text/plain; charset=utf-8' };
}
