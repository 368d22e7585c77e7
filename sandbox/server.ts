// The HTTP server (Fastify): gateway.do (legacy gateway and its pages), the OpenAPI gateway, the page completion
// endpoint, and the control and inspection APIs under /sandbox/. Bad input is refused at the door (content-type
// parsers, body limit, route schemas); a request can never crash the server or touch the ledger unless verified.

import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { buildMapiFailureReply } from '../alipay/mapi-reply';
import type { GatewayOutcome, Gateway, PageCompletion } from './gateway';
import type { OpenApiGateway, OpenApiOutcome } from './openapi';
import { errorHtml, pageHtml, returnFormHtml, COMPLETE_PATH } from './pages';
import { registerControlRoutes, type ControlApi } from './control';
import { registerInspectionRoutes, type InspectionApi } from './inspect';

export const GATEWAY_PATH = '/gateway.do';
export const OPENAPI_PATH = '/openapi/gateway.do';

export interface ServerDeps {
  gateway: Gateway;
  openApi: OpenApiGateway;
  control: ControlApi;
  inspection: InspectionApi;
  bodyLimit: number;
  log: (line: string) => void;
}

function rawQuery(req: FastifyRequest): string {
  const url = req.raw.url ?? '';
  const q = url.indexOf('?');
  return q < 0 ? '' : url.slice(q + 1);
}

function rawBody(req: FastifyRequest): string {
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

/** The browser's way back to the site: a redirect (GET services) or an auto-submitting form (POST services). */
export async function sendReturn(reply: FastifyReply, c: PageCompletion): Promise<void> {
  if (c.returnMethod === 'GET') {
    await reply.redirect(c.returnUrl, 302);
    return;
  }
  await reply.type(`text/html; charset=${c.charset}`).send(returnFormHtml(c.returnUrl, c.returnFields, c.charset));
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

const anyQuery = { type: 'object', additionalProperties: true } as const;

export function buildServer(deps: ServerDeps): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: deps.bodyLimit,
    forceCloseConnections: true,
    return503OnClosing: true,
    // Strict schemas: no silent coercion or stripping of unknown properties.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  });

  // Forms are kept raw: the protocol library decodes them exactly once, in their declared charset.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'buffer', bodyLimit: deps.bodyLimit },
    (_req, body, done) => done(null, body),
  );

  app.setErrorHandler(async (err: Error & { statusCode?: number; code?: string }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) deps.log(`server: ${req.method} ${req.url.slice(0, 80)}: ${err.message}`);
    if (req.url.startsWith(GATEWAY_PATH)) {
      await reply
        .code(status)
        .type('text/xml; charset=utf-8')
        .send(buildMapiFailureReply(status >= 500 ? 'SYSTEM_ERROR' : 'ILLEGAL_ARGUMENT'));
      return;
    }
    await reply
      .code(status)
      .send({ error: err.code ?? (status >= 500 ? 'SYSTEM_ERROR' : 'BAD_REQUEST'), message: err.message });
  });
  app.setNotFoundHandler(async (_req, reply) => {
    await reply.code(404).send({ error: 'NOT_FOUND', message: 'no such route' });
  });

  const gatewayHandler = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const raw = req.method === 'POST' && rawBody(req).length > 0 ? rawBody(req) : rawQuery(req);
    const out = await deps.gateway.handle(raw);
    await sendGateway(req, reply, out);
  };
  app.get(GATEWAY_PATH, { schema: { querystring: anyQuery } }, gatewayHandler);
  app.post(GATEWAY_PATH, { schema: { querystring: anyQuery } }, gatewayHandler);

  const openApiHandler = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const out = await deps.openApi.handle(req.method === 'POST' ? rawBody(req) : '', rawQuery(req));
    await sendOpenApi(req, reply, out);
  };
  app.get(OPENAPI_PATH, { schema: { querystring: anyQuery } }, openApiHandler);
  app.post(OPENAPI_PATH, { schema: { querystring: anyQuery } }, openApiHandler);

  // The page's button: the signed request comes back verbatim in the form field `request`.
  app.post(COMPLETE_PATH, async (req, reply) => {
    const form = new URLSearchParams(rawBody(req));
    const request = form.get('request') ?? '';
    const payer = form.get('payer') ?? '';
    if (request.length === 0 || request.length > deps.bodyLimit) {
      await reply
        .code(400)
        .type('text/html; charset=utf-8')
        .send(errorHtml('ILLEGAL_ARGUMENT', 'no request to complete'));
      return;
    }
    const out = await deps.gateway.complete(request, payer ? { payerUserId: payer } : {});
    if (out.type === 'http') {
      await reply.code(out.status).type('text/plain; charset=utf-8').send(out.body);
      return;
    }
    if (out.type === 'refused') {
      await reply.code(400).type('text/html; charset=utf-8').send(errorHtml(out.code, out.message));
      return;
    }
    if (out.dropped) {
      dropConnection(req, reply);
      return;
    }
    await sendReturn(reply, out.completion);
  });

  registerControlRoutes(app, deps.control);
  registerInspectionRoutes(app, deps.inspection);
  return app;
}
