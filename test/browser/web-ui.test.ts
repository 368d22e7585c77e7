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
    stack = await startStack(config, loadSiteConfig(env), () => undefined, { codec });
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
    await page.getByText('User Metadata').first().click();
    await page.getByText('Browser check / 浏览器 · ¥123.45').first().waitFor({ timeout: 60_000 });
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
    await page.getByText('User Metadata').first().click();
    await expectText(page, /phase open/);
    await expectText(page, /^task expires$/);
    await page.screenshot({ path: join(SHOTS, '4-task-paid-phase-open.png'), fullPage: true });
  });
});

/** Waits until some frame of the page shows the text (the UI renders user markdown in sandboxed iframes). */
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
  const deadline = Date.now() + 60_000;
  while ((await stack.tasks.status(id)).phase !== phase) {
    assert.ok(Date.now() < deadline, `${id} did not reach ${phase}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
