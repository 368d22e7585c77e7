/**
 * The foundation's promise: a real Temporal server from the user cache, with the witkey search attributes,
 * running a real workflow, on the dev server and on the time-skipping server (days of timer in seconds).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { cachedCliPath } from '../../devstack/temporal-cli';
import { cachedTestServerPath } from '../../devstack/test-server';
import { resolveTemporalCli } from '../../devstack/temporal-cli';
import { resolveTestServer } from '../../devstack/test-server';
import { witkeyWorkflowOptions } from '../../worker';
import { WITKEY_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import type { StackCheckResult, stackCheck } from '../../workflows/stack-check';
import type { StartedServer } from '../../devstack/servers';
import { devServer, timeSkippingServer } from '../support/servers';

const WITKEY_NAMES = WITKEY_SEARCH_ATTRIBUTES.map((k) => k.name).sort();
const DAY = 86_400_000;

async function runStackCheck(server: StartedServer, sleepMs: number): Promise<StackCheckResult> {
  const taskQueue = `provisioning-${process.pid}-${Date.now()}`;
  const worker = await Worker.create({
    connection: server.env.nativeConnection,
    namespace: server.namespace,
    taskQueue,
    ...(await witkeyWorkflowOptions()),
  });
  return worker.runUntil(
    server.env.client.workflow.execute<typeof stackCheck>('stackCheck', {
      taskQueue,
      workflowId: `stack-check-${taskQueue}`,
      args: [{ sleepMs }],
    }),
  );
}

describe('provisioning', () => {
  test('the executables resolve from the user cache (no download)', async () => {
    const env = { ...process.env, PATH: '/usr/bin:/bin', TEMPORAL_CLI_PATH: '', TEMPORAL_TEST_SERVER_PATH: '' };
    const cli = await resolveTemporalCli(() => undefined, env);
    assert.deepEqual(cli, { type: 'existing-path', path: cachedCliPath(env) });
    const ts = await resolveTestServer(() => undefined, env);
    assert.deepEqual(ts, { type: 'existing-path', path: cachedTestServerPath(env) });
  });

  test('a bad TEMPORAL_CLI_PATH is a clear error, not a silent fallback', async () => {
    await assert.rejects(
      resolveTemporalCli(() => undefined, { ...process.env, TEMPORAL_CLI_PATH: '/nonexistent/temporal' }),
      /TEMPORAL_CLI_PATH=\/nonexistent\/temporal is not an executable/,
    );
  });
});

describe('dev server', () => {
  let server: StartedServer;
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'witkey-devserver-'));
    server = await devServer({ dbFilename: join(dataDir, 'temporal.sqlite') });
    process.stderr.write(`# dev server started in ${server.startMs} ms\n`);
  });
  after(async () => {
    await server?.env.teardown();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('has the witkey search attributes with their types', async () => {
    const res = await server.env.connection.operatorService.listSearchAttributes({ namespace: server.namespace });
    for (const key of WITKEY_SEARCH_ATTRIBUTES) {
      assert.ok(res.customAttributes?.[key.name] !== undefined, `${key.name} registered`);
    }
  });

  test('retention is raised above the 1-day default', async () => {
    const desc = await server.env.connection.workflowService.describeNamespace({ namespace: server.namespace });
    assert.equal(Number(desc.config?.workflowExecutionRetentionTtl?.seconds), 30 * 86_400);
  });

  test('runs a real workflow that upserts every witkey search attribute', async () => {
    const result = await runStackCheck(server, 200);
    assert.deepEqual(
      result.searchAttributes.filter((n) => n.startsWith('Witkey')),
      WITKEY_NAMES,
    );
    assert.ok(result.finishedAtMs - result.startedAtMs >= 200, 'the timer took its time');
  });
});

describe('dev server state survives a restart', () => {
  test('a workflow recorded before the restart is still there after it', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'witkey-restart-'));
    const dbFilename = join(dataDir, 'temporal.sqlite');
    try {
      const first = await devServer({ dbFilename });
      const workflowId = `survives-${process.pid}`;
      try {
        await first.env.client.workflow.start('stackCheck', {
          taskQueue: 'nobody-polls',
          workflowId,
          args: [{ sleepMs: 0 }],
        });
      } finally {
        await first.env.teardown();
      }
      const second = await devServer({ dbFilename });
      try {
        const desc = await second.env.client.workflow.getHandle(workflowId).describe();
        assert.equal(desc.workflowId, workflowId);
        assert.equal(desc.status.name, 'RUNNING');
        const res = await second.env.connection.operatorService.listSearchAttributes({ namespace: second.namespace });
        assert.ok(
          res.customAttributes?.WitkeyPhase !== undefined,
          'search attributes still registered on the existing database',
        );
      } finally {
        await second.env.teardown();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('time-skipping server', () => {
  let server: StartedServer;
  before(async () => {
    server = await timeSkippingServer();
    process.stderr.write(`# time-skipping server started in ${server.startMs} ms\n`);
  });
  after(async () => {
    await server?.env.teardown();
  });

  test('a 3-day timer completes in workflow time, with the search attributes registered', async () => {
    const result = await runStackCheck(server, 3 * DAY);
    assert.ok(
      result.finishedAtMs - result.startedAtMs >= 3 * DAY,
      `workflow time advanced ${result.finishedAtMs - result.startedAtMs} ms`,
    );
    assert.deepEqual(
      result.searchAttributes.filter((n) => n.startsWith('Witkey')),
      WITKEY_NAMES,
    );
  });
});
