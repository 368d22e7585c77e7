/**
 * The Web UI as an operator uses it, in a real browser (Debian's Chromium driven by playwright-core): the embedded
 * stack (dev server + UI, sandbox, worker, webhook; payloads encrypted, decoded for the UI by the codec server), a published task found by filtering on WitkeyPhase, its
 * summary and current details read on its page, the cashier page paid by clicking, and the phase seen to change.
 * Screenshots go to test-artifacts/browser/ (git-ignored) for docs/OPERATIONS.md.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { embeddedCodecKeys, loadCodecServerSettings } from '../../cli/codec-config';
import { loadStackConfig, PROJECT_ROOT } from '../../cli/config';
import { loadSiteConfig } from '../../cli/site-config';
import { startStack, type RunningStack } from '../../cli/stack';
import { findChromium } from '../../devstack/chromium';
import { freePort } from '../../devstack/ports';
import { taskWorkflowId } from '../../workflows/messages';
import { eventually } from '../support/eventually';

const SHOTS = join(PROJECT_ROOT, 'test-artifacts', 'browser');

describe('the Web UI in a browser', () => {
  let stack: RunningStack;
  let browser: Browser;
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'witkey-browser-'));
    const [temporalPort, uiPort, httpPort, sandboxPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const env = {
      WITKEY_HTTP_PORT: String(httpPort),
      WITKEY_SANDBOX_PORT: String(sandboxPort),
      WITKEY_CODEC_PORT: '0',
    };
    const config = loadStackConfig(env, { port: String(temporalPort), 'ui-port': String(uiPort), 'data-dir': dataDir });
    // encrypted as `witkey up` runs it: the UI reads everything through the codec server
    const codec = { keys: embeddedCodecKeys(env, dataDir), server: loadCodecServerSettings(env, uiPort) };
    // a short resend window: a transfer whose notifications do not come is flagged in seconds (the stuck-task walk)
    stack = await startStack(config, loadSiteConfig(env), () => undefined, {
      codec,
      taskSettings: { resendWindowMs: 3_000 },
    });
    assert.ok(stack.codecUrl, 'a codec server for the UI');
    browser = await chromium.launch({ executablePath: await findChromium(), args: ['--no-sandbox', '--disable-gpu'] });
    await mkdir(SHOTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('find a task by phase, read its story, pay its cashier page, see the phase change', async () => {
    const id = `ui-${Date.now()}`;
    const published = await stack.tasks.publish({
      outerTaskId: id,
      title: 'Browser check / 浏览器',
      taskType: 'DESIGN',
      publisherId: 'pub-browser',
      publisherAlipayUserId: '2088102000000001',
      bountyFen: 12_345,
      valueAddedFeeFen: 0,
      expiresAtMs: Date.now() + 3_600_000,
    });
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const ui = `${stack.uiUrl}/namespaces/${stack.namespace}`;

    const query = encodeURIComponent(`WitkeyPhase="awaiting_payment"`);
    await page.goto(`${ui}/workflows?query=${query}`);
    await page.getByText(taskWorkflowId(id)).first().waitFor({ timeout: 60_000 });
    await page.screenshot({ path: join(SHOTS, '1-list-filtered-by-phase.png') });

    await page.goto(`${ui}/workflows/${taskWorkflowId(id)}`);
    await openUserMetadata(page);
    await expectText(page, /^Browser check \/ 浏览器 · ¥123\.45$/);
    await expectText(page, /publisher pub-browser; bounty ¥123\.45/);
    await expectText(page, /phase awaiting_payment/);
    await expectText(page, /^payment deadline$/);
    await expectText(page, /^cashier page of the bounty$/);
    await page.screenshot({ path: join(SHOTS, '2-task-summary-and-details.png'), fullPage: true });

    const cashier = await browser.newPage();
    await cashier.goto(published.cashierUrl);
    await cashier.screenshot({ path: join(SHOTS, '3-cashier-page.png') });
    await cashier.click('#submit');
    await cashier.waitForLoadState('networkidle');

    await waitForPhase(stack, id, 'open');
    await page.reload();
    await openUserMetadata(page);
    await expectText(page, /phase open/);
    await expectText(page, /^task expires$/);
    await page.screenshot({ path: join(SHOTS, '4-task-paid-phase-open.png'), fullPage: true });
  });
  test('a stuck task: found by WitkeyNeedsAttention, the reason read in its details, acknowledged by an operator', async () => {
    const id = `stuck-${Date.now()}`;
    const sandbox = stack.sandbox!;
    // the winner's money leaves, but none of its notifications reaches the site
    for (const notifyType of ['assign_transfer', 'platform_profit_transfer'])
      sandbox.injectFault({ target: 'notification', kind: 'drop', outerTaskId: id, notifyType, count: 8, times: 0 });
    const published = await stack.tasks.publish({
      outerTaskId: id,
      title: 'Stuck payout / 卡住的付款',
      taskType: 'DESIGN',
      publisherId: 'pub-browser',
      publisherAlipayUserId: '2088102000000001',
      bountyFen: 20_000,
      valueAddedFeeFen: 0,
      expiresAtMs: Date.now() + 3_600_000,
    });
    await sandbox.pay(published.cashierUrl, { payerUserId: '2088102000000001', followReturn: true });
    await waitForPhase(stack, id, 'open');
    const round = await stack.tasks.selectWinners(id, {
      winners: [{ alipayUserId: '2088203000000009', nickname: 'Slow', amountFen: 10_000 }],
    });
    await sandbox.confirm(round.confirmUrl, { followReturn: true });
    const stuck = await eventually(
      () => stack.tasks.status(id),
      (v) => v.needsAttention,
      60_000,
    );
    assert.equal(stuck.needsAttention, true, `${id} needs attention`);

    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const ui = `${stack.uiUrl}/namespaces/${stack.namespace}`;
    const query = encodeURIComponent('WitkeyNeedsAttention = true AND ExecutionStatus = "Running"');
    await page.goto(`${ui}/workflows?query=${query}`);
    await page.getByText(taskWorkflowId(id)).first().waitFor({ timeout: 60_000 });
    await page.screenshot({ path: join(SHOTS, '5-list-needs-attention.png') });
    await page.goto(`${ui}/workflows/${taskWorkflowId(id)}`);
    await openUserMetadata(page);
    await expectText(page, /needs attention/);
    await expectText(page, /NOTIFICATION_OVERDUE/);
    await expectText(page, /paying/);
    await page.screenshot({ path: join(SHOTS, '6-stuck-task-details.png'), fullPage: true });

    await stack.tasks.operator(id, {
      action: 'acknowledge',
      operator: 'ops-browser',
      reason: 'Alipay support confirms the transfer; its notification will be resent',
    });
    const acknowledged = await eventually(
      () => stack.tasks.status(id),
      (v) => !v.needsAttention,
      60_000,
    );
    assert.equal(acknowledged.needsAttention, false, `${id} acknowledged`);
    await page.reload();
    await openUserMetadata(page);
    await expectText(page, /phase payout · available/);
    await page.screenshot({ path: join(SHOTS, '7-after-acknowledge.png'), fullPage: true });
    assert.equal(
      (await stack.tasks.status(id)).ledger.stillFrozenFen,
      20_000,
      'nothing moved in the books without a notification',
    );
  });
});

/** Opens the task's User Metadata tab, clicking again until it shows (a click before the page is ready is lost). */
async function openUserMetadata(page: Page): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    await page.getByText('User Metadata').first().click();
    const shown = await page
      .getByText('Current Details')
      .first()
      .waitFor({ timeout: 3_000 })
      .then(() => true)
      .catch(() => false);
    if (shown) return;
    assert.ok(Date.now() < deadline, 'the User Metadata tab never opened');
  }
}

async function expectText(page: Page, pattern: RegExp): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    for (const frame of page.frames()) {
      if (
        (await frame
          .getByText(pattern)
          .count()
          .catch(() => 0)) > 0
      )
        return;
    }
    assert.ok(Date.now() < deadline, `the page never showed ${pattern}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function waitForPhase(stack: RunningStack, id: string, phase: string): Promise<void> {
  const v = await eventually(
    () => stack.tasks.status(id),
    (x) => x.phase === phase,
    60_000,
  );
  assert.equal(v.phase, phase, `${id} did not reach ${phase}`);
}
