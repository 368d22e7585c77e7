// The emulated bank's balance sheet as the inspection API shows it: balances by kind of account and the verdict of
// the conservation check.

import { ALIPAY_FEES, balance, EXTERNAL } from './accounts';
import { conservationViolations } from './conservation';
import type { SandboxState } from '../runtime/persisted-state';

export interface LedgerSummary {
  accounts: Record<string, number>;
  publishers: Record<string, number>;
  winners: Record<string, number>;
  platform: Record<string, number>;
  frozen: Record<string, number>;
  alipayFees: number;
  external: number;
  journalLength: number;
  conserved: boolean;
  violations: string[];
}

export function ledgerSummary(state: SandboxState): LedgerSummary {
  const pick = (prefix: string): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(state.accounts)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
    return out;
  };
  const violations = conservationViolations(state);
  return {
    accounts: { ...state.accounts },
    publishers: pick('publisher:'),
    winners: pick('winner:'),
    platform: pick('platform:'),
    frozen: pick('frozen:'),
    alipayFees: balance(state, ALIPAY_FEES),
    external: balance(state, EXTERNAL),
    journalLength: state.journal.length,
    conserved: violations.length === 0,
    violations,
  };
}
