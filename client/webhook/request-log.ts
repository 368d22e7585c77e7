/**
 * One log line per request, through Fastify's log controller (its "incoming request" line is dropped): what the
 * handler concluded — "notification recorded" with its outcome, "notification refused" with its reason, ... — with
 * the request's method, path (never the query string: a return page's carries Alipay's signed parameters), status
 * and time. A request whose handler concluded nothing is logged as "request completed". A route with
 * `logLevel: 'warn'` (/metrics, /healthz) logs only what is a warning or worse.
 */
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

type Level = 'info' | 'warn' | 'error';
const RANK: Record<Level, number> = { info: 0, warn: 1, error: 2 };

interface Conclusion {
  level: Level;
  msg: string;
  fields: Record<string, unknown>;
}

const conclusions = new WeakMap<FastifyRequest, Conclusion>();

/** What the request came to; a later conclusion replaces an earlier one unless that one was more severe. */
export function conclude(req: FastifyRequest, level: Level, msg: string, fields: Record<string, unknown> = {}): void {
  const earlier = conclusions.get(req);
  if (earlier && RANK[earlier.level] > RANK[level]) {
    Object.assign(earlier.fields, fields);
    return;
  }
  conclusions.set(req, { level, msg, fields: { ...earlier?.fields, ...fields } });
}

/** Fastify's request logging, one line per request. */
export class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, req: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(req)) return;
    const c =
      conclusions.get(req) ??
      (error
        ? {
            level: 'error' as const,
            msg: 'request errored',
            fields: { err: { name: error.name, message: error.message } },
          }
        : { level: 'info' as const, msg: 'request completed', fields: {} });
    reply.log[c.level](
      {
        ...c.fields,
        method: req.method,
        path: req.url.split('?', 1)[0],
        statusCode: reply.statusCode,
        responseTimeMs: Math.round(reply.elapsedTime * 10) / 10,
      },
      c.msg,
    );
  }
}
