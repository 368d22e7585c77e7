/**
 * The unsent-commands detector (workflows/unsent-commands-guard.ts) over activation sequences as SDK core 1.24.0
 * hands them to a worker: a query task's activation that kept its commands, followed by its query (chaos tasks A139,
 * A166: a run just rebuilt; A157: a cached run) or by the real workflow task with an update (A022, and the variant
 * where both share the history length), must be refused; in a worker's ordinary life — workflow tasks whose
 * commands were sent, queries of every kind between them — no workflow task is, and a legacy query only right after
 * a live change, once: asked again on the run rebuilt by replay, it is answered.
 * test/integration/query-task-then-update.test.ts provokes the case on a dev server.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { coresdk } from '@temporalio/proto';
import { netEvents } from '../../workflows/activation-commands';
import { UnsentCommandsDetector } from '../../workflows/unsent-commands-guard';
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
    // the query task's own query: right after a live activation that handled history events and added events
    assert.match(v[4] ?? '', new RegExp(`^${UNSENT_COMMANDS_FAILURE}: the activation at history 134, live just`));
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

  test('A157: a cached run answers a query task after the announcement ended elsewhere: the query is refused', () => {
    // worker 13092 kept the run since the task at 97; the workflow task at 102 (the announcement's end) was taken by
    // a worker killed holding it; a query that waited in matching reached 13092 with that history: the fired timer
    // ran live on the timed-out attempt's clock, the query came at once after; the next attempt (105) brought nothing
    // new and core sent the kept commands with it, computed before the announcement's end (TMPRL1100 later)
    const v = verdicts([
      [live(97, 'resolveActivity'), [accept]],
      [live(102, 'fireTimer'), [upsert, upsert, activity]],
      [legacyQuery(102), [answer]],
    ]);
    assert.deepEqual(v.slice(0, 2), [undefined, undefined]);
    assert.match(v[2] ?? '', new RegExp(`^${UNSENT_COMMANDS_FAILURE}: the activation at history 102`));
  });

  test('a cached run: the query right after is refused; a task after a query that was answered, by the backstop', () => {
    const v = verdicts([
      [live(3, 'initializeWorkflow'), [upsert, timer]],
      [live(9, 'fireTimer'), [upsert]],
      [legacyQuery(9), [answer]],
    ]);
    assert.match(v[2] ?? '', new RegExp(`^${UNSENT_COMMANDS_FAILURE}: the activation at history 9, live just`));
    // the backstop (A022): a legacy query that was answered (not at once after the activation), then a task too early
    const w = verdicts([
      [live(3, 'initializeWorkflow'), [upsert, timer]],
      [live(9, 'fireTimer'), [upsert]],
      [queryWithTask(9), [answer]],
      [legacyQuery(9), [answer]],
      [live(10, 'doUpdate'), [accept]],
    ]);
    assert.deepEqual(w.slice(0, 4), [undefined, undefined, undefined, undefined]);
    assert.match(w[4] ?? '', new RegExp(`^${UNSENT_COMMANDS_FAILURE}: the activation at history 9, followed by`));
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

  test('a query right after a live change is refused once; asked again on the run rebuilt, it is answered', () => {
    assert.deepEqual(
      verdicts([
        [replayed(3, 'initializeWorkflow'), [upsert, timer]],
        [live(14, 'doUpdate', 'fireTimer'), [accept, upsert, timer]],
        [legacyQuery(14), [answer]],
      ]).map((v) => v?.startsWith(UNSENT_COMMANDS_FAILURE)),
      [undefined, undefined, true],
    );
    // the worker dropped the run; the repeated query rebuilds it by replay alone and is answered, and so is every
    // later query until the next live activation that handled history events
    assert.deepEqual(
      verdicts([
        [replayed(3, 'initializeWorkflow'), [upsert, timer]],
        [replayed(14, 'doUpdate', 'fireTimer'), [accept, upsert, timer]],
        [legacyQuery(14), [answer]],
        [legacyQuery(14), [answer]],
        [live(20, 'doUpdate'), [accept, upsert]], // an update alone: never a query task's
        [legacyQuery(20), [answer]],
        [live(26, 'fireTimer'), [upsert]], // 20 completed, 2 events, 26 the next task's start
        [legacyQuery(26), [answer]],
      ]).map((v) => v?.startsWith(UNSENT_COMMANDS_FAILURE)),
      [undefined, undefined, undefined, undefined, undefined, undefined, undefined, true],
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

/** A fresh detector that replayed `done` (a worker that dropped the run rebuilds it from its history). */
function rebuilt(done: Array<[Activation, Command[]]>): UnsentCommandsDetector {
  const detector = new UnsentCommandsDetector();
  for (const [a, commands] of done) {
    assert.equal(detector.check(a), undefined, `replay at ${a.historyLength} refused`);
    detector.concluded(commands);
  }
  return detector;
}

describe('property: a worker whose every workflow task was sent (runs it started, or a query task rebuilt)', () => {
  test('no workflow task is refused; a legacy query only right after a live change, and once', () => {
    const task = fc.record({
      jobs: fc.subarray<JobName>(['doUpdate', 'resolveActivity', 'signalWorkflow', 'fireTimer'], { minLength: 1 }),
      commands: fc.array(fc.constantFrom(...COMMANDS), { maxLength: 6 }),
      queries: fc.nat(3),
      eventsBetween: fc.nat(4), // signals, activity and timer events that arrive before the next task starts
      extraEvents: fc.nat(3), // events the commands add beyond the lower bound (a cancelled older timer)
    });
    fc.assert(
      fc.property(fc.boolean(), fc.array(task, { minLength: 1, maxLength: 25 }), (queryRebuilt, tasks) => {
        const start: [Activation, Command[]] = [replayed(3, 'initializeWorkflow'), [upsert, timer]];
        const done: Array<[Activation, Command[]]> = [start];
        let detector: UnsentCommandsDetector;
        if (queryRebuilt) {
          detector = rebuilt(done);
          assert.equal(detector.check(legacyQuery(3)), undefined);
        } else {
          detector = new UnsentCommandsDetector();
          assert.equal(detector.check(live(3, 'initializeWorkflow')), undefined);
          detector.concluded(start[1]);
        }
        let started = 3;
        let sent = 2;
        for (const t of tasks) {
          // completed, the commands' events, the events between, the next task's scheduled and started
          started += 1 + sent + t.eventsBetween + 2;
          assert.equal(detector.check(live(started, ...t.jobs)), undefined, `task at ${started} refused`);
          detector.concluded(t.commands);
          done.push([replayed(started, ...t.jobs), t.commands]);
          const change = t.jobs.some((j) => j !== 'doUpdate') && netEvents(t.commands) > 0;
          for (let q = 0; q < t.queries; q++) {
            const verdict = detector.check(legacyQuery(started));
            if (q > 0 || !change) {
              assert.equal(verdict, undefined, `query ${q} at ${started} refused`);
              continue;
            }
            assert.equal(verdict?.startsWith(UNSENT_COMMANDS_FAILURE), true, `query at ${started} answered`);
            detector = rebuilt(done);
            assert.equal(detector.check(legacyQuery(started)), undefined, `query at ${started} refused again`);
          }
          sent = Math.max(0, netEvents(t.commands)) + t.extraEvents;
        }
      }),
      { numRuns: 2000 },
    );
  });
});
