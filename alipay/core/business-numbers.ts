// Business numbers (docs/PROTOCOL.md §1.3): every number the product sends is derived deterministically
// from the task and the step, so a retry sends the same number. Pure.
//
//   number = {short task key}{step code}
//
// - short task key: the outer_task_id itself when it is 1..SHORT_KEY_MAX_LITERAL characters of [A-Za-z0-9_-];
//   otherwise the first HASH_KEY_LENGTH characters of base32(SHA-256(UTF-8 outer_task_id)). The two lengths
//   differ, so a literal key never equals a hashed key.
// - step code: letters then an optional decimal index without leading zeros (table STEP_CODES below). No code
//   is a proper suffix of another, and the key/code boundary is the first letter of a code, so within a task
//   distinct steps give distinct numbers, and a number can never equal another task's number unless the two
//   tasks' short keys are equal (only possible for hashed keys through a SHA-256 prefix collision).
// - every number is at most MAX_BUSINESS_NO_LENGTH = 30 characters: fits outer_task_freeze_no and
//   additional_profit_transfer_no (String(30)) and leaves room for "~*@^" + a String(12) amount inside the
//   String(50) refund_detail / platform_detail.

import { base32Encode, sha256 } from './sha256';
import { FieldError } from './errors';

export const MAX_BUSINESS_NO_LENGTH = 30;
export const SHORT_KEY_MAX_LITERAL = 22;
export const HASH_KEY_LENGTH = 23;
/** Largest step index (transfer serial, append round, leftover round). */
export const MAX_STEP_INDEX = 9999;

const LITERAL_KEY = /^[A-Za-z0-9_-]+$/;

/** The step codes, in ONE table. Indexed steps take a 1-based index. */
export const STEP_CODES = {
  /** outer_task_freeze_no of task.create */
  freeze: 'FZ',
  /** additional_profit_transfer_no of task.create */
  additionalProfit: 'AP',
  /** outer_task_freeze_no of the n-th amount.append */
  appendFreeze: 'AF',
  /** additional_profit_transfer_no of the n-th amount.append */
  appendProfit: 'AA',
  /** outer_transfer_no of the n-th winner transfer (task.confirm / left.amount.handle transfer_detail) */
  transfer: 'T',
  /** refund_detail serial of the n-th left.amount.handle call */
  leftoverRefund: 'RF',
  /** platform_detail serial of the n-th left.amount.handle call */
  leftoverPlatform: 'PS',
} as const;

export type Step =
  | { readonly kind: 'freeze' }
  | { readonly kind: 'additionalProfit' }
  | { readonly kind: 'appendFreeze'; readonly index: number }
  | { readonly kind: 'appendProfit'; readonly index: number }
  | { readonly kind: 'transfer'; readonly index: number }
  | { readonly kind: 'leftoverRefund'; readonly index: number }
  | { readonly kind: 'leftoverPlatform'; readonly index: number };

/** The short task key of an outer_task_id (see the header comment). */
export function shortTaskKey(outerTaskId: string): string {
  if (typeof outerTaskId !== 'string' || outerTaskId.length === 0)
    throw new FieldError('outer_task_id', 'must be a non-empty string');
  if (outerTaskId.length <= SHORT_KEY_MAX_LITERAL && LITERAL_KEY.test(outerTaskId)) return outerTaskId;
  return base32Encode(sha256(outerTaskId)).slice(0, HASH_KEY_LENGTH);
}

export function stepCode(step: Step): string {
  const letters = STEP_CODES[step.kind];
  if (step.kind === 'freeze' || step.kind === 'additionalProfit') return letters;
  const { index } = step;
  if (!Number.isSafeInteger(index) || index < 1 || index > MAX_STEP_INDEX) {
    throw new FieldError(`step ${step.kind}`, `index must be an integer in 1..${MAX_STEP_INDEX}`);
  }
  return `${letters}${index}`;
}

/** The business number of a step of a task. Deterministic; at most 30 characters. */
export function businessNumber(outerTaskId: string, step: Step): string {
  const no = shortTaskKey(outerTaskId) + stepCode(step);
  // Cannot happen with the constants above; kept as a guard if they are ever changed.
  if (no.length > MAX_BUSINESS_NO_LENGTH)
    throw new FieldError('business number', `longer than ${MAX_BUSINESS_NO_LENGTH}`);
  return no;
}
