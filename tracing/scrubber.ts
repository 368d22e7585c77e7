/**
 * The workflows' spans reach the worker with the whole WorkflowInfo copied into their attributes by the SDK's sink,
 * memo and search attributes included (an inbox item's memo is a notification: Alipay ids, nicknames). Only plain
 * values (workflowId, runId, workflowType, taskQueue, attempt, ...) go on to the exporter.
 */
import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';

export class WorkflowSpanScrubber implements SpanProcessor {
  constructor(private readonly next: SpanProcessor) {}

  onStart(span: Span, parentContext: Context): void {
    this.next.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    const attributes = span.attributes as Record<string, unknown>;
    for (const [key, value] of Object.entries(attributes))
      if (value === null || typeof value === 'object' || typeof value === 'function') delete attributes[key];
    this.next.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.next.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.next.shutdown();
  }
}
