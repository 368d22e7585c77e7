import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { countGuardRefusals, GUARD_WARNINGS } from '../../bench/lib/guard-refusals';
import { REPO_ROOT } from '../replay/corpus';

// One refusal as the worker logs it (the text format of the SDK's logger, from a CI run): the guard's warning, the
// SDK's failed activation and the core's failed legacy query all carry the reason.
const ONE_REFUSAL = `2026-12-01T09:19:39.138Z [WARN] unsent commands of a query task: the activation is failed, the run replays {
  workflowId: 'witkey-task-ui-story-1',
  reason: "unsent commands of a query task: the activation at history 70, live just before this query, may be this query task's own, its commands kept unsent; the run is dropped, ask again"
}
2026-12-01T09:19:39.138Z [ERROR] Failed to process Workflow Activation {
  error: UnsentCommands: unsent commands of a query task: the activation at history 70, live just before this query, may be this query task's own, its commands kept unsent; the run is dropped, ask again
}
2026-12-01T09:19:39.139788Z  WARN temporalio_sdk_core::worker::workflow: Failing legacy query request failure=Failure { message: "unsent commands of a query task: the activation at history 70" }
`;

describe('guard refusals counted from the worker log', () => {
  test('one refusal is one, however many lines carry its reason', () => {
    assert.equal(countGuardRefusals(ONE_REFUSAL), 1);
    assert.equal(countGuardRefusals(ONE_REFUSAL.repeat(3)), 3);
    assert.equal(countGuardRefusals(`${GUARD_WARNINGS[1]} {\n  reason: 'stale workflow time: new events'\n}\n`), 1);
    assert.equal(countGuardRefusals(''), 0);
  });

  test('the warnings counted are the ones the guards log', () => {
    const guards = ['unsent-commands-guard.ts', 'stale-time-guard.ts'].map((f) =>
      readFileSync(join(REPO_ROOT, 'workflows', f), 'utf8'),
    );
    for (const [i, warning] of GUARD_WARNINGS.entries()) {
      const tail = warning.slice(warning.indexOf(': ') + 2);
      assert.ok(guards[i].includes(tail), `workflows guard ${i} logs "${tail}"`);
    }
  });
});
