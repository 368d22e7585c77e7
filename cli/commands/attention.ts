/** `witkey attention`: open tasks that need an operator, with their reasons. */
import { parseLimit, str, type Values } from '../args';
import type { CommandSpec } from '../command';
import { json, out } from '../format';
import { withSession } from '../runtime';

export const attentionCommand: CommandSpec = {
  summary: 'list open tasks that need an operator, with the reasons',
  help: `witkey attention [--limit N] [--json]

Lists the running tasks flagged for an operator (search attribute WitkeyNeedsAttention), each with its unresolved
reasons (code and message: AMOUNT_MISMATCH, PAYMENT_UNRESOLVED, PAYOUT_FAILED, ...; docs/OPERATIONS.md lists every
code). Resolve them with "witkey resume". Visibility is eventually consistent: a flag raised a moment ago may take a
second to show.

  --limit N   at most N tasks (default 100)
  --json      print [{outerTaskId, phase, reasons: [{code, message}]}] as JSON`,
  options: { limit: { type: 'string' }, json: { type: 'boolean' } },
  run: (v) => attention(v),
};

async function attention(v: Values): Promise<void> {
  await withSession(async ({ tasks }) => {
    const items = await tasks.attention(parseLimit(str(v, 'limit')));
    if (v.json) return json(items);
    if (items.length === 0) return out('no task needs attention');
    for (const t of items) {
      out(`${t.outerTaskId}  (${t.phase})`);
      for (const r of t.reasons) out(`  ${r.code}: ${r.message}`);
    }
  });
}
