/** The invariants the model test checks after every step and at the end of a sequence. */
export type InvariantName =
  | 'conservation'
  | 'sandbox-conservation'
  | 'ledger'
  | 'moved-after-settlement'
  | 'cancelled-paid'
  | 'notification-lost'
  | 'stuck'
  | 'frozen-hidden'
  | 'workflow-failed'
  | 'update-hang'
  | 'harness';

export const INVARIANTS: readonly InvariantName[] = [
  'conservation',
  'sandbox-conservation',
  'ledger',
  'moved-after-settlement',
  'cancelled-paid',
  'notification-lost',
  'stuck',
  'frozen-hidden',
  'workflow-failed',
  'update-hang',
  'harness',
];
