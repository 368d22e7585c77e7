/**
 * The one logger's worker side and its settings: the SDK's log calls become JSON lines with the SDK's attributes and
 * the task's outerTaskId (from the workflow id when the line does not carry it); WITKEY_METRICS_ADDR,
 * WITKEY_LOG_LEVEL and WITKEY_LOG_FILE are read once, and a bad value is refused with its name.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError } from '../../cli/input-errors';
import { createLogger, loadTelemetrySettings } from '../../cli/telemetry';
import { JsonSdkLogger, outerTaskIdOfWorkflow, type JsonLogger } from '../../worker/logger';
import { taskWorkflowId } from '../../workflows/messages';
import { inboxItemWorkflowId } from '../../workflows/inbox-item';

function recording(): { target: JsonLogger; lines: { level: string; fields: object; msg: string }[] } {
  const lines: { level: string; fields: object; msg: string }[] = [];
  const at =
    (level: string) =>
    (fields: object, msg: string): void => {
      lines.push({ level, fields, msg });
    };
  return {
    lines,
    target: { trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') },
  };
}

describe('the SDK logger as JSON lines', () => {
  test("a line about a task's workflow or activity carries its outerTaskId, with the SDK's attributes", () => {
    const { target, lines } = recording();
    const sdk = new JsonSdkLogger(target);
    const workflowId = taskWorkflowId('T-1001');
    sdk.warn('Activity failed', {
      sdkComponent: 'activity',
      workflowId,
      workflowType: 'bountyTask',
      activityType: 'queryFreezeTrade',
      attempt: 1,
    });
    sdk.log('INFO', 'task settled', { sdkComponent: 'workflow', workflowId, outerTaskId: 'T-1001' });
    sdk.debug('Worker state changed', { sdkComponent: 'worker', state: 'RUNNING' });
    sdk.info('inbox item', { workflowId: inboxItemWorkflowId('n1') });
    assert.deepEqual(lines, [
      {
        level: 'warn',
        msg: 'Activity failed',
        fields: {
          sdkComponent: 'activity',
          workflowId,
          workflowType: 'bountyTask',
          activityType: 'queryFreezeTrade',
          attempt: 1,
          outerTaskId: 'T-1001',
        },
      },
      {
        level: 'info',
        msg: 'task settled',
        fields: { sdkComponent: 'workflow', workflowId, outerTaskId: 'T-1001' },
      },
      { level: 'debug', msg: 'Worker state changed', fields: { sdkComponent: 'worker', state: 'RUNNING' } },
      { level: 'info', msg: 'inbox item', fields: { workflowId: inboxItemWorkflowId('n1') } },
    ]);
    assert.equal(outerTaskIdOfWorkflow(taskWorkflowId('')), undefined);
    assert.equal(outerTaskIdOfWorkflow(undefined), undefined);
  });

  test('through pino: one JSON line per call, errors serialised, in WITKEY_LOG_FILE when set', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'witkey-log-'));
    try {
      const file = join(dir, 'logs', 'witkey.log');
      const logger = createLogger(loadTelemetrySettings({ WITKEY_LOG_FILE: file })).child({ component: 'worker' });
      new JsonSdkLogger(logger).warn('Activity failed', {
        workflowId: taskWorkflowId('T-2'),
        error: new Error('HTTP 503'),
      });
      logger.debug('not at the default level');
      const lines = (await readFile(file, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.equal(lines.length, 1);
      const [line] = lines;
      assert.equal(line.level, 40);
      assert.equal(line.msg, 'Activity failed');
      assert.equal(line.component, 'worker');
      assert.equal(line.outerTaskId, 'T-2');
      assert.equal((line.error as { message: string }).message, 'HTTP 503');
      assert.equal(typeof line.time, 'number');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('telemetry settings', () => {
  test('WITKEY_METRICS_ADDR: an IP address and a port (localhost is 127.0.0.1); unset: no metrics', () => {
    const addr = (v: string | undefined) => loadTelemetrySettings({ WITKEY_METRICS_ADDR: v }).metricsAddr;
    assert.equal(addr(undefined), undefined);
    assert.equal(addr(' '), undefined);
    assert.equal(addr('127.0.0.1:9464'), '127.0.0.1:9464');
    assert.equal(addr('0.0.0.0:9464'), '0.0.0.0:9464');
    assert.equal(addr('localhost:9464'), '127.0.0.1:9464');
    assert.equal(addr('[::1]:9464'), '[::1]:9464');
    for (const bad of ['9464', 'metrics.internal:9464', '127.0.0.1:0', '127.0.0.1:70000', '::1:9464'])
      assert.throws(
        () => addr(bad),
        (err: Error) => err instanceof ConfigError && /WITKEY_METRICS_ADDR/.test(err.message),
        bad,
      );
  });

  test('WITKEY_LOG_LEVEL (default info, debug with WITKEY_DEBUG), WITKEY_LOG_FILE', () => {
    assert.equal(loadTelemetrySettings({}).logLevel, 'info');
    assert.equal(loadTelemetrySettings({ WITKEY_DEBUG: '1' }).logLevel, 'debug');
    assert.equal(loadTelemetrySettings({ WITKEY_DEBUG: '1', WITKEY_LOG_LEVEL: 'WARN' }).logLevel, 'warn');
    assert.throws(
      () => loadTelemetrySettings({ WITKEY_LOG_LEVEL: 'loud' }),
      (err: Error) => err instanceof ConfigError && /WITKEY_LOG_LEVEL="loud" is not a log level/.test(err.message),
    );
    assert.equal(loadTelemetrySettings({}).logFile, undefined);
    assert.equal(loadTelemetrySettings({ WITKEY_LOG_FILE: '/var/log/witkey.log' }).logFile, '/var/log/witkey.log');
  });
});
