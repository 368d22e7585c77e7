/** `witkey resume`: an operator's action on a task: retry, acknowledge, settle manually, cancel unpaid, withdraw a page. */
import { parseCount, required, str, type Values } from '../args';
import { UsageError } from '../input-errors';
import type { CommandSpec } from '../command';
import { json, out, statusText } from '../format';
import { say } from '../output';
import { withSession } from '../runtime';
import type { OperatorRequest } from '../../workflows/messages';

export const resumeCommand: CommandSpec = {
  summary:
    "an operator's action on a task: --retry, --acknowledge [codes], --settle-manually, --cancel-unpaid, --withdraw-round N, --withdraw-leftover N, --pay-held NO, --cancelled-held NO",
  help: `witkey resume <outer_task_id> (--retry | --acknowledge [CODE ...] | --settle-manually | --cancel-unpaid | --withdraw-round N | --withdraw-leftover N | --pay-held TRANSFER_NO | --cancelled-held TRANSFER_NO) --operator NAME --reason TEXT [--json]

Records an operator's decision in the task (who, why, what it did) and acts on it:
  --retry             run the failed step again (after fixing configuration, or when Alipay is reachable again)
  --acknowledge       mark attention items handled without moving money: the codes given after the task id
                      (e.g. AMOUNT_MISMATCH), or all when none is given
  --settle-manually   record that the remaining money was settled outside the system; the task closes
  --cancel-unpaid     the publisher gave up before paying: query the freeze trade and cancel it now instead of at the
                      payment deadline (nothing charged; a trade found paid keeps the task going)
  --withdraw-round N  round N's task.confirm page will never be confirmed (status requested): its winners are
                      abandoned and their amounts are free again for another round or the leftover; a
                      confirmation that still arrives later is recorded for an operator, not lost
  --withdraw-leftover N
                      leftover plan N's admin page will never be submitted (status planned): its refund,
                      platform share and winners are dropped and the money is free for a new plan; a
                      left_amount_handle that still arrives later is recorded for an operator
  --pay-held TRANSFER_NO
                      a winner whose cancellation stayed unknown when the announcement ended is held (PAYOUT_HELD):
                      you checked with Alipay that the cancel did not happen, so pay the winner now
  --cancelled-held TRANSFER_NO
                      the same held winner: Alipay did cancel it, so record it cancelled (its amount is free again)
  --operator NAME     who decides (required)
  --reason TEXT       why (required)
  --json              print the task's state afterwards as JSON (as "witkey status --json")

example: witkey resume T1001 --acknowledge AMOUNT_MISMATCH --operator alice --reason "checked with Alipay, fee rounding"`,
  options: {
    retry: { type: 'boolean' },
    acknowledge: { type: 'boolean' },
    'settle-manually': { type: 'boolean' },
    'cancel-unpaid': { type: 'boolean' },
    'withdraw-round': { type: 'string' },
    'withdraw-leftover': { type: 'string' },
    'pay-held': { type: 'string' },
    'cancelled-held': { type: 'string' },
    operator: { type: 'string' },
    reason: { type: 'string' },
    json: { type: 'boolean' },
  },
  positionals: { min: 1, names: '<outer_task_id> [CODE ...]' },
  run: (v, [id, ...codes]) => resume(id, codes, v),
};

async function resume(outerTaskId: string, codes: string[], v: Values): Promise<void> {
  const actions = [
    'retry',
    'acknowledge',
    'settle-manually',
    'cancel-unpaid',
    'withdraw-round',
    'withdraw-leftover',
    'pay-held',
    'cancelled-held',
  ] as const;
  const chosen = actions.filter((a) => v[a] !== undefined && v[a] !== false);
  if (chosen.length !== 1)
    throw new UsageError(
      'give exactly one of --retry, --acknowledge, --settle-manually, --cancel-unpaid, --withdraw-round N, --withdraw-leftover N, --pay-held NO, --cancelled-held NO',
      `run "witkey resume --help"`,
    );
  const heldTransfer = chosen[0] === 'pay-held' || chosen[0] === 'cancelled-held' ? (str(v, chosen[0]) ?? '') : '';
  if ((chosen[0] === 'pay-held' || chosen[0] === 'cancelled-held') && !/^[A-Za-z0-9_.:-]{1,64}$/.test(heldTransfer))
    throw new UsageError(
      `--${chosen[0]}: a transfer number (outer_transfer_no), got ${JSON.stringify(heldTransfer)}`,
      `"witkey status ${outerTaskId}" lists the task's transfers`,
    );
  if (codes.length && chosen[0] !== 'acknowledge')
    throw new UsageError(`unexpected argument(s) ${codes.join(' ')}: codes go with --acknowledge only`);
  for (const c of codes)
    if (!/^[A-Z][A-Z0-9_]{1,63}$/.test(c))
      throw new UsageError(
        `${JSON.stringify(c)} is not an attention code (upper case, e.g. AMOUNT_MISMATCH)`,
        `"witkey status ${outerTaskId}" lists the task's codes`,
      );
  const round =
    chosen[0] === 'withdraw-round' || chosen[0] === 'withdraw-leftover'
      ? parseCount(`--${chosen[0]}`, str(v, chosen[0]) ?? '', 'a round number (1, 2, ...)')
      : 0;
  const operator = required(v, 'operator', 'alice');
  const reason = required(v, 'reason', '"checked with Alipay"');
  const request: OperatorRequest = (() => {
    switch (chosen[0]) {
      case 'retry':
        return { action: 'retry', operator, reason };
      case 'acknowledge':
        return { action: 'acknowledge', operator, reason, ...(codes.length ? { codes } : {}) };
      case 'settle-manually':
        return { action: 'settle_manually', operator, reason };
      case 'cancel-unpaid':
        return { action: 'cancel_unpaid', operator, reason };
      case 'withdraw-round':
        return { action: 'withdraw_round', operator, reason, round };
      case 'withdraw-leftover':
        return { action: 'withdraw_leftover', operator, reason, round };
      case 'pay-held':
        return { action: 'resolve_held_transfer', operator, reason, transferNo: heldTransfer, outcome: 'pay' };
      case 'cancelled-held':
        return { action: 'resolve_held_transfer', operator, reason, transferNo: heldTransfer, outcome: 'cancelled' };
    }
  })();
  await withSession(async ({ tasks }) => {
    say(`${request.action} on ${outerTaskId} by ${operator}...`);
    const view = await tasks.operator(outerTaskId, request);
    if (v.json) return json(view);
    const last = view.operatorActions[view.operatorActions.length - 1];
    if (last) out(`${request.action}: ${last.outcome}`);
    out(statusText(view));
  });
}
