/**
 * The codec server of Temporal's remote codec protocol, for the Web UI and the Temporal CLI (`--codec-endpoint`):
 *   POST /decode, POST /encode   body {"payloads": [{"metadata": {"<key>": "<base64>"}, "data": "<base64>"}]},
 *                                answered in the same shape; header X-Namespace (the UI's namespace, logged)
 *   GET /healthz                 {"status": "ok"}
 * Browsers: only the configured origins (the Web UI's) are answered, preflight (OPTIONS) included; any other
 * origin gets 403. A request without an Origin header (the CLI, curl) is no browser's and passes. With a token
 * configured every /decode and /encode needs `Authorization: Bearer <token>` (else 401). A malformed request is a
 * 4xx with a JSON {"error": "..."} naming what is wrong, never a 500; a payload that cannot be decrypted (a key
 * that is not loaded, changed bytes) is a 422 naming the payload and its key id.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { jsonToPayload, payloadToJson, type JsonPayload } from './json-payloads';

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Origins whose browsers may call it (e.g. http://localhost:8233, the Web UI); exact matches. */
  allowedOrigins: readonly string[];
  /** When set, /decode and /encode need `Authorization: Bearer <token>`. */
  token?: string;
  /** pino-style logger options (JSON lines; bodies are never logged); false to silence. */
  logger?: boolean | { level: string };
  /** Largest accepted body, bytes (default 8 MiB: a page of history events). */
  bodyLimit?: number;
}

const ALLOWED_HEADERS = 'Content-Type, X-Namespace, Authorization, Authorization-Extras';
const MAX_PAYLOADS = 10_000;

class RequestError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

export function buildCodecServer(opts: CodecServerOptions): FastifyInstance {
  const app = Fastify({ logger: opts.logger ?? false, bodyLimit: opts.bodyLimit ?? 8 * 1024 * 1024 });
  const origins = new Set(opts.allowedOrigins);
  const tokenDigest = opts.token === undefined ? undefined : digest(opts.token);

  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    req.log.warn({ err: { name: err.name, message: err.message }, status }, 'request refused');
    void reply.code(status).send({ error: status === 500 ? 'internal error' : err.message });
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ error: `no ${req.method} ${req.url.split('?')[0]} here: POST /decode or /encode` });
  });

  app.addHook('onRequest', async (req, reply) => {
    const origin = req.headers.origin;
    if (origin !== undefined) {
      if (!origins.has(origin))
        return reply.code(403).send({ error: `origin ${origin} is not allowed (allowed: ${[...origins].join(', ')})` });
      void reply.header('Access-Control-Allow-Origin', origin);
      void reply.header('Access-Control-Allow-Credentials', 'true');
      void reply.header('Vary', 'Origin');
    }
    if (req.method === 'OPTIONS') {
      void reply.header('Access-Control-Allow-Methods', 'POST, GET, OPTIONS');
      void reply.header('Access-Control-Allow-Headers', ALLOWED_HEADERS);
      void reply.header('Access-Control-Max-Age', '600');
      return reply.code(204).send();
    }
    if (tokenDigest && req.url !== '/healthz' && !bearerMatches(req, tokenDigest)) {
      void reply.header('WWW-Authenticate', 'Bearer');
      return reply.code(401).send({ error: 'a bearer token is required (Authorization: Bearer <WITKEY_CODEC_TOKEN>)' });
    }
  });

  const route = (name: 'encode' | 'decode') => async (req: FastifyRequest, reply: FastifyReply) => {
    const json = payloadsOf(req.body);
    const payloads = json.map((p, i) => jsonToPayload(p, `payloads[${i}]`));
    let result: Payload[];
    try {
      result = await opts.codec[name](payloads);
    } catch (err) {
      throw new RequestError(422, `cannot ${name}: ${(err as Error).message}`);
    }
    req.log.info({ namespace: req.headers['x-namespace'], payloads: result.length }, name);
    // a payload the codec left as it was goes back exactly as it came
    return reply.send({ payloads: result.map((p, i) => (p === payloads[i] ? json[i] : payloadToJson(p))) });
  };
  app.post('/decode', route('decode'));
  app.post('/encode', route('encode'));
  app.get('/healthz', async () => ({ status: 'ok' }));
  return app;
}

/** The payloads of a request body; a body of another shape is a 400 that says what was expected. */
function payloadsOf(body: unknown): JsonPayload[] {
  const payloads = (body as { payloads?: unknown } | null)?.payloads;
  if (typeof body !== 'object' || body === null || !Array.isArray(payloads))
    throw new RequestError(400, 'the body must be JSON {"payloads": [...]}');
  if (payloads.length > MAX_PAYLOADS)
    throw new RequestError(400, `at most ${MAX_PAYLOADS} payloads per request, got ${payloads.length}`);
  return payloads as JsonPayload[];
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

function bearerMatches(req: FastifyRequest, expected: Buffer): boolean {
  const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
  return m !== null && timingSafeEqual(digest(m[1]), expected);
}

export interface RunningCodecServer {
  /** The endpoint to give the Web UI (`--ui-codec-endpoint`, `codec.endpoint`) or the CLI (`--codec-endpoint`). */
  url: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

/** Builds the codec server and listens on host:port (0: a free port). */
export async function startCodecServer(
  opts: CodecServerOptions & { host: string; port: number },
): Promise<RunningCodecServer> {
  const app = buildCodecServer(opts);
  await app.listen({ host: opts.host, port: opts.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return { url: `http://${host}:${port}`, app, close: () => app.close() };
}
