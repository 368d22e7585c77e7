/**
 * The custom search attributes of a bounty task: ONE module, used by every server start (dev server,
 * time-skipping server, an existing server through the operator API) and by the workflow's upserts.
 *
 * The SQLite dev server allows few attributes per type (3 Int, 3 Datetime, 3 Bool, 10 Keyword): keep within it.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { SearchAttributeKey } from '@temporalio/common/lib/search-attributes';

/** Where the task is in its life: awaiting_payment, open, announcement, payout, leftover, settled, cancelled, ... */
export const WITKEY_PHASE = defineSearchAttributeKey('WitkeyPhase', SearchAttributeType.KEYWORD);
/** The site's publisher (outer_account_id). */
export const WITKEY_PUBLISHER_ID = defineSearchAttributeKey('WitkeyPublisherId', SearchAttributeType.KEYWORD);
/** The money frozen at Alipay for the task right now, in integer fen (0 when unpaid, cancelled or paid out). */
export const WITKEY_AMOUNT_FEN = defineSearchAttributeKey('WitkeyAmountFen', SearchAttributeType.INT);
/** End of the current announcement period (公示期), when one runs. */
export const WITKEY_ANNOUNCEMENT_END = defineSearchAttributeKey('WitkeyAnnouncementEnd', SearchAttributeType.DATETIME);
/** True while an operator must look at the task (reason and evidence in the task's state). */
export const WITKEY_NEEDS_ATTENTION = defineSearchAttributeKey('WitkeyNeedsAttention', SearchAttributeType.BOOL);

export const WITKEY_SEARCH_ATTRIBUTES: readonly SearchAttributeKey<SearchAttributeType>[] = [
  WITKEY_PHASE,
  WITKEY_PUBLISHER_ID,
  WITKEY_AMOUNT_FEN,
  WITKEY_ANNOUNCEMENT_END,
  WITKEY_NEEDS_ATTENTION,
];

/** Limits of the SQLite dev server's visibility store, per type. */
export const SQLITE_SEARCH_ATTRIBUTE_LIMITS: Partial<Record<SearchAttributeType, number>> = {
  [SearchAttributeType.INT]: 3,
  [SearchAttributeType.DATETIME]: 3,
  [SearchAttributeType.BOOL]: 3,
  [SearchAttributeType.KEYWORD]: 10,
};
