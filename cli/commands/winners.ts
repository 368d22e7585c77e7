/** `witkey winners`: select a round of winners (task.confirm); prints the page the publisher confirms. */
import { list, parseTime, str, UsageError, parseWinner, type Values } from '../args';
import type { CommandSpec } from '../command';
import { iso, json, out, yuan } from '../format';
import { say } from '../output';
import { withSession } from '../runtime';

export const winnersCommand: CommandSpec = {
  summary: 'select a round of winners (task.confirm); prints the page the publisher confirms',
  help: `witkey winners <outer_task_id> --winner ALIPAY_ID:NICKNAME:YUAN [--winner ...] [--announce-until TIME] [--json]

Selects winners while the task is open; the amounts are earmarked from the frozen bounty and the signed
task.confirm URL is printed for the publisher to confirm in the browser. With --announce-until the winners are
paid after the announcement period (公示期), during which "witkey cancel-winner" may cancel them; without it they
are paid immediately.

  --winner ID:NICK:YUAN    a winner: Alipay user id (2088 + 12 digits), nickname, gross amount in yuan (repeat)
  --announce-until TIME    end of the announcement period: ISO or from now (+7d, +2h); omitted = pay immediately
  --json                   print {round, transferNos, confirmUrl} as JSON

example: witkey winners T1001 --winner 2088102000000021:Tom:300 --winner 2088102000000022:天之蓝:150.50 --announce-until +7d`,
  options: { winner: { type: 'string', multiple: true }, 'announce-until': { type: 'string' }, json: { type: 'boolean' } },
  positionals: { min: 1, max: 1, names: '<outer_task_id>' },
  run: (v, [id]) => winners(id, v),
};

async function winners(outerTaskId: string, v: Values): Promise<void> {
  const raw = list(v, 'winner');
  if (raw.length === 0) throw new UsageError('--winner is required (at least one)', 'e.g. --winner 2088102000000021:Tom:300.00');
  const chosen = raw.map((w) => parseWinner('--winner', w));
  const until = str(v, 'announce-until');
  const announceEndMs = until === undefined ? undefined : parseTime('--announce-until', until);
  await withSession(async ({ tasks }) => {
    say(`selecting ${chosen.length} winner(s) for ${outerTaskId}; waiting for the confirmation page...`);
    const r = await tasks.selectWinners(outerTaskId, { winners: chosen, ...(announceEndMs !== undefined ? { announceEndMs } : {}) });
    if (v.json) return json(r);
    out(`task ${outerTaskId}: round ${r.round}, ${announceEndMs === undefined ? 'paid immediately once confirmed' : `announcement until ${iso(Math.ceil(announceEndMs / 1000) * 1000)}`}`);
    r.transferNos.forEach((no, i) => out(`  ${no}  ${chosen[i].alipayUserId}  ${chosen[i].nickname}  ${yuan(chosen[i].amountFen)}`));
    out(`confirmation page (the publisher confirms in the browser):\n${r.confirmUrl}`);
  });
}
