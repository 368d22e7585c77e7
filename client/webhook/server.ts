/**
 * The webhook a site runs for Alipay: async notifications (POST /alipay/notify), the browser's return pages
 * (GET and POST /alipay/return), and a health check. Verify at the door, deliver durably, then answer:
 *   - malformed, forged, wrong partner, or refused by notify_verify → 4xx `fail`, nothing changes;
 *   - delivered (or a duplicate of a closed task, or recorded for an operator) → 200 `success`;
 *   - Temporal unreachable → 503 `fail`, so Alipay resends.
 * Bodies are read raw and decoded exactly once, in the configured charset. No stack traces reach the caller.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { TRACER_NAME } from '../../tracing';
import {
  AlipayError,
  formParse,
  MalformedReplyError,
  notifyVerifyUrl,
  parseNotifyVerifyAnswer,
  SignatureError,
  verifyNotificationBody,
  verifyReturnCallback,
  type InboundOptions,
  type NotifyEvent,
} from '../../alipay';
import {
  pageRefusedSignal,
  returnNotifyId,
  taskWorkflowId,
  type PageRefusal,
  type TaskNotification,
} from '../../workflows/messages';
import { deliverNotification, type Delivery } from './deliver';
import { createWebhookMetrics, type MetricsOptions, type RefusalReason } from './metrics';
import { refusedStepPage, returnPage } from './pages';
import { conclude, OneLinePerRequest } from './request-log';

/** The parameters this site puts in its own return_url (activities/pages.ts): not Alipay's, not signed. */
const RETURN_SITE_PARAMS = ['service'];

export interface WebhookOptions {
  client: Client;
  taskQueue: string;
  inbound: InboundOptions;
  /** Ask the gateway's notify_verify before accepting a notification (ALIPAY_NOTIFY_VERIFY). */
  notifyVerify?: { gatewayUrl: string; partner: string; timeoutMs: number };
  /** Largest accepted body, bytes. */
  bodyLimit?: number;
  /**
   * The logger: a pino logger (the process's one logger, JSON lines), or pino options for Fastify's own; false to
   * silence. Every line about a task carries its `outerTaskId`.
   */
  logger?: boolean | { level: string; file?: string } | FastifyBaseLogger;
  /** GET /metrics (Prometheus): the notifications' counters and the task counts through visibility. */
  metrics?: MetricsOptions;
  /** For /healthz: whether the worker is polling (omitted: not checked). */
  workerPolling?: () => Promise<boolean>;
  /** Temporal unreachable: answer 503 within this bound, ms (default 10 s; Alipay waits longer than that). */
  deliveryDeadlineMs?: number;
  /** Spans of the notifications (default: the process's global tracer, a no-op unless tracing is started). */
  tracer?: Tracer;
}

const FAIL = 'fail';
/** Temporal unreachable: answer 503 within this bound (the client's gRPC retries would otherwise hold Alipay's request ~40 s). */
const DEFAULT_DELIVERY_DEADLINE_MS = 10_000;

export function buildWebhook(opts: WebhookOptions): FastifyInstance {
  const deliveryDeadlineMs = opts.deliveryDeadlineMs ?? DEFAULT_DELIVERY_DEADLINE_MS;
  const tracer = opts.tracer ?? trace.getTracer(TRACER_NAME);
  const logger = opts.logger ?? { level: 'info' };
  const app = Fastify({
    ...(isLogger(logger) ? { loggerInstance: logger } : { logger }),
    bodyLimit: opts.bodyLimit ?? 64 * 1024,
    logController: new OneLinePerRequest(),
  });
  const metrics = createWebhookMetrics(opts.client, opts.metrics);
  const NOTIFY_PATH = '/alipay/notify';
  app.addHook('onRequest', async (req) => {
    if (req.method === 'POST' && req.routeOptions.url === NOTIFY_PATH) metrics.received();
  });
  // raw bytes: decoded once, by the protocol library, in the declared charset
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (_req, body, done) =>
    done(null, body),
  );
  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (req.routeOptions.url === NOTIFY_PATH)
      metrics.refused(status === 413 ? 'oversize' : status < 500 ? 'malformed' : 'internal_error');
    conclude(req, 'warn', 'request refused', { err: { name: err.name, message: err.message } });
    void reply.code(status).type('text/plain').send(FAIL);
  });

  async function notifyVerified(notifyId: string): Promise<boolean> {
    const nv = opts.notifyVerify;
    if (!nv) return true;
    const res = await fetch(notifyVerifyUrl(nv.gatewayUrl, nv.partner, notifyId), {
      signal: AbortSignal.timeout(nv.timeoutMs),
    });
    return parseNotifyVerifyAnswer(new Uint8Array(await res.arrayBuffer()));
  }

  const refuse = (reply: FastifyReply, status: number, reason: RefusalReason) => {
    metrics.refused(reason);
    trace.getActiveSpan()?.setAttribute('witkey.refusal_reason', reason);
    return reply.code(status).type('text/plain').send(FAIL);
  };

  /** One span per notification (SERVER): the client's signal and the workflow's handling continue its trace. */
  app.post(NOTIFY_PATH, (req, reply) =>
    tracer.startActiveSpan(
      'alipay notification',
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'POST', 'url.path': NOTIFY_PATH } },
      async (span) => {
        try {
          return await onNotification(req, reply);
        } finally {
          span.setAttribute('http.response.status_code', reply.statusCode);
          if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
        }
      },
    ),
  );

  const onNotification = async (req: FastifyRequest, reply: FastifyReply) => {
    const raw = req.body;
    if (!Buffer.isBuffer(raw)) return refuse(reply, 415, 'malformed');
    let notification: TaskNotification;
    try {
      const verified = verifyNotificationBody(raw, opts.inbound);
      notification = {
        notifyId: verified.notifyId,
        notifyTime: verified.notifyTime,
        via: 'notify',
        event: verified.event,
      };
    } catch (err) {
      const reason = refusalReason(err, raw, opts.inbound);
      conclude(req, 'warn', 'notification refused', { refused: describe(err), reason });
      return refuse(reply, 400, reason);
    }
    aboutTask(req, reply, {
      outerTaskId: notification.event.outerTaskId,
      notifyId: notification.notifyId,
      notifyType: notification.event.type,
    });
    trace.getActiveSpan()?.setAttributes({
      'witkey.outer_task_id': notification.event.outerTaskId,
      'alipay.notify_id': notification.notifyId,
      'alipay.notify_type': notification.event.type,
    });
    try {
      if (!(await notifyVerified(notification.notifyId))) {
        conclude(req, 'warn', 'notify_verify answered false');
        return refuse(reply, 403, 'notify_verify_refused');
      }
    } catch (err) {
      conclude(req, 'warn', 'notify_verify unavailable', { err: describe(err) });
      return refuse(reply, 503, 'notify_verify_unavailable');
    }
    metrics.verified();
    const started = performance.now();
    let outcome: Delivery | undefined;
    try {
      outcome = await opts.client.withDeadline(Date.now() + deliveryDeadlineMs, () =>
        deliverNotification(opts.client, opts.taskQueue, notification),
      );
    } catch (err) {
      conclude(req, 'error', 'notification not recorded: Temporal unavailable', { err: describe(err) });
      metrics.delivery((performance.now() - started) / 1000, undefined);
      return refuse(reply, 503, 'temporal_unavailable');
    }
    metrics.delivery((performance.now() - started) / 1000, outcome);
    trace.getActiveSpan()?.setAttribute('witkey.delivery', outcome);
    conclude(req, 'info', 'notification recorded', { outcome });
    return reply.code(200).type('text/plain').send('success');
  };

  /**
   * A verified return on which Alipay refused the step: delivered to the task (pageRefused: an attention item for an
   * operator); a task that does not exist or is closed cannot take it, which is logged. The browser is told either way.
   */
  const onRefusal = async (
    req: FastifyRequest,
    reply: FastifyReply,
    refusal: Omit<PageRefusal, 'outerTaskId'> & { outerTaskId?: string },
  ) => {
    aboutTask(req, reply, {
      outerTaskId: refusal.outerTaskId,
      via: 'return',
      service: refusal.service,
      errorCode: refusal.errorCode,
    });
    if (refusal.outerTaskId === undefined) {
      conclude(req, 'warn', 'refused page without outer_task_id: nothing to record');
      return {
        status: 200,
        page: refusedStepPage(
          refusal.service,
          refusal.errorCode,
          'Alipay did not say which task it was about; ask the site for a new page.',
        ),
      };
    }
    const delivered: PageRefusal = { ...refusal, outerTaskId: refusal.outerTaskId };
    try {
      await opts.client.withDeadline(Date.now() + deliveryDeadlineMs, () =>
        opts.client.workflow.getHandle(taskWorkflowId(delivered.outerTaskId)).signal(pageRefusedSignal, delivered),
      );
      conclude(req, 'info', 'page refusal recorded');
      return {
        status: 200,
        page: refusedStepPage(
          refusal.service,
          refusal.errorCode,
          "The task's operators have been told; ask them for a new page.",
        ),
      };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        conclude(req, 'warn', 'page refusal for no open task: nothing to record');
        return {
          status: 200,
          page: refusedStepPage(
            refusal.service,
            refusal.errorCode,
            `The site has no open task ${delivered.outerTaskId}: nothing else to do.`,
          ),
        };
      }
      conclude(req, 'error', 'page refusal not recorded: Temporal unavailable', { err: describe(err) });
      return {
        status: 503,
        page: refusedStepPage(
          refusal.service,
          refusal.errorCode,
          'The site could not record it right now; tell its operators.',
        ),
      };
    }
  };

  const onReturn = async (req: FastifyRequest, reply: FastifyReply, raw: string | Buffer, service: string) => {
    let event: NotifyEvent | undefined;
    try {
      const result = verifyReturnCallback(service, raw, opts.inbound, { siteParams: RETURN_SITE_PARAMS });
      if (!result.isSuccess)
        return await onRefusal(req, reply, {
          service,
          errorCode: result.errorCode,
          references: [],
          atMs: Date.now(),
          ...(result.outerTaskId ? { outerTaskId: result.outerTaskId } : {}),
        });
      event = result.event;
    } catch (err) {
      conclude(req, 'warn', 'return refused', { refused: describe(err) });
      return { status: 400, page: returnPage('refused', 'This page could not be verified as coming from Alipay.') };
    }
    aboutTask(req, reply, { outerTaskId: event.outerTaskId, via: 'return', service });
    try {
      await opts.client.withDeadline(Date.now() + deliveryDeadlineMs, () =>
        deliverNotification(opts.client, opts.taskQueue, { notifyId: returnNotifyId(event), via: 'return', event }),
      );
      conclude(req, 'info', 'return recorded');
      const done =
        event.type === 'task_freeze'
          ? 'The bounty is frozen. You can close this page.'
          : 'Alipay accepted the request; the result follows by notification.';
      return { status: 200, page: returnPage(event.type === 'task_freeze' ? 'paid' : 'pending', done) };
    } catch (err) {
      conclude(req, 'error', 'return not recorded', { err: describe(err) });
      return {
        status: 503,
        page: returnPage(
          'pending',
          'Your payment is being processed; the result will follow. You can close this page.',
        ),
      };
    }
  };

  app.get('/alipay/return', async (req, reply) => {
    const url = req.raw.url ?? '';
    const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
    const service = new URLSearchParams(query).get('service') ?? 'alipay.witkey.task.create';
    const { status, page } = await onReturn(req, reply, query, service);
    return reply.code(status).type('text/html; charset=utf-8').send(page);
  });

  app.post('/alipay/return', async (req, reply) => {
    const url = req.raw.url ?? '';
    const service =
      new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '').get('service') ??
      'alipay.witkey.task.left.amount.handle';
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const { status, page } = await onReturn(req, reply, raw, service);
    return reply.code(status).type('text/html; charset=utf-8').send(page);
  });

  // scraped and probed every few seconds: their requests are not logged
  app.get('/metrics', { logLevel: 'warn' }, async (_req, reply) => {
    const text = await metrics.registry.metrics();
    return reply.code(200).type(metrics.registry.contentType).send(text);
  });

  app.get('/healthz', { logLevel: 'warn' }, async (_req, reply) => {
    const checks: Record<string, boolean> = {};
    try {
      await opts.client.withDeadline(Date.now() + 3_000, () => opts.client.workflowService.getSystemInfo({}));
      checks.temporal = true;
    } catch {
      checks.temporal = false;
    }
    if (opts.workerPolling) checks.workerPolling = await opts.workerPolling().catch(() => false);
    const healthy = Object.values(checks).every(Boolean);
    return reply.code(healthy ? 200 : 503).send({ status: healthy ? 'ok' : 'unhealthy', checks });
  });

  return app;
}

function isLogger(l: WebhookOptions['logger']): l is FastifyBaseLogger {
  return typeof l === 'object' && typeof (l as Partial<FastifyBaseLogger>).child === 'function';
}

/**
 * The request's logger from now on, with what is known of the task: the request's line (request-log.ts) carries
 * `outerTaskId`.
 */
function aboutTask(req: FastifyRequest, reply: FastifyReply, fields: Record<string, unknown>): void {
  const log = req.log.child(fields);
  req.log = log;
  reply.log = log; // the request's line is written through the reply's logger
}

/** Which refusal a verification error is (the label of witkey_notifications_refused_total). */
export function refusalReason(err: unknown, raw: Buffer, inbound: InboundOptions): RefusalReason {
  if (err instanceof SignatureError) {
    let signType: string | undefined;
    try {
      signType = formParse(raw, inbound.charset).sign_type;
    } catch {
      signType = undefined;
    }
    return signType === inbound.verifier.signType ? 'bad_signature' : 'unknown_sign_type';
  }
  if (err instanceof AlipayError && err.code === 'ILLEGAL_PARTNER') return 'wrong_partner';
  return 'malformed';
}

/** What may be logged of a refusal: name, code and message (the library keeps keys and signatures out of messages). */
function describe(err: unknown): { name: string; code?: string; message: string } {
  if (err instanceof AlipayError) return { name: err.name, code: err.code, message: err.message };
  if (err instanceof MalformedReplyError) return { name: err.name, message: err.message };
  const e = err as Error;
  return { name: e?.name ?? 'Error', message: e?.message ?? String(err) };
}
