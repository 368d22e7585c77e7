/** The small pages a person sees after Alipay sends the browser back to the site. */
const TITLES = { paid: 'Payment received', pending: 'Processing', failed: 'Payment failed', refused: 'Not verified' } as const;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function returnPage(kind: keyof typeof TITLES, message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${TITLES[kind]}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}h1{font-size:1.4rem}</style></head>
<body><h1 data-result="${kind}">${TITLES[kind]}</h1><p>${escapeHtml(message)}</p></body></html>
`;
}
