/** Every scenario of `npm run chaos`, in the order they run. */
import { crashScenario } from './crash';
import { gatewayFaults } from './gateway-faults';
import { hostileInput } from './hostile';
import { secretsAndPrivacy } from './privacy';
import { notificationStorm } from './storm';
import type { Scenario } from './row';

export const SCENARIOS: Scenario[] = [
  crashScenario('embedded'),
  crashScenario('cluster'),
  gatewayFaults,
  notificationStorm,
  hostileInput,
  secretsAndPrivacy,
];
