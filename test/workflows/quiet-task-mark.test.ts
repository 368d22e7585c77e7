/**
 * The quiet-task mark (workflows/quiet-task-mark.ts): which activations add the memo upsert, over activation
 * sequences as SDK core 1.24.0 hands them to the workflow (the dev-server case is test/integration/quiet-task-grouping).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { coresdk } from '@temporalio/proto';
import { QUIET_TASKS_MEMO, QuietTaskMarker } from '../../workflows/quiet-task-mark';
import { netEvents } from '../../workflows/activation-commands';

type Activation = coresdk.workflow_activation.IWorkflowActivation;
type Command = coresdk.workflow_commands.IWorkflowCommand;

const signal: Activation = { jobs: [{ signalWorkflow: { signalName: 'notification' } }] };
const timer: Activation = { jobs: [{ fireTimer: { seq: 1 } }] };
const update: Activation = { jobs: [{ doUpdate: { id: 'u', name: 'cancelWinners' } }] };
const query: Activation = { jobs: [{ queryWorkflow: { queryId: 'q', queryType: 'status' } }] };
const rejected: Command = { updateResponse: { protocolInstanceId: 'u', rejected: { message: 'no' } } };
const upsert: Command = {
  upsertWorkflowSearchAttributes: { searchAttributes: { indexedFields: { WitkeyPhase: {} } } },
};

const memoOf = (commands: Command[]): number[] =>
  commands.flatMap((c): number[] => {
    const field = c.modifyWorkflowProperties?.upsertedMemo?.fields?.[QUIET_TASKS_MEMO];
    return field ? [JSON.parse(Buffer.from(field.data!).toString()) as number] : [];
  });

describe('the quiet-task mark', () => {
  test('a task that handled a notification and sends nothing that adds an event upserts the memo, counting', () => {
    const marker = new QuietTaskMarker();
    marker.handled(signal, () => true);
    assert.deepEqual(memoOf(marker.conclude([])), [1]);
    marker.handled(timer, () => true);
    assert.deepEqual(memoOf(marker.conclude([rejected])), [2], 'a rejected update adds no event');
  });

  test('a task whose commands add an event sends them as they are', () => {
    const marker = new QuietTaskMarker();
    marker.handled(signal, () => true);
    assert.deepEqual(marker.conclude([upsert]), [upsert]);
  });

  test('a timer started and cancelled in the same task adds no event: the memo is upserted', () => {
    const marker = new QuietTaskMarker();
    marker.handled(timer, () => true);
    const commands: Command[] = [{ startTimer: { seq: 2 } }, { cancelTimer: { seq: 2 } }];
    assert.deepEqual(memoOf(marker.conclude(commands)), [1]);
  });

  test('updates alone, queries, and histories recorded before the patch get no memo', () => {
    const marker = new QuietTaskMarker();
    let asked = 0;
    for (const a of [update, query]) {
      marker.handled(a, () => (asked++, true));
      assert.deepEqual(marker.conclude(a === update ? [rejected] : []), a === update ? [rejected] : []);
    }
    assert.equal(asked, 0, 'the patch is not asked about when nothing could need it');
    marker.handled(signal, () => false);
    assert.deepEqual(marker.conclude([]), []);
  });

  test('an activation run in batches (a signal, then an update) is marked once', () => {
    const marker = new QuietTaskMarker();
    let asked = 0;
    marker.handled(signal, () => (asked++, true));
    marker.handled(update, () => (asked++, true));
    assert.deepEqual(memoOf(marker.conclude([rejected])), [1]);
    assert.equal(asked, 1);
  });

  test('property: every task that handled history events sends at least one command that adds an event', () => {
    const commandArb = fc.constantFrom<Command>(
      upsert,
      rejected,
      { startTimer: { seq: 3 } },
      { cancelTimer: { seq: 3 } },
      { requestCancelActivity: { seq: 4 } },
      { scheduleActivity: { seq: 5 } },
      { respondToQuery: { queryId: 'q' } },
    );
    const taskArb = fc.record({
      activation: fc.constantFrom(signal, timer, update, query),
      commands: fc.array(commandArb, { maxLength: 4 }),
    });
    fc.assert(
      fc.property(fc.array(taskArb, { minLength: 1, maxLength: 30 }), (tasks) => {
        const marker = new QuietTaskMarker();
        let quiet = 0;
        for (const { activation, commands } of tasks) {
          marker.handled(activation, () => true);
          const sent = marker.conclude(commands);
          const memos = memoOf(sent);
          if (activation === signal || activation === timer) {
            assert.ok(netEvents(sent) > 0 || memos.length === 1);
            if (memos.length) assert.deepEqual(memos, [++quiet]);
          } else assert.deepEqual(sent, commands);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
