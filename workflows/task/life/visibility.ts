/** What the workflow list shows of a task (its search attributes): upserted only when one of them changes. */
import { patched, upsertSearchAttributes } from '@temporalio/workflow';
import {
  WITKEY_AMOUNT_FEN,
  WITKEY_ANNOUNCEMENT_END,
  WITKEY_NEEDS_ATTENTION,
  WITKEY_PHASE,
  WITKEY_PUBLISHER_ID,
} from '../../search-attributes';
import * as ledger from '../ledger';
import type { TaskState } from '../types';
import { AMOUNT_IS_FROZEN_NOW, SEARCH_ATTRIBUTE_AMOUNT } from './patches';

export class Visibility {
  /** What was upserted last (-1: nothing yet). */
  private readonly published = { phase: '', needsAttention: false, announcementEnd: -1, amountFen: -1 };

  publish(state: TaskState, nowMs: number): void {
    const phase = ledger.phaseOf(state, nowMs);
    const needsAttention = state.attention.some((a) => !a.resolved) || state.blocked !== undefined;
    const announcementEnd = ledger.nextAnnouncementEnd(state, nowMs) ?? 0;
    const amountFen = frozenNowFen(state);
    const published = this.published;
    const unchanged =
      phase === published.phase &&
      needsAttention === published.needsAttention &&
      announcementEnd === published.announcementEnd;
    // v2: an amount.append that changes only the amount is published too
    if (
      unchanged &&
      (amountFen === published.amountFen || published.amountFen === -1 || !patched(SEARCH_ATTRIBUTE_AMOUNT))
    )
      return;
    upsertSearchAttributes([
      { key: WITKEY_PHASE, value: phase },
      { key: WITKEY_PUBLISHER_ID, value: state.spec.publisherId },
      { key: WITKEY_AMOUNT_FEN, value: amountFen },
      { key: WITKEY_ANNOUNCEMENT_END, value: announcementEnd ? new Date(announcementEnd) : null },
      { key: WITKEY_NEEDS_ATTENTION, value: needsAttention },
    ]);
    Object.assign(published, { phase, needsAttention, announcementEnd, amountFen });
  }
}

/**
 * WitkeyAmountFen: the money frozen at Alipay for the task right now (so `WitkeyAmountFen > 0` finds every task
 * still holding money); before v3 it was the published bounty, even when nothing was frozen.
 */
function frozenNowFen(state: TaskState): number {
  if (patched(AMOUNT_IS_FROZEN_NOW)) return state.ledger.stillFrozenFen;
  return state.ledger.bountyFrozenFen || state.spec.bountyFen;
}
