// The page's button: POST /sandbox/pages/complete with the signed request back verbatim in the form field
// `request` (and an optional `payer`). The gateway verifies it again, so a page survives a restart and cannot be
// tampered with; the browser is then sent back to the site (a redirect, or an auto-submitting form).

import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Gateway } from '../gateway/mapi-gateway';
import type { PageCompletion } from '../gateway/outcomes';
import { dropConnection, rawBody } from './gateway-routes';
import { COMPLETE_PATH, errorHtml, returnFormHtml } from './pages-html';

/** The button's form: the signed request (required, at most `limit` characters) and the optional payer. */
interface CompleteForm {
  request: string;
  payer: string;
}

function readCompleteForm(body: string, limit: number): CompleteForm | undefined {
  const form = new URLSearchParams(body);
  const request = form.get('request') ?? '';
  if (request.length === 0 || request.length > limit) return undefined;
  return { request, payer: form.get('payer') ?? '' };
}

/** The browser's way back to the site: a redirect (GET services) or an auto-submitting form (POST services). */
export async function sendReturn(reply: FastifyReply, c: PageCompletion): Promise<void> {
  if (c.returnMethod === 'GET') {
    await reply.redirect(c.returnUrl, 302);
    return;
  }
  await reply.type(`text/html; charset=${c.charset}`).send(returnFormHtml(c.returnUrl, c.returnFields, c.charset));
}

export function registerPageCompletionRoute(app: FastifyInstance, gateway: Gateway, bodyLimit: number): void {
  app.post(COMPLETE_PATH, async (req, reply) => {
    const form = readCompleteForm(rawBody(req), bodyLimit);
    if (!form) {
      await reply
        .code(400)
        .type('text/html; charset=utf-8')
        .send(errorHtml('ILLEGAL_ARGUMENT', 'no request to complete'));
      return;
    }
    const out = await gateway.complete(form.request, form.payer ? { payerUserId: form.payer } : {});
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
}
