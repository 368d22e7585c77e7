/** `witkey leftover`: plan the leftover of an expired task (left.amount.handle): refund / platform share / winners. */
import { writeFile } from 'node:fs/promises';
import { encodeText, mapiAutoSubmitForm, normalizeCharset } from '../../alipay';
import { list, str, parseWinner, yuanToFen, type Values } from '../args';
import { UsageError } from '../input-errors';
import type { CommandSpec } from '../command';
import { json, out, yuan } from '../format';
import { say } from '../output';
import { requestIdOf } from '../request-id';
import { withSession } from '../runtime';
import type { AdminPage, PlanLeftoverResult, TaskView } from '../../workflows/messages';
import type { WinnerInput } from '../../workflows/task/ledger';

export const leftoverCommand: CommandSpec = {
  summary: 'split what is left of an expired task: refund, platform share, other winners (left.amount.handle)',
  help: `witkey leftover <outer_task_id> [--refund YUAN] [--platform YUAN] [--winner ALIPAY_ID:NICKNAME:YUAN ...] [--html FILE] [--new-round | --request-id ID] [--json]

After the task expires, plans how the money still frozen is split: refund to the publisher (refund_detail), the
platform's share (platform_detail; Alipay charges its fee on it) and payments to other winners (transfer_detail,
at most 15). The three must add up to what is available. Prints the left.amount.handle admin page (a signed
form the platform's administrator submits in the browser).

The same command repeated (same task, same amounts and winners as given) returns the same plan and says so: a
retry never plans the leftover twice. --new-round plans a second, identical one on purpose. "witkey resume
--withdraw-leftover N" frees a plan whose admin page will never be submitted.

  --refund YUAN          refund to the publisher (default: whatever the platform share and winners leave)
  --platform YUAN        the platform's share (default 0)
  --winner ID:NICK:YUAN  another winner paid from the leftover (repeat)
  --html FILE            also write the admin page as an auto-submitting HTML form to FILE, encoded in the
                         request's charset (ALIPAY_INPUT_CHARSET) and submitted in it (accept-charset)
  --new-round            a deliberate second plan with the same arguments (a fresh request id)
  --request-id ID        your own request id (repeating it returns the same plan)
  --json                 print {round, transferNos, refundSerialNo, platformSerialNo, adminPage, requestId,
                         repeated} as JSON

example: witkey leftover T1001 --platform 50 --winner 2088102000000024:Ann:150`,
  options: {
    refund: { type: 'string' },
    platform: { type: 'string' },
    winner: { type: 'string', multiple: true },
    html: { type: 'string' },
    'new-round': { type: 'boolean' },
    'request-id': { type: 'string' },
    json: { type: 'boolean' },
  },
  positionals: { min: 1, max: 1, names: '<outer_task_id>' },
  run: (v, [id]) => leftover(id, v),
};

/**
 * The admin page as an auto-submitting HTML form, by the protocol library's form builder: encoded in the request's
 * charset (its _input_charset), declared in <meta charset> and in the form's accept-charset, so that the browser
 * submits the values (a Chinese nickname) in the bytes the gateway verifies the signature over.
 */
export function adminPageHtml(page: AdminPage): Buffer {
  const charset = normalizeCharset(page.fields._input_charset ?? 'utf-8');
  const { html } = mapiAutoSubmitForm(
    {
      service: page.fields.service ?? 'alipay.witkey.task.left.amount.handle',
      kind: 'page',
      method: page.method,
      charset,
      params: page.fields,
    },
    page.action,
  );
  return encodeText(html, charset);
}

/** Winners as given, in a canonical form (the request id and the matching of an earlier plan). */
const winnerKey = (w: WinnerInput): [string, string, number] => [w.alipayUserId, w.nickname, w.amountFen];

/** An earlier plan with this platform share and these winners: what a repeated command asked for. */
function samePlan(
  view: TaskView,
  platformFen: number,
  winners: WinnerInput[],
): TaskView['leftovers'][number] | undefined {
  const want = JSON.stringify(winners.map(winnerKey));
  return view.leftovers.find((p) => {
    const got = p.transferNos
      .map((no) => view.transfers.find((t) => t.transferNo === no))
      .map((t) => (t ? [t.winnerAlipayUserId, t.winnerNickname, t.grossFen] : []));
    return (p.platform?.shareFen ?? 0) === platformFen && JSON.stringify(got) === want;
  });
}

async function leftover(outerTaskId: string, v: Values): Promise<void> {
  const winners = list(v, 'winner').map((w) => parseWinner('--winner', w));
  const platform = str(v, 'platform');
  const platformFen = platform === undefined ? 0 : yuanToFen('--platform', platform);
  const refund = str(v, 'refund');
  let refundFen = refund === undefined ? undefined : yuanToFen('--refund', refund);
  const { requestId } = requestIdOf(
    'leftover',
    outerTaskId,
    { refundFen: refundFen ?? 'rest', platformFen, winners: winners.map(winnerKey) },
    v,
    'new-round',
  );
  await withSession(async ({ tasks }) => {
    const earlier = await tasks.earlierResult<PlanLeftoverResult>(outerTaskId, requestId);
    if (!earlier && refundFen === undefined) {
      const view = await tasks.status(outerTaskId);
      refundFen = view.availableFen - platformFen - winners.reduce((a, w) => a + w.amountFen, 0);
      // the same command again after its plan took the money: ask for the same plan (the request id returns it)
      const before = refundFen < 0 ? samePlan(view, platformFen, winners) : undefined;
      if (before) refundFen = before.refund?.amountFen ?? 0;
      if (refundFen < 0)
        throw new UsageError(
          `the platform share and winners (${yuan(view.availableFen - refundFen)}) exceed what is available (${yuan(view.availableFen)})`,
          'lower --platform / the winners, or give --refund explicitly',
        );
    }
    if (!earlier)
      say(
        `planning the leftover of ${outerTaskId}: refund ${yuan(refundFen ?? 0)}, platform ${yuan(platformFen)}, ${winners.length} winner(s); waiting for the admin page...`,
      );
    const r =
      earlier ??
      (await tasks.planLeftover(outerTaskId, { refundFen: refundFen ?? 0, platformFen, winners }, requestId));
    const repeated = earlier !== undefined;
    const file = str(v, 'html');
    if (file) await writeFile(file, adminPageHtml(r.adminPage));
    if (v.json) return json({ ...r, requestId, repeated });
    if (repeated)
      out(
        `task ${outerTaskId}: leftover round ${r.round} (the same plan was returned: it was planned before with the same arguments; --new-round plans another)${r.refundSerialNo ? ` refund ${r.refundSerialNo}` : ''}${r.platformSerialNo ? `, platform ${r.platformSerialNo}` : ''}${r.transferNos.length ? `, winners ${r.transferNos.join(', ')}` : ''}`,
      );
    else
      out(
        `task ${outerTaskId}: leftover round ${r.round}: refund ${yuan(refundFen ?? 0)}${r.refundSerialNo ? ` (${r.refundSerialNo})` : ''}, platform ${yuan(platformFen)}${r.platformSerialNo ? ` (${r.platformSerialNo})` : ''}${r.transferNos.length ? `, winners ${r.transferNos.join(', ')}` : ''}`,
      );
    out(`admin page: ${r.adminPage.method} ${r.adminPage.action}`);
    for (const [k, val] of Object.entries(r.adminPage.fields)) out(`  ${k}=${val}`);
    if (file) out(`written as an auto-submitting form to ${file}`);
  });
}
