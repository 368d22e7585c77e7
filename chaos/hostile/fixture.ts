/**
 * What the hostile surfaces fire at: the test stack (time-skipping Temporal server, worker, the sandbox, the webhook
 * on free loopback ports) with two tasks — one awaiting payment, one paid — and the genuine signed material the
 * mutations start from: a freeze notification signed with the sandbox's Alipay key, the paid task's return URL,
 * the cashier URL (signed with the site's key) and the site's signers. `snapshot()` is everything an input could
 * change: both tasks' history lengths, the inbox, the sandbox's whole state.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { buildNotification, loadPrivateKey, type MapiSigner, type TaskFreezeEvent } from '../../alipay';
import { siteSettingsForSandbox, type SiteAlipaySettings } from '../../cli/sandbox-gateway';
import { startTestStack, type TestStack } from '../../test/support/stack';
import { taskWorkflowId } from '../../workflows/messages';

const PUBLISHER = '2088100000001401';
const HOUR = 3_600_000;
export const UNPAID = 'hostile-unpaid';
export const PAID = 'hostile-paid';

export interface Fixture {
  stack: TestStack;
  notifyUrl: string;
  /** Alipay's key (the sandbox's): signs genuine notifications and returns. */
  alipaySigner: MapiSigner;
  site: SiteAlipaySettings;
  /** A correctly signed task_freeze notification for the unpaid task (never sent as it is). */
  genuineFreeze: { fields: Record<string, string>; event: TaskFreezeEvent };
  /** The paid task's return URL path and query, as the sandbox sent the browser back (already delivered once). */
  genuineReturnQuery: string;
  /** The unpaid task's signed task.create cashier URL (the site's key). */
  cashierUrl: string;
  publisher: string;
  snapshot(): Promise<string>;
  /** The two tasks' states (their views, as the state query gives them). */
  taskStates(): Promise<string>;
  stop(): Promise<void>;
}

export async function startFixture(): Promise<Fixture> {
  const stack = await startTestStack({ resendWindowMs: 10 * 60_000 });
  try {
    const publish = async (id: string) =>
      stack.tasks.publish({
        outerTaskId: id,
        title: `hostile ${id}`,
        taskType: 'DESIGN',
        publisherId: `pub-${id}`,
        publisherAlipayUserId: PUBLISHER,
        bountyFen: 50_000,
        valueAddedFeeFen: 0,
        expiresAtMs: (await stack.now()) + 30 * 24 * HOUR,
      });
    const unpaid = await publish(UNPAID);
    const paid = await publish(PAID);
    const paidPage = await stack.sandbox.pay(paid.cashierUrl, { payerUserId: PUBLISHER });
    const returnUrl = paidPage.returnUrl ?? '';
    const back = await fetch(returnUrl);
    if (back.status !== 200) throw new Error(`the genuine return page answered ${back.status}`);
    await stack.flush();
    const alipaySigner: MapiSigner = {
      signType: 'DSA',
      privateKey: loadPrivateKey(readFileSync(stack.sandbox.config.keyFiles.alipayDsaPrivate), 'dsa'),
    };
    const view = await stack.status(UNPAID);
    const event: TaskFreezeEvent = {
      type: 'task_freeze',
      partner: stack.sandbox.config.partnerId,
      outerTaskId: UNPAID,
      outerTaskFreezeNo: view.freezeNo,
      taskAmountFen: 50_000,
      paidTime: Math.floor((await stack.now()) / 1000) * 1000,
      alipayUserId: PUBLISHER,
    };
    const built = buildNotification({ notifyId: 'hostile-genuine-1', event }, alipaySigner, 'utf-8');
    const client = stack.server.env.client;
    // workflow-task events left out: the time-skipping test server has no speculative workflow tasks, so an update
    // its validator rejects still leaves a scheduled / started / completed workflow task behind (nothing else)
    const WORKFLOW_TASK_EVENTS = new Set([5, 6, 7]);
    const historyLength = async (id: string) =>
      ((await client.workflow.getHandle(taskWorkflowId(id)).fetchHistory()).events ?? []).filter(
        (e) => !WORKFLOW_TASK_EVENTS.has(Number(e.eventType)),
      ).length;
    const snapshot = async (): Promise<string> => {
      const inbox = await stack.tasks.inbox({ limit: 1000 });
      const sandboxState = createHash('sha256').update(JSON.stringify(stack.sandbox.state())).digest('hex');
      return JSON.stringify([
        await historyLength(UNPAID),
        await historyLength(PAID),
        inbox.items.length,
        sandboxState.slice(0, 16),
      ]);
    };
    // quiet: the paid task's workflow settles its freeze before any baseline is taken
    let last = '';
    for (let i = 0; i < 50; i++) {
      const now = await snapshot();
      if (now === last) break;
      last = now;
      await new Promise((r) => setTimeout(r, 300));
    }
    return {
      stack,
      notifyUrl: `${stack.webhookUrl}/alipay/notify`,
      alipaySigner,
      site: siteSettingsForSandbox(stack.sandbox.publicConfig(), stack.webhookUrl),
      genuineFreeze: { fields: { ...built.fields }, event },
      genuineReturnQuery: returnUrl.slice(returnUrl.indexOf('?') + 1),
      cashierUrl: unpaid.cashierUrl,
      publisher: PUBLISHER,
      snapshot,
      // the two tasks' states (their views): a history length would also count the paid task's own housekeeping
      // (a continue-as-new starts a run whose first workflow task writes its markers and timers)
      taskStates: async () => JSON.stringify([await stack.status(UNPAID), await stack.status(PAID)]),
      stop: () => stack.stop(),
    };
  } catch (err) {
    await stack.stop();
    throw err;
  }
}
