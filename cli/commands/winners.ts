/** `witkey winners`: select a round of winners (task.confirm); prints the page the publisher confirms. */
import { list, parseWinner, str, type Values } from '../args';
import { UsageError } from '../input-errors';
import { parseTime, timeKey } from '../parse';
import type { CommandSpec } from '../command';
import { iso, json, out, yuan } from '../format';
import { say } from '../output';
import { requestIdOf } from '../request-id';
import { withSession } from '../runtime';
import type { SelectWinnersResult } from '../../workflows/messages';

export const winnersCommand: CommandSpec = {
  summary: 'select a round of winners (task.confirm); prints the page the publisher confirms',
  help: `witkey winners <outer_task_id> --winner ALIPAY_ID:NICKNAME:YUAN [--winner ...] [--announce-until TIME] [--new-round | --request-id ID] [--json]

Selects winners while the task is open; the amounts are earmarked from the frozen bounty and the signed
task.confirm URL is printed for the publisher to confirm in the browser. With --announce-until the winners are
paid after the announcement period (公示期), during which "witkey cancel-winner" may cancel them; without it they
are paid immediately.

The same command repeated (same task, same winners in the same order, same --announce-until as written) returns
the same round and says so: a retry never selects the winners twice. --new-round selects a second, identical round
on purpose. "witkey resume --withdraw-round N" frees a round whose page the publisher will never confirm.

  --winner ID:NICK:YUAN    a winner: Alipay user id (2088 + 12 digits), nickname, gross amount in yuan (repeat)
  --announce-until TIME    end of the announcement period; omitted = pay immediately. A date (2030-01-31) is the
                           END of that day in China time; a date and time without an offset (2030-01-31T18:00) is
                           China time (UTC+8); with Z or an offset (+08:00) as given; or from now (+7d, +2h, 90m)
  --new-round              a deliberate second round with the same arguments (a fresh request id)
  --request-id ID          your own request id (repeating it returns the same round)
  --json                   print {round, transferNos, confirmUrl, requestId, repeated} as JSON

example: witkey winners T1001 --winner 2088102000000021:Tom:300 --winner 2088102000000022:天之蓝:150.50 --announce-until +7d`,
  options: {
    winner: { type: 'string', multiple: true },
    'announce-until': { type: 'string' },
    'new-round': { type: 'boolean' },
    'request-id': { type: 'string' },
    json: { type: 'boolean' },
  },
  positionals: { min: 1, max: 1, names: '<outer_task_id>' },
  run: (v, [id]) => winners(id, v),
};

async function winners(outerTaskId: string, v: Values): Promise<void> {
  const raw = list(v, 'winner');
  if (raw.length === 0)
    throw new UsageError('--winner is required (at least one)', 'e.g. --winner 2088102000000021:Tom:300.00');
  const chosen = raw.map((w) => parseWinner('--winner', w));
  const until = str(v, 'announce-until');
  const announceEndMs = until === undefined ? undefined : parseTime('--announce-until', until);
  if (announceEndMs !== undefined && announceEndMs <= Date.now())
    throw new UsageError(`--announce-until ${iso(announceEndMs)} is in the past`);
  const { requestId, source } = requestIdOf(
    'winners',
    outerTaskId,
    {
      winners: chosen.map((w) => [w.alipayUserId, w.nickname, w.amountFen]),
      announceUntil: until === undefined ? null : timeKey('--announce-until', until),
    },
    v,
    'new-round',
  );
  await withSession(async ({ tasks }) => {
    const earlier = await tasks.earlierResult<SelectWinnersResult>(outerTaskId, requestId);
    if (!earlier) say(`selecting ${chosen.length} winner(s) for ${outerTaskId}; waiting for the confirmation page...`);
    const r =
      earlier ??
      (await tasks.selectWinners(
        outerTaskId,
        { winners: chosen, ...(announceEndMs !== undefined ? { announceEndMs } : {}) },
        requestId,
      ));
    const repeated = earlier !== undefined;
    if (v.json) return json({ ...r, requestId, repeated });
    const when =
      announceEndMs === undefined
        ? 'paid immediately once confirmed'
        : `announcement until ${iso(Math.ceil(announceEndMs / 1000) * 1000)}`;
    out(
      `task ${outerTaskId}: round ${r.round}${repeated ? ' (the same round was returned: these winners were selected before with the same arguments; --new-round selects another)' : `, ${when}`}`,
    );
    // a repeated --request-id returns the round it named, whatever the winners given now
    const sameWinners = !repeated || source === 'derived';
    r.transferNos.forEach((no, i) =>
      out(
        sameWinners && chosen[i]
          ? `  ${no}  ${chosen[i].alipayUserId}  ${chosen[i].nickname}  ${yuan(chosen[i].amountFen)}`
          : `  ${no}`,
      ),
    );
    out(`confirmation page (the publisher confirms in the browser):\n${r.confirmUrl}`);
  });
}
