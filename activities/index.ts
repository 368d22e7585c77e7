/** The activities of a bounty task, wired with their configuration (the worker registers the result). */
import { auditActivities, type AuditConfig } from './audit';
import type { GatewayConfig } from './config';
import { freezeTradeActivities } from './freeze-trade';
import { pageActivities } from './pages';
import { payoutActivities } from './payout';
import type { TaskActivities } from './types';

export type { GatewayConfig } from './config';
export { auditFile, type AuditConfig } from './audit';
export type { TaskActivities } from './types';

export function createActivities(config: GatewayConfig, audit?: AuditConfig): TaskActivities {
  return {
    ...pageActivities(config),
    ...payoutActivities(config),
    ...freezeTradeActivities(config),
    ...auditActivities(audit),
  };
}
