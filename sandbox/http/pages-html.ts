// HTML pages of the page interfaces: the cashier (task.create), the publisher's authorisation (task.confirm,
// amount.append), the administrator's confirmation (left.amount.handle), error pages, and the auto-submitting form
// that POSTs a return callback to the site's return_url (left.amount.handle).
//
// A page carries the signed request verbatim in a hidden field; pressing the button POSTs it to
// /sandbox/pages/complete, which verifies it again (so pages survive a restart and cannot be tampered with).

import { encodeText, type Charset } from '../../alipay/charset';
import type { PageSummary } from '../gateway/outcomes';

export const COMPLETE_PATH = '/sandbox/pages/complete';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function layout(title: string, body: string): string {
  return (
    `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
    '<style>body{font-family:sans-serif;max-width:40em;margin:2em auto;color:#222}h1{font-size:1.3em;color:#1677ff}' +
    'table{border-collapse:collapse;margin:1em 0}td{padding:.3em .8em;border-bottom:1px solid #eee}' +
    'button{background:#1677ff;color:#fff;border:0;padding:.6em 2em;font-size:1em;border-radius:4px;cursor:pointer}' +
    '.err{color:#b00}.note{color:#666;font-size:.9em}</style></head>\n' +
    `<body><h1>${escapeHtml(title)}</h1>\n${body}\n<p class="note">Alipay sandbox (local emulator)</p></body></html>\n`
  );
}

export function pageHtml(opts: { service: string; summary: PageSummary; raw: string; alreadyDone: boolean }): string {
  const isPayment = opts.service === 'alipay.witkey.task.create' || opts.service === 'alipay.witkey.task.amount.append';
  const rows = opts.summary.lines
    .map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(v)}</td></tr>`)
    .join('\n');
  const payer =
    isPayment && !opts.alreadyDone
      ? '<p><label>Pay as Alipay user (optional 2088 id): <input name="payer" pattern="2088[0-9]{12}" size="18"></label></p>'
      : '';
  const label = opts.alreadyDone ? 'Already done: continue' : isPayment ? 'Pay' : 'Confirm';
  return layout(
    opts.summary.title,
    `<table>${rows}</table>\n<form method="post" action="${COMPLETE_PATH}" id="complete">\n` +
      `<input type="hidden" name="request" value="${escapeHtml(opts.raw)}">\n${payer}` +
      `<button type="submit" id="submit">${escapeHtml(label)}</button>\n</form>`,
  );
}

export function errorHtml(code: string, message: string, service?: string): string {
  return layout(
    'Alipay: the request was refused',
    `<p class="err">Error <code id="error-code">${escapeHtml(code)}</code></p>\n<p>${escapeHtml(message)}</p>${service ? `<p class="note">${escapeHtml(service)}</p>` : ''}`,
  );
}

/** The auto-submitting form POSTing a return callback to the site, encoded in the request charset. */
export function returnFormHtml(url: string, fields: Readonly<Record<string, string>>, charset: Charset): Buffer {
  const inputs = Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('\n');
  const html =
    `<!DOCTYPE html>\n<html><head><meta charset="${charset}"><title>Returning to the site</title></head><body>\n` +
    `<form id="return" method="post" action="${escapeHtml(url)}" accept-charset="${charset}">\n${inputs}\n<button type="submit">Continue</button>\n</form>\n` +
    `<script>document.getElementById("return").submit();</script>\n</body></html>\n`;
  return encodeText(html, charset);
}
