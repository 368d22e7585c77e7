/**
 * How many runs the witkey worker dropped on purpose, read from its log: the activation guards
 * (workflows/unsent-commands-guard.ts, workflows/stale-time-guard.ts) log one warning per refusal. The refusal's reason
 * also shows in the SDK's "Failed to process Workflow Activation" line and in the core's "Failing legacy query request"
 * line, so only the guards' own warnings are counted.
 */
import { STALE_TIME_FAILURE, UNSENT_COMMANDS_FAILURE } from '../../workflows/messages';

export const GUARD_WARNINGS = [
  `${UNSENT_COMMANDS_FAILURE}: the activation is failed, the run replays`,
  `${STALE_TIME_FAILURE}: the activation is dropped, the next workflow task replays`,
];

export function countGuardRefusals(log: string): number {
  return log.split('\n').filter((line) => GUARD_WARNINGS.some((w) => line.includes(w))).length;
}
