/**
 * The unsent-commands detector (workflows/unsent-commands-guard.ts) over activation sequences as SDK core 1.24.0
 * hands them to a worker: a query task's activation that kept its commands, followed by the real workflow task with
 * an update (chaos task A022, and the variant where both share the history length), must be refused; a worker's
 * ordinary life — workflow tasks whose commands were sent, queries of every kind between them — never is.
 * test/integration/query-task-then-update.test.ts provokes the case on a dev server.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { coresdk } from '@temporalio/proto';
import { netEvents, UnsentCommandsDetector } from '../../workflows/unsent-commands-guard';
import { UNSENT_COMMANDS_FAILURE } from '../../workflows/messages';

type Activation = coresdk.workflow_activation.IWorkflowActivation;
type Command = coresdk.workflow_commands.IWorkflowCommand;
type JobName = 'initializeWorkflow' | 'doUpdate' | 'resolveActivity' | 'signalWorkflow' | 'fireTimer';

const live = (historyLength: number, ...jobs: JobName[]): Activation => ({
  historyLength,
  isReplaying: false,
  jobs: jobs.map((j) => ({ [j]: {} })),
});
const replayed = (historyLength: number, ...jobs: JobName[]): Activation => ({
  ...live(historyLength, ...jobs),
  isReplaying: true,
});
const legacyQuery = (historyLength: number): Activation => ({
  historyLength,
  isReplaying: true,
  jobs: [{ queryWorkflow: { queryId: 'legacy_query' } }],
});
const queryWithTask = (historyLength: number): Activation => ({
  historyLength,
  isReplaying: true,
  jobs: [{ queryWorkflow: { queryId: 'q-1' } }],
});

const upsert: Command = {
  upsertWorkflowSearchAttributes: { searchAttributes: { indexedFields: { WitkeyPhase: {} } } },
};
const timer: Command = { startTimer: {} };
const cancelTimer: Command = { cancelTimer: {} };
const activity: Command = { scheduleActivity: {} };
const accept: Command = { updateResponse: { accepted: {} } };
const reject: Command = { updateResponse: { rejected: {} } };
const answer: Command = { respondToQuery: {} };

/** Runs the activations through one detector: the verdict of each (commands emitted when it was not refused). */
function verdicts(steps: Array<[Activation, Command[]?]>): Array<string | undefined> {
  const detector = new UnsentCommandsDetector();
  return steps.map(([a, commands]) => {
    const verdict = detector.check(a);
    if (!verdict) detector.concluded(commands ?? []);
    return verdict;
  });
}

describe('commands kept by a query task', () => {
  test('A022: a fresh worker answers a query task after the expiry fired, then gets the update: refused', () => {
    const v = verdicts([
      [replayed(3, 'initializeWorkflow', 'doUpdate'), [accept, activity]],
      [replayed(116, 'signalWorkflow'), [upsert]],
      [replayed(125, 'signalWorkflow'), [upsert, timer, cancelTimer]],
      [live(134, 'fireTimer'), [upsert]], // the expiry, from the query task's history (attempt 2 scheduled)
      [legacyQuery(134), [answer]],
      [live(135, 'doUpdate'), [accept, upsert, activity, timer]], // planLeftover with the real task
    ]);
    assert.deepEqual(v.slice(0, 4), [undefined, undefined, undefined, undefined]);
    // the query task's own query: the first live activation after rebuilding the run
    assert.match(v[4] ?? '', new RegExp(`^${UNSENT_COMMANDS_FAILURE}: the activation at history 134, the first live`));
  });

  test('A139/A166: the real task brings nothing new (its commands would go out without an activation): the query is refused', () => {
    const v = verdicts([
      [replayed(3, 'initializeWorkflow', 'doUpdate'), [accept, activity]],
      [replayed(85, 'resolveActivity'), [accept]],
      [live(92, 'fireTimer'), [upsert, upsert, activity]], // the announcement's end, on the timed-out attempt's clock
      [legacyQuery(92), [answer]],
    ]);
    assert.deepEqual(v.slice(0, 3), [undefined, undefined, undefined]);
    assert.equal(v[3]?.startsWith(UNSENT_COMMANDS_FAILURE), true);
  });

  test('a cached run (its first live activation was not after a rebuild) keeps the check at the next task', () => {
    const v = verdicts([
      [live(3, 'initializeWorkflow'), [upsert, timer]],
      [live(9, 'fireTimer'), [upsert]],
      [legacyQuery(9), [answer]],
      [live(10, 'doUpdate'), [accept]],
    ]);
    assert.deepEqual(v.slice(0, 3), [undefined, undefined, undefined]);
    assert.match(v[3] ?? '', new RegExp(`^${UNSENT_COMMANDS_FAILURE}: the activation at history 9, followed by`));
  });

  test('the query task saw the real task started: both at one history length, refused (the query, and the task)', () => {
    const v = verdicts([
      [replayed(3, 'initializeWorkflow'), [upsert, timer]],
      [live(9, 'fireTimer'), [upsert]],
      [legacyQuery(9), [answer]],
      [live(9, 'doUpdate'), [accept]],
    ]);
    assert.deepEqual(
      v.map((x) => x?.startsWith(UNSENT_COMMANDS_FAILURE)),
      [undefined, undefined, true, true],
    );
  });

  test('a run a real task rebuilt: the query right after is refused once; the run the query rebuilds answers on', () => {
    assert.deepEqual(
      verdicts([
        [replayed(3, 'initializeWorkflow'), [upsert, timer]],
        [live(14, 'doUpdate', 'fireTimer'), [accept, upsert, timer]],
        [legacyQuery(14), [answer]],
      ]).map((v) => v?.startsWith(UNSENT_COMMANDS_FAILURE)),
      [undefined, undefined, true],
    );
    // the worker dropped the run; the repeated query rebuilds it by replay alone
    assert.deepEqual(
      verdicts([
        [replayed(3, 'initializeWorkflow'), [upsert, timer]],
        [replayed(14, 'doUpdate', 'fireTimer'), [accept, upsert, timer]],
        [legacyQuery(14), [answer]],
        [live(20, 'signalWorkflow'), [upsert]],
        [legacyQuery(20), [answer]],
        [live(24, 'fireTimer'), [upsert]],
        [legacyQuery(24), [answer]],
      ]),
      Array(7).fill(undefined),
    );
  });

  test('a rebuilt run whose first live activation adds no event, or the workflow start: the query is answered', () => {
    assert.deepEqual(
      verdicts([
        [replayed(3, 'initializeWorkflow'), [upsert, timer]],
        [live(9, 'signalWorkflow'), [reject]],
        [legacyQuery(9), [answer]],
      ]),
      [undefined, undefined, undefined],
    );
    assert.deepEqual(
      verdicts([
        [live(3, 'initializeWorkflow'), [upsert, timer]],
        [legacyQuery(3), [answer]],
      ]),
      [undefined, undefined],
    );
  });

  test('a query on a cached task, then its next workflow task: the exact boundary goes through', () => {
    // task at 9 sent an upsert: completed 10, upsert 11, scheduled 12, started 13
    const steps = (next: number): Array<[Activation, Command[]?]> => [
      [live(3, 'initializeWorkflow'), [upsert, timer]],
      [live(9, 'fireTimer'), [upsert]],
      [legacyQuery(9), [answer]],
      [live(next, 'doUpdate'), [accept]],
    ];
    assert.equal(verdicts(steps(13))[3], undefined);
    assert.equal(verdicts(steps(12))[3]?.startsWith(UNSENT_COMMANDS_FAILURE), true);
  });

  test('without a query task between them, or without commands that add events, nothing is refused', () => {
    assert.deepEqual(
      verdicts([
        [live(3, 'initializeWorkflow'), [upsert, timer]],
        [live(9, 'fireTimer'), [upsert]],
        [queryWithTask(9), [answer]], // a query that came with the workflow task
        [live(10, 'signalWorkflow'), [upsert]],
        [live(16, 'doUpdate'), [reject]],
        [legacyQuery(16), [answer]],
        [live(17, 'doUpdate'), [accept]], // the rejected update's speculative task left no events
        [live(22, 'fireTimer'), [timer, cancelTimer]],
        [legacyQuery(22), [answer]],
        [live(23, 'signalWorkflow'), []], // the timer started and cancelled within one task added no event
      ]),
      Array(10).fill(undefined),
    );
  });

  test('a replay is never refused', () => {
    const v = verdicts([
      [replayed(3, 'initializeWorkflow'), [upsert, timer]],
      [replayed(9, 'fireTimer'), [upsert]],
      [legacyQuery(9), [answer]],
      [replayed(10, 'doUpdate'), [accept]],
    ]);
    assert.deepEqual(v, [undefined, undefined, undefined, undefined]);
  });

  test('netEvents: a lower bound of the events the commands add', () => {
    assert.equal(netEvents([upsert, timer, activity, accept]), 4);
    assert.equal(
      netEvents([reject, answer, { upsertWorkflowSearchAttributes: { searchAttributes: { indexedFields: {} } } }]),
      0,
    );
    assert.equal(netEvents([timer, cancelTimer]), 0);
  });
});

const COMMANDS = [upsert, timer, cancelTimer, activity, accept, reject, answer];

describe('property: a worker whose every workflow task was sent is never refused (runs it started or a query rebuilt)', () => {
  test('any sequence of real tasks (as the server numbers them) with legacy queries between them', () => {
    const task = fc.record({
      jobs: fc.subarray<JobName>(['doUpdate', 'resolveActivity', 'signalWorkflow', 'fireTimer'], { minLength: 1 }),
      commands: fc.array(fc.constantFrom(...COMMANDS), { maxLength: 6 }),
      queries: fc.nat(3),
      eventsBetween: fc.nat(4), // signals, activity and timer events that arrive before the next task starts
      extraEvents: fc.nat(3), // events the commands add beyond the lower bound (a cancelled older timer)
    });
    fc.assert(
      fc.property(fc.array(task, { minLength: 1, maxLength: 25 }), (tasks) => {
        const detector = new UnsentCommandsDetector();
        let started = 3;
        const first = detector.check(live(started, 'initializeWorkflow'));
        detector.concluded([upsert, timer]);
        let sent = 2;
        assert.equal(first, undefined);
        for (const t of tasks) {
          // completed, the commands' events, the events between, the next task's scheduled and started
          started += 1 + sent + t.eventsBetween + 2;
          const verdict = detector.check(live(started, ...t.jobs));
          assert.equal(verdict, undefined, `task at ${started} refused`);
          detector.concluded(t.commands);
          for (let q = 0; q < t.queries; q++) assert.equal(detector.check(legacyQuery(started)), undefined);
          sent = Math.max(0, netEvents(t.commands)) + t.extraEvents;
        }
      }),
      { numRuns: 2000 },
    );
  });

  test('a run rebuilt by a query task (replays, then the query), then any real tasks and queries', () => {
    const task = fc.record({
      jobs: fc.subarray<JobName>(['doUpdate', 'resolveActivity', 'signalWorkflow', 'fireTimer'], { minLength: 1 }),
      commands: fc.array(fc.constantFrom(...COMMANDS), { maxLength: 6 }),
      queries: fc.nat(3),
      eventsBetween: fc.nat(4),
    });
    fc.assert(
      fc.property(fc.nat(5), fc.array(task, { minLength: 1, maxLength: 25 }), (replays, tasks) => {
        const detector = new UnsentCommandsDetector();
        let started = 3;
        for (let r = 0; r <= replays; r++) {
          assert.equal(detector.check(replayed(started, r === 0 ? 'initializeWorkflow' : 'signalWorkflow')), undefined);
          detector.concluded([upsert]);
          started += 6;
        }
        assert.equal(detector.check(legacyQuery(started)), undefined);
        let sent = 0;
        for (const t of tasks) {
          started += 1 + sent + t.eventsBetween + 2;
          assert.equal(detector.check(live(started, ...t.jobs)), undefined, `task at ${started} refused`);
          detector.concluded(t.commands);
          for (let q = 0; q < t.queries; q++) assert.equal(detector.check(legacyQuery(started)), undefined);
          sent = Math.max(0, netEvents(t.commands));
        }
      }),
      { numRuns: 2000 },
    );
  });
});
