// What the legacy gateway answers, independent of HTTP (http/gateway-routes.ts turns it into a reply): signed XML,
// plain text (notify_verify), a page or an error page, an injected HTTP status or a dropped connection; and what
// completing a page gives back (the signed return callback).

import type { Charset } from '../../alipay/charset';
import type { LeftAmountHandleEvent, TaskConfirmEvent, TaskFreezeEvent } from '../../alipay/core/events';
import type { VerifiedMapiRequest } from '../../alipay/mapi-request';

export type GatewayOutcome =
  | { type: 'xml'; body: Buffer; charset: Charset }
  | { type: 'text'; body: string; contentType: string }
  | {
      type: 'page';
      service: string;
      raw: string;
      request: VerifiedMapiRequest;
      alreadyDone: boolean;
      summary: PageSummary;
    }
  | { type: 'page-error'; code: string; message: string; service?: string }
  | { type: 'http'; status: number; body: string }
  | { type: 'drop' };

/** What a page shows (cashier / authorisation / admin confirmation). */
export interface PageSummary {
  title: string;
  lines: Array<[string, string]>;
}

export interface PageCompletion {
  service: string;
  outerTaskId: string;
  /** True when the request had already been completed (nothing changed this time). */
  alreadyDone: boolean;
  /** The return callback: for GET services the full redirect URL; for POST the return_url and the form fields. */
  returnMethod: 'GET' | 'POST';
  returnUrl: string;
  returnFields: Record<string, string>;
  charset: Charset;
  /** The event reported in the callback (task_freeze, task_confirm or left_amount_handle). */
  event: TaskFreezeEvent | TaskConfirmEvent | LeftAmountHandleEvent;
}

export type CompletionOutcome =
  | { type: 'done'; completion: PageCompletion; dropped: boolean }
  | { type: 'refused'; code: string; message: string }
  | { type: 'http'; status: number; body: string };
