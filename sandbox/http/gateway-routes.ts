// The gateway endpoints: the legacy gateway (GET|POST /gateway.do, its pages included) and the OpenAPI gateway
// (GET|POST /openapi/gateway.do). The request is handed on raw (query string or form body, still URL-encoded): the
// protocol library decodes it exactly once, in its declared charset. The answer is what the gateway decided.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Gateway } from '../gateway/mapi-gateway';
import type { OpenApiGateway, OpenApiOutcome } from '../gateway/openapi-gateway';
import type { GatewayOutcome } from '../gateway/outcomes';
import { errorHtml, pageHtml } from './pages-html';

export const GATEWAY_PATH = '/gateway.do';
export const OPENAPI_PATH = '/openapi/gateway.do';

/** The query string as the client sent it (not decoded). */
export function rawQuery(req: FastifyRequest): string {
  const url = req.raw.url ?? '';
  const q = url.indexOf('?');
  return q < 0 ? '' : url.slice(q + 1);
}

/** A form body as the client sent it (server.ts keeps forms as bytes); '' for any other body. */
export function rawBody(req: FastifyRequest): string {
  const b = req.body;
  if (Buffer.isBuffer(b)) return b.toString('latin1');
  return '';
}

/** Process-then-drop: close the connection without any reply (the client cannot know the outcome). */
export function dropConnection(req: FastifyRequest, reply: FastifyReply): void {
  reply.hijack();
  req.raw.socket.destroy();
}

async function sendGateway(req: FastifyRequest, reply: FastifyReply, out: GatewayOutcome): Promise<void> {
  switch (out.type) {
    case 'drop':
      dropConnection(req, reply);
      return;
    case 'http':
      await reply.code(out.status).type('text/plain; charset=utf-8').send(out.body);
      return;
    case 'text':
      await reply.type(out.contentType).send(out.body);
      return;
    case 'xml':
      await reply.type(`text/xml; charset=${out.charset}`).send(out.body);
      return;
    case 'page':
      await reply
        .type('text/html; charset=utf-8')
        .send(pageHtml({ service: out.service, summary: out.summary, raw: out.raw, alreadyDone: out.alreadyDone }));
      return;
    case 'page-error':
      await reply
        .code(400)
        .type('text/html; charset=utf-8')
        .send(errorHtml(out.code, out.message, out.service));
      return;
  }
}

async function sendOpenApi(req: FastifyRequest, reply: FastifyReply, out: OpenApiOutcome): Promise<void> {
  if (out.type === 'drop') {
    dropConnection(req, reply);
    return;
  }
  if (out.type === 'http') {
    await reply.code(out.status).type('text/plain; charset=utf-8').send(out.body);
    return;
  }
  await reply.type(`application/json; charset=${out.charset}`).send(out.body);
}

/** Any query string: the gateway reads it raw, so the schema only says it is an object. */
const anyQuery = { type: 'object', additionalProperties: true };

export function registerGatewayRoutes(app: FastifyInstance, gateway: Gateway, openApi: OpenApiGateway): void {
  const gatewayHandler = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const raw = req.method === 'POST' && rawBody(req).length > 0 ? rawBody(req) : rawQuery(req);
    const out = await gateway.handle(raw);
    await sendGateway(req, reply, out);
  };
  app.get(GATEWAY_PATH, { schema: { querystring: anyQuery } }, gatewayHandler);
  app.post(GATEWAY_PATH, { schema: { querystring: anyQuery } }, gatewayHandler);

  const openApiHandler = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const out = await openApi.handle(req.method === 'POST' ? rawBody(req) : '', rawQuery(req));
    await sendOpenApi(req, reply, out);
  };
  app.get(OPENAPI_PATH, { schema: { querystring: anyQuery } }, openApiHandler);
  app.post(OPENAPI_PATH, { schema: { querystring: anyQuery } }, openApiHandler);
}
