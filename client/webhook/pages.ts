/** The small pages a person sees after Alipay sends the browser back to the site. */
import { MAPI_ERROR_CLASSES } from '../../alipay/core/error-codes';

const TITLES = {
  paid: 'Payment received',
  pending: 'Processing',
  failed: 'Payment failed',
  refused: 'Not verified',
  'refused-step': 'Refused by Alipay',
} as const;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** What an error class means for the person in front of the page. */
const WHY: Record<string, string> = {
  transient: 'a temporary problem at Alipay; the page can be opened again later',
  state: 'the task is not ready for this step yet at Alipay',
  'already-done': 'Alipay reports this step as already done',
  configuration: "Alipay did not accept the site's configuration (signature, partner or charset); the site must fix it",
  input: "Alipay did not accept the request's data or the task's state",
};

/**
 * The page after Alipay refused a page's step (is_success=F): what was refused, the code and what it means, and what
 * happens next (`next`, e.g. that the operators were told).
 */
export function refusedStepPage(service: string, errorCode: string, next: string): string {
  const why = WHY[MAPI_ERROR_CLASSES[errorCode] ?? 'input'];
  return returnPage(
    'refused-step',
    `Alipay refused this step (${service}): ${errorCode}. That is: ${why}. Nothing was paid or moved for it. ${next}`,
  );
}

export function returnPage(kind: keyof typeof TITLES, message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${TITLES[kind]}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}h1{font-size:1.4rem}</style></head>
<body><h1 data-result="${kind}">${TITLES[kind]}</h1><p>${escapeHtml(message)}</p></body></html>
`;
}
