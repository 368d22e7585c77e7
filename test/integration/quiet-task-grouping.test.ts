/**
 * Chaos task A109 on a dev server: a workflow task that handles a notice and sends no command, followed at once by
 * another scheduled task (an update's speculative task, kept in the history because an event arrived while it ran),
 * is read by a replay as a workflow task heartbeat (SDK core 1.24.0): the notice is replayed with the next task, on
 * its later time, and a handler whose commands depend on time sends commands the history does not have. Without workflows/quiet-task-mark.ts the history
 * does not replay; with it, each quiet task leaves its memo upsert and the history replays.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Client, WorkflowUpdateFailedError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, Worker, type WorkflowBundle } from '@temporalio/worker';
import { devServer } from '../support/servers';
import type { StartedServer } from '../../devstack/servers';
import { noticeSignal, quietThenLate, requestUpdate } from '../support/workflows/quiet-then-late';
import { QUIET_TASKS_MEMO } from '../../workflows/quiet-task-mark';

type History = temporal.api.history.v1.IHistory;
const EventType = temporal.api.enums.v1.EventType;
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));
const LATE_AFTER_MS = 3_000;

describe('a quiet workflow task followed at once by the next (dev server)', () => {
  let server: StartedServer;
  let client: Client;
  before(async () => {
    server = await devServer();
    client = server.env.client;
  });
  after(async () => {
    await server?.env.teardown();
  });

  const bundle = (interceptorModules: string[]): Promise<WorkflowBundle> =>
    bundleWorkflowCode({
      workflowsPath: require.resolve('../support/workflows/quiet-then-late'),
      workflowInterceptorModules: interceptorModules,
      logger: {
        log: () => undefined,
        trace: () => undefined,
        debug: () => undefined,
        info: () => undefined,
        warn: () => undefined,
        error: () => undefined,
      },
    });

  /** Waits until the last workflow task event is a completion (no workflow task pending). */
  async function settled(workflowId: string): Promise<void> {
    const taskEvents = new Set([
      EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
    ]);
    for (;;) {
      const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
      const last = events.filter((e) => taskEvents.has(e.eventType!)).at(-1);
      if (last?.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) return;
      await sleep(100);
    }
  }

  /** The scenario on a worker with this bundle: returns the late notices counted and the history. */
  async function scenario(
    workflowBundle: WorkflowBundle,
  ): Promise<{ late: number; history: History; workflowId: string }> {
    const taskQueue = `quiet-${randomUUID()}`;
    const workflowId = `quiet-then-late-${randomUUID()}`;
    const worker = await Worker.create({
      connection: server.env.nativeConnection,
      namespace: server.namespace,
      taskQueue,
      workflowBundle,
    });
    return worker.runUntil(async () => {
      const lateAtMs = Date.now() + LATE_AFTER_MS;
      const handle = await client.workflow.start(quietThenLate, { args: [lateAtMs], taskQueue, workflowId });
      await settled(workflowId);
      for (let quiet = 0; quiet < 2; quiet++) {
        await handle.signal(noticeSignal, {}); // quiet tasks, before lateAtMs
        await settled(workflowId);
      }
      while (Date.now() < lateAtMs + 500) await sleep(100);
      // the request's (speculative) task, scheduled right after the last completion, is kept open for a while ...
      const request = handle.executeUpdate(requestUpdate, { args: [{ holdMs: 3_000 }] }).then(
        () => assert.fail('the request was accepted'),
        (err: unknown) => err,
      );
      await sleep(1_000);
      await handle.signal(noticeSignal, { last: true }); // ... and an event while it runs keeps it in the history
      assert.ok((await request) instanceof WorkflowUpdateFailedError);
      const late = await handle.result();
      return { late, history: await handle.fetchHistory(), workflowId };
    });
  }

  /** Whether some workflow task completed without a command event, followed at once by another scheduled task. */
  function hasQuietTaskFollowedAtOnce(history: History): boolean {
    const events = history.events ?? [];
    return events.some(
      (e, i) =>
        e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED &&
        events[i + 1]?.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
    );
  }

  test('without the quiet-task mark the notice replays on the later time: TMPRL1100 (SDK core 1.24.0)', async () => {
    const workflowBundle = await bundle([]);
    const { late, history, workflowId } = await scenario(workflowBundle);
    assert.equal(late, 1, 'the quiet notices ran before lateAtMs');
    assert.ok(hasQuietTaskFollowedAtOnce(history), 'the quiet task was followed at once by the request’s task');
    await assert.rejects(
      Worker.runReplayHistory({ workflowBundle }, history, workflowId),
      /TMPRL1100|[Nn]ondeterminism/,
    );
  });

  test('with the quiet-task mark each quiet task upserts its memo and the history replays', async () => {
    const workflowBundle = await bundle([require.resolve('../../workflows/quiet-task-mark')]);
    const { late, history, workflowId } = await scenario(workflowBundle);
    assert.equal(late, 1, 'the quiet notices ran before lateAtMs');
    assert.equal(hasQuietTaskFollowedAtOnce(history), false);
    assert.ok(
      (history.events ?? []).some((e) => e.markerRecordedEventAttributes?.details?.['patch-data']),
      'the patch marker',
    );
    const memos = (history.events ?? []).filter(
      (e) => e.workflowPropertiesModifiedEventAttributes?.upsertedMemo?.fields?.[QUIET_TASKS_MEMO],
    );
    // the first notice's task sends the patch marker: only the second is quiet
    assert.deepEqual(
      memos.map((e) => e.workflowPropertiesModifiedEventAttributes!.upsertedMemo!.fields![QUIET_TASKS_MEMO].data),
      [Buffer.from('1')],
    );
    await Worker.runReplayHistory({ workflowBundle }, history, workflowId);
  });
});
