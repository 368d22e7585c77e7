/**
 * The worker and the webhook wait for the sandbox at start-up too (a worker restarted while the sandbox restarts:
 * chaos seed 1 found `witkey worker` ending there): a sandbox that answers late is used and the wait said once; one
 * that never answers ends the wait with the one-line error; WITKEY_STARTUP_WAIT_S sets the wait.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { fetchSandboxConfig } from '../../cli/runtime';
import { startupWaitMs, STARTUP_WAIT_MS } from '../../cli/temporal';
import { ConfigError } from '../../cli/input-errors';
import { freePort } from '../../devstack/ports';

const CONFIG = {
  url: 'http://127.0.0.1:1',
  gatewayUrl: 'http://127.0.0.1:1/gateway.do',
  openApiUrl: 'http://127.0.0.1:1/openapi',
  partnerId: '2088000000000001',
};

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
}

test('a sandbox that answers late is waited for; the wait is said once', async () => {
  const port = await freePort();
  const server = createServer((_req, res) =>
    res.setHeader('content-type', 'application/json').end(JSON.stringify(CONFIG)),
  );
  const told: string[] = [];
  const later = setTimeout(() => void listen(server, port), 2_500);
  try {
    const got = await fetchSandboxConfig(`http://127.0.0.1:${port}`, {
      waitMs: 20_000,
      onWaiting: (m) => told.push(m),
    });
    assert.equal(got.partnerId, CONFIG.partnerId);
    assert.equal(told.length, 1);
    assert.match(told[0], /no Alipay sandbox answers at http:\/\/127\.0\.0\.1:\d+ .*Trying again for up to 20 s/);
    assert.equal((server.address() as AddressInfo).port, port);
  } finally {
    clearTimeout(later);
    server.close();
  }
});

test('a sandbox that never answers ends the wait with the one-line error; no wait: at once', async () => {
  const url = `http://127.0.0.1:${await freePort()}`;
  await assert.rejects(fetchSandboxConfig(url, { waitMs: 1_500, onWaiting: () => undefined }), (err: Error) => {
    return err instanceof ConfigError && /no Alipay sandbox answers at/.test(err.message);
  });
  await assert.rejects(fetchSandboxConfig(url), ConfigError);
});

test('WITKEY_STARTUP_WAIT_S: whole seconds 0–3600, default 60', () => {
  assert.equal(startupWaitMs({}), STARTUP_WAIT_MS);
  assert.equal(startupWaitMs({ WITKEY_STARTUP_WAIT_S: '0' }), 0);
  assert.equal(startupWaitMs({ WITKEY_STARTUP_WAIT_S: '120' }), 120_000);
  for (const bad of ['-1', '1.5', '3601', 'soon', '1e3'])
    assert.throws(
      () => startupWaitMs({ WITKEY_STARTUP_WAIT_S: bad }),
      (err: Error) => err instanceof ConfigError && err.message.includes(`WITKEY_STARTUP_WAIT_S="${bad}"`),
    );
});
