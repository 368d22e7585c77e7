// notify_verify (docs/PROTOCOL.md §7 notify_verify): a notify_id is genuine when the sandbox issued it to that
// partner. The sandbox keeps every notification, so an issued id stays genuine after its resend window too.

import type { SandboxState } from '../runtime/persisted-state';

export function isIssuedNotification(state: Readonly<SandboxState>, partner: string, notifyId: string): boolean {
  return state.notifications[notifyId]?.partner === partner;
}
