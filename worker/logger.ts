/**
 * The worker's logs as JSON lines of the process's one logger (pino): the Temporal SDK's Runtime logger, through
 * which go the SDK's own messages, the workflows' `log` (by the SDK's logger sink), the activities' `Context.log`
 * and, forwarded, the native core's. Each line keeps the SDK's attributes (sdkComponent, workflowId, runId,
 * workflowType, activityType, ...) and, when it is about a bounty task, its `outerTaskId`, read from the workflow id
 * (`witkey-task-<outerTaskId>`) when the line does not carry it already.
 */
import type { Logger as SdkLogger, LogLevel, LogMetadata } from '@temporalio/common';
import { taskWorkflowId } from '../workflows/messages';

/** The part of a pino logger this needs. */
export interface JsonLogger {
  trace(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const TASK_PREFIX = taskWorkflowId('');

/** The bounty task a workflow id belongs to (undefined for other workflows: inbox items, ...). */
export function outerTaskIdOfWorkflow(workflowId: unknown): string | undefined {
  return typeof workflowId === 'string' && workflowId.startsWith(TASK_PREFIX) && workflowId.length > TASK_PREFIX.length
    ? workflowId.slice(TASK_PREFIX.length)
    : undefined;
}

const METHODS: Record<LogLevel, keyof JsonLogger> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** The SDK's Logger interface over a JSON logger. */
export class JsonSdkLogger implements SdkLogger {
  constructor(private readonly target: JsonLogger) {}

  log(level: LogLevel, message: string, meta: LogMetadata = {}): void {
    const fields: Record<string, unknown> = { ...meta };
    if (fields.outerTaskId === undefined) {
      const outerTaskId = outerTaskIdOfWorkflow(fields.workflowId);
      if (outerTaskId !== undefined) fields.outerTaskId = outerTaskId;
    }
    this.target[METHODS[level] ?? 'info'](fields, message);
  }

  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}
