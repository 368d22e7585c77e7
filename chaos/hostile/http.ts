/**
 * Raw HTTP for hostile input: the path (query string included) and the body go out byte for byte, as a client
 * that does not follow the rules would send them (no URL normalisation, raw non-ASCII bytes, any content type).
 */
import { Agent, request } from 'node:http';

export interface Answer {
  status: number;
  body: string;
}

/** A connection the server closed or reset without an answer. */
export class NoAnswerError extends Error {
  override name = 'NoAnswerError';
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

/** Characters a request line cannot carry as they are: sent percent-encoded (UTF-8); latin-1 goes out raw. */
export function requestPath(path: string): string {
  let out = '';
  for (const ch of path) {
    const c = ch.codePointAt(0)!;
    out +=
      c <= 0x20 || c > 0xff
        ? [...Buffer.from(ch, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')
        : ch;
  }
  return out;
}

export async function send(
  base: string,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: Buffer,
  contentType?: string,
): Promise<Answer> {
  try {
    return await sendOnce(base, method, path, body, contentType);
  } catch (err) {
    // a kept-alive socket the server closed meanwhile (after a 413, say): node's advice is to send again, once
    if ((err as { reused?: boolean }).reused) return sendOnce(base, method, path, body, contentType);
    throw err;
  }
}

function sendOnce(
  base: string,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: Buffer,
  contentType?: string,
): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    let req;
    try {
      req = request({
        agent,
        host: url.hostname,
        port: url.port,
        method,
        path: requestPath(path),
        headers: {
          ...(contentType !== undefined ? { 'content-type': contentType } : {}),
          ...(body !== undefined ? { 'content-length': String(body.length) } : {}),
        },
      });
    } catch (err) {
      reject(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    req.setTimeout(30_000, () => req.destroy(new NoAnswerError('no answer within 30 s')));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('latin1') }));
      res.on('error', (err) => reject(new NoAnswerError(err.message)));
    });
    req.on('error', (err) => {
      const e = new NoAnswerError(err.message);
      if (req.reusedSocket && (err as { code?: string }).code === 'ECONNRESET') Object.assign(e, { reused: true });
      reject(e);
    });
    req.end(body);
  });
}

export function closeConnections(): void {
  agent.destroy();
}
