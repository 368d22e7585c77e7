/** The activities of a bounty task, wired with their configuration (the worker registers the result). */
import type { GatewayConfig } from './config';
import { freezeTradeActivities } from './freeze-trade';
import { pageActivities } from './pages';
import { payoutActivities } from './payout';
import type { TaskActivities } from './types';

export type { GatewayConfig } from './config';
export type { TaskActivities } from './types';

export function createActivities(config: GatewayConfig): TaskActivities {
  return { ...pageActivities(config), ...payoutActivities(config), ...freezeTradeActivities(config) };
}
