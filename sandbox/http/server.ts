// The HTTP server (Fastify): the gateway endpoints, the page completion endpoint, and the control and inspection
// APIs under /sandbox/. Bad input is refused at the door (content-type parsers, body limit, route schemas); a request
// can never crash the server or touch the books unless verified.

import Fastify, { type FastifyInstance } from 'fastify';
import { buildMapiFailureReply } from '../../alipay/mapi-reply';
import type { Gateway } from '../gateway/mapi-gateway';
import type { OpenApiGateway } from '../gateway/openapi-gateway';
import type { SandboxLog } from '../runtime/log';
import { registerControlRoutes, type ControlApi } from './control-routes';
import { GATEWAY_PATH, registerGatewayRoutes } from './gateway-routes';
import { registerInspectionRoutes, type InspectionApi } from './inspection-routes';
import { registerPageCompletionRoute } from './page-routes';

export interface ServerDeps {
  gateway: Gateway;
  openApi: OpenApiGateway;
  control: ControlApi;
  inspection: InspectionApi;
  bodyLimit: number;
  log: SandboxLog;
}

/** Where things are, for anyone who opens the sandbox's root (or any unknown path) in a browser. */
export const NOT_FOUND_MESSAGE =
  `no such route; the gateway is ${GATEWAY_PATH}, the control and inspection API is under /sandbox/ ` +
  '(e.g. GET /sandbox/ledger, /sandbox/tasks, /sandbox/notifications; docs/SANDBOX.md lists them)';

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
    await reply.code(404).send({ error: 'NOT_FOUND', message: NOT_FOUND_MESSAGE });
  });

  registerGatewayRoutes(app, deps.gateway, deps.openApi);
  registerPageCompletionRoute(app, deps.gateway, deps.bodyLimit);
  registerControlRoutes(app, deps.control);
  registerInspectionRoutes(app, deps.inspection);
  return app;
}
