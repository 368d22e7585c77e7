/**
 * The shape the activation guards share (stale-time-guard.ts, unsent-commands-guard.ts): each activation is checked
 * before it runs; a refused one is failed with the reason, so the worker drops the run and the workflow task (or the
 * query) is retried from the history. A guard emits no commands: histories replay with and without it.
 */
import { log, type WorkflowInterceptorsFactory } from '@temporalio/workflow';
import type { coresdk } from '@temporalio/proto';

type Activation = coresdk.workflow_activation.IWorkflowActivation;
type Command = coresdk.workflow_commands.IWorkflowCommand;

export interface ActivationCheck {
  /** Before an activation runs: the reason to refuse it, or undefined. */
  check(a: Activation): string | undefined;
  /** After an activation ran: the commands it emitted. */
  concluded?(commands: readonly Command[]): void;
}

/** A workflow interceptor with one `newCheck()` per run, logging `warning` and throwing `Refusal` on a refusal. */
export function guardInterceptors(
  newCheck: () => ActivationCheck,
  warning: string,
  Refusal: new (reason: string) => Error,
): WorkflowInterceptorsFactory {
  return () => {
    const guard = newCheck();
    return {
      internals: [
        {
          activate(input, next) {
            const refused = guard.check(input.activation);
            if (refused) {
              log.warn(warning, { reason: refused });
              throw new Refusal(refused);
            }
            return next(input);
          },
          concludeActivation(input, next) {
            const output = next(input);
            guard.concluded?.(output.commands);
            return output;
          },
        },
      ],
    };
  };
}
