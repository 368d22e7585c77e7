/** One HTTP exchange with the legacy gateway: the signed request out, the raw reply bytes back. */
import { mapiGetUrl, mapiPostForm, MalformedReplyError, type SignedMapiRequest } from '../alipay';

export async function sendMapiRequest(
  signed: SignedMapiRequest,
  gatewayUrl: string,
  timeoutMs: number,
): Promise<Buffer> {
  const init: RequestInit = { signal: AbortSignal.timeout(timeoutMs) };
  let url = gatewayUrl;
  if (signed.method === 'GET') url = mapiGetUrl(signed, gatewayUrl);
  else {
    const form = mapiPostForm(signed);
    init.method = 'POST';
    init.body = form.body;
    init.headers = { 'content-type': form.contentType };
  }
  const res = await fetch(url, init);
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status >= 500) throw new MalformedReplyError(`gateway answered HTTP ${res.status}`);
  if (res.status !== 200) throw new MalformedReplyError(`gateway answered HTTP ${res.status}`);
  return body;
}
