/**
 * What every step of a task's life and every message handler works with: the task's state, workflow time,
 * `changed` (the state moved on: the life wakes), `block` (a step waits for an operator), what the workflow list
 * shows of the task, and the results of requests kept for their retries.
 */
import { currentUpdateInfo, log, patched, upsertMemo, workflowInfo } from '@temporalio/workflow';
import type { TaskView } from '../../messages';
import * as ledger from '../ledger';
import type { BlockedStep, TaskState } from '../types';
import { taskView } from '../view';
import { CancelsUnderWay } from './cancels-under-way';
import { DeadlineTimer } from './deadline-timer';
import { applyDeferred } from './notifications';
import { FIRED_DEADLINE_IS_PAST, REQUESTS_CARRIED } from './patches';
import type { BountyTaskInput, TaskSettings } from './settings';
import { Visibility } from './visibility';

export class TaskCore {
  readonly state: TaskState;
  readonly settings: TaskSettings;
  /** How many times the task changed: its life sleeps until this moves (or a deadline comes). */
  changes = 0;
  readonly cancelsUnderWay = new CancelsUnderWay();
  /** The publisher's cashier page (task.create), once built; carried across continue-as-new. */
  cashierUrl: string | undefined;
  private readonly visibility = new Visibility();
  /** The timer towards the next deadline, kept across wakes while the deadline stays (KEEP_DEADLINE_TIMER). */
  readonly deadlineTimer = new DeadlineTimer();
  /** The latest deadline whose timer fired: workflow time is never before it (see FIRED_DEADLINE_IS_PAST). */
  private pastMs = 0;

  constructor(input: BountyTaskInput) {
    const state = input.carried?.state ?? ledger.newTaskState(input.spec);
    this.state = state;
    this.settings = input.settings;
    this.cashierUrl = input.carried?.cashierUrl;
    // state carried from an older run lacks what later versions added
    state.paymentDeadlineMs ??= workflowInfo().runStartTime.getTime() + this.settings.paymentTimeoutMs;
    state.appends ??= [];
    state.operatorActions ??= [];
    state.deferred ??= [];
    state.cancelUnknown ??= [];
    state.latePayments ??= [];
    state.requests ??= {};
    upsertMemo({ title: state.spec.title });
  }

  /**
   * Workflow time: the time of the current workflow task, the same on replay; never before a deadline whose timer
   * fired (the SDK can run a fired timer with the previous task's time: FIRED_DEADLINE_IS_PAST).
   */
  now(): number {
    return Math.max(Date.now(), this.pastMs);
  }

  /** The timer of this deadline fired: it is past, whatever time the SDK gives this activation. */
  deadlinePassed(atMs: number): void {
    if (atMs > this.pastMs && patched(FIRED_DEADLINE_IS_PAST)) this.pastMs = atMs;
  }

  /** The task changed: notifications waiting for the change are applied, the list follows, the life wakes. */
  changed(): void {
    this.changes += 1;
    applyDeferred(this.state, this.now());
    this.publishVisibility();
  }

  /** A step cannot go on by itself: it waits for an operator (`retry`, or another action that answers it). */
  block(step: BlockedStep['step'], code: string, message: string, evidence?: unknown): void {
    this.state.blocked = { step, code, message, sinceMs: this.now() };
    this.state.attention.push({ code, message, evidence, atMs: this.now() });
    log.warn('step blocked, needs an operator', { outerTaskId: this.state.spec.outerTaskId, step, code });
    this.changed();
  }

  publishVisibility(): void {
    this.visibility.publish(this.state, this.now());
  }

  view(): TaskView {
    return taskView(this.state, this.now(), this.cashierUrl);
  }

  /** The result of an earlier request with the same id (a retry, possibly from before a continue-as-new). */
  earlierResult<T>(): T | undefined {
    const id = currentUpdateInfo()?.id;
    return id !== undefined && Object.prototype.hasOwnProperty.call(this.state.requests, id)
      ? (this.state.requests![id] as T)
      : undefined;
  }

  /** Keeps a request's result by its id, for a retry of the same request. */
  remember<T>(result: T): T {
    const id = currentUpdateInfo()?.id;
    if (id !== undefined && patched(REQUESTS_CARRIED)) this.state.requests![id] = result;
    return result;
  }
}
