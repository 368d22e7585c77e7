/**
 * A sandbox listening on every interface (`witkey sandbox --host 0.0.0.0`, the sandbox service of
 * docker-compose.yml) names itself http://0.0.0.0:8290; a worker that reached it at http://sandbox:8290 must call
 * its gateways there, not at 0.0.0.0 (its own container).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sandboxConfigReachedAt } from '../../cli/runtime';
import type { PublicConfig } from '../../sandbox';

const config = (url: string): PublicConfig =>
  ({
    url,
    gatewayUrl: `${url}/gateway.do`,
    openApiUrl: `${url}/openapi/gateway.do`,
    partnerId: '2088101012352995',
  }) as PublicConfig;

describe('the sandbox URLs a worker uses', () => {
  test('a sandbox on every interface: its URLs on the base it was reached at', () => {
    for (const own of ['http://0.0.0.0:8290', 'http://[::]:8290']) {
      const c = sandboxConfigReachedAt(config(own), 'http://sandbox:8290');
      assert.equal(c.url, 'http://sandbox:8290');
      assert.equal(c.gatewayUrl, 'http://sandbox:8290/gateway.do');
      assert.equal(c.openApiUrl, 'http://sandbox:8290/openapi/gateway.do');
      assert.equal(c.partnerId, '2088101012352995');
    }
  });

  test('a sandbox on a given address: its own URLs, unchanged', () => {
    const own = config('http://127.0.0.1:8290');
    assert.equal(sandboxConfigReachedAt(own, 'http://localhost:8290'), own);
  });
});
