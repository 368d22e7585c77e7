// One HTTP POST as Alipay's servers (and a browser following a return form) make it: no redirects, no keep-alive,
// the answer read up to 64 KiB. Used for notifications and for followReturn.

import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface PostResult {
  status?: number;
  body?: string;
  error?: string;
}

/** POST a body and read the answer (no redirects, no keep-alive). */
export function postBody(url: string, body: Buffer, contentType: string, timeoutMs: number): Promise<PostResult> {
  return new Promise((resolve) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      resolve({ error: 'invalid notify_url' });
      return;
    }
    const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      u,
      {
        method: 'POST',
        agent: false,
        headers: {
          'content-type': contentType,
          'content-length': body.length,
          connection: 'close',
          'user-agent': 'alipay-sandbox-notifier',
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= 64 * 1024) chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (err) => resolve({ status: res.statusCode ?? 0, error: err.message }));
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => resolve({ error: err.message }));
    req.end(body);
  });
}
