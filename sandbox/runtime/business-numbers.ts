// Business numbers and request fingerprints: every number the site sends is registered once per partner with the
// fingerprint of what it stood for. The same number with the same data is a repeat; with other data it is
// WITKEY_DATA_NOT_MATCH. Exact repeats of a whole request replay the recorded outcome.

import { createHash } from 'node:crypto';
import { GatewayRefusal } from '../services/refusal';
import { scoped, type NumberRecord, type SandboxState } from './persisted-state';

/** A stable fingerprint of plain data (keys sorted). */
export function fingerprint(value: unknown): string {
  const canon = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canon);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) {
        const x = (v as Record<string, unknown>)[k];
        if (x !== undefined) out[k] = canon(x);
      }
      return out;
    }
    return v;
  };
  return createHash('sha256')
    .update(JSON.stringify(canon(value)))
    .digest('hex');
}

/** Fingerprint of a whole request: service + partner + business parameters (sign excluded). */
export function requestFingerprint(
  service: string,
  partner: string,
  business: Readonly<Record<string, string>>,
): string {
  return fingerprint({ service, partner, business });
}

export type NumberUse = 'new' | 'same';

/**
 * Check a number against the registry: 'new' (unused), 'same' (used for exactly this), or a refusal:
 * WITKEY_DATA_NOT_MATCH when it was used for something else.
 */
export function checkNumber(
  state: SandboxState,
  partner: string,
  no: string,
  kind: NumberRecord['kind'],
  outerTaskId: string,
  hash: string,
): NumberUse {
  const used = state.numbers[scoped(partner, no)];
  if (!used) return 'new';
  if (used.kind === kind && used.outerTaskId === outerTaskId && used.hash === hash) return 'same';
  throw new GatewayRefusal(
    'WITKEY_DATA_NOT_MATCH',
    `business number ${no} was used for a different ${used.kind} request`,
  );
}

export function registerNumber(
  state: SandboxState,
  partner: string,
  no: string,
  kind: NumberRecord['kind'],
  outerTaskId: string,
  hash: string,
): void {
  const key = scoped(partner, no);
  const used = state.numbers[key];
  if (used && !(used.kind === kind && used.outerTaskId === outerTaskId && used.hash === hash)) {
    throw new GatewayRefusal('WITKEY_DATA_NOT_MATCH', `business number ${no} is already used`);
  }
  state.numbers[key] = { kind, outerTaskId, hash };
}

/** A new sandbox-made id from the state's sequence (trade numbers, notify ids). */
export function nextSeq(state: SandboxState): number {
  state.seq += 1;
  return state.seq;
}
