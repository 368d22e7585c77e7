// The accounts of the emulated bank, in integer fen:
//   external                 the outside world (bank cards); goes negative as money comes in
//   publisher:<2088 id>      a publisher's available balance (refunds land here)
//   frozen:<partner>:<task>  the bounty frozen for one task
//   winner:<2088 id>         what a winner received
//   platform:<partner>       the platform's (partner's) account
//   alipay:fees              Alipay's fee income

import { createHash } from 'node:crypto';
import type { Books } from './journal';

export const EXTERNAL = 'external';
export const ALIPAY_FEES = 'alipay:fees';

export const publisherAccount = (userId: string): string => `publisher:${userId}`;
export const frozenAccount = (partner: string, outerTaskId: string): string => `frozen:${partner}:${outerTaskId}`;
export const winnerAccount = (userId: string): string => `winner:${userId}`;
export const platformAccount = (partner: string): string => `platform:${partner}`;

export function balance(state: Readonly<Pick<Books, 'accounts'>>, account: string): number {
  return state.accounts[account] ?? 0;
}

/** The sandbox's 2088 id for a site user (deterministic, so a publisher keeps one Alipay account). */
export function alipayUserIdFor(partner: string, outerAccountId: string): string {
  const h = createHash('sha256').update(`${partner}\n${outerAccountId}`).digest();
  let digits = '';
  for (let i = 0; digits.length < 12; i++) digits += String(h[i % h.length] % 10);
  const id = `2088${digits}`;
  return id === partner ? `2088${digits.slice(0, 11)}${(Number(digits[11]) + 1) % 10}` : id;
}
