// The local Alipay gateway emulator: `startSandbox(options)` starts it in-process (tests) and returns a `Sandbox`
// with its URLs, configuration, in-process controls and inspection. `witkey sandbox` runs it as its own process.
// The map of the folder is README.md; the full description docs/SANDBOX.md.

export { startSandbox, type SandboxOptions } from './start';
export { Sandbox } from './sandbox';
export type { PageResult, PublicConfig } from './http/control-results';
export { ManualClock, wallClock, RESEND_INTERVALS_MS, resendDelayMs, type SandboxClock } from './runtime/clock';
export { KEY_FILES, DEFAULT_FEE_RATES, type SandboxConfig } from './runtime/config';
export { GatewayRefusal } from './services/refusal';
export { InjectedHttpFault, DEFAULT_ACCOUNT_ERROR_CODE } from './runtime/fault-specs';
export { ConservationError } from './books/conservation';
export type {
  Fault,
  FaultSpec,
  RequestFaultSpec,
  NotificationFaultSpec,
  WinnerFaultSpec,
  WinnerFaultStage,
} from './runtime/fault-specs';
export type { PageRequest, FollowedReturn } from './gateway/page-requests';
export type { PageCompletion } from './gateway/outcomes';
export type { LedgerSummary } from './books/balance-sheet';
export type { Posting } from './books/journal';
export type { AttemptRecord, NotificationRecord } from './runtime/notification-records';
export type { SandboxState } from './runtime/persisted-state';
export type { TaskRecord, TransferRecord } from './services/task-records';
