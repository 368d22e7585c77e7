/**
 * The cluster's own pieces, without a cluster: the loopback balancer routes around a dead backend, every node's
 * ports fit Temporal's SMALLINT membership column and every node names the same frontend address, and the batch's
 * verdict says no when one task is not final or one fen differs.
 */
import assert from 'node:assert/strict';
import { createServer, createConnection, type Server } from 'node:net';
import { describe, test } from 'node:test';
import { startTcpBalancer } from '../../devstack/cluster/tcp-balancer';
import { allocateNodePorts, nodeConfig } from '../../devstack/cluster/server-config';
import { verdict, outcomeTable } from '../../cli/cluster/report';
import type { BatchReport, TaskOutcome } from '../../cli/cluster/batch';
import { parseCount } from '../../cli/parse';

/** A backend that answers every connection with its name. */
async function namedBackend(name: string): Promise<{ port: number; server: Server }> {
  const server = createServer((s) => s.end(name));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as { port: number }).port, server };
}

function ask(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const s = createConnection({ port, host: '127.0.0.1' });
    s.on('data', (d: Buffer) => (text += d.toString()));
    s.on('close', () => resolve(text));
    s.on('error', reject);
  });
}

describe('cluster pieces', () => {
  test('the balancer alternates between live backends and routes around a dead one', async () => {
    const a = await namedBackend('a');
    const b = await namedBackend('b');
    const balancer = await startTcpBalancer([a.port, b.port]);
    try {
      const answers = [await ask(balancer.port), await ask(balancer.port), await ask(balancer.port)];
      assert.deepEqual([...answers].sort(), ['a', 'a', 'b']);
      await new Promise((r) => b.server.close(r));
      assert.deepEqual([await ask(balancer.port), await ask(balancer.port)], ['a', 'a']);
      await new Promise((r) => a.server.close(r));
      assert.equal(await ask(balancer.port), '', 'no backend: the connection is closed, not hung');
    } finally {
      await balancer.stop();
    }
  });

  test('node ports are distinct and below 32768; every node records the same frontend address', async () => {
    const nodes = [await allocateNodePorts(), await allocateNodePorts()];
    const all = nodes.flatMap((p) => Object.values(p) as number[]);
    assert.equal(new Set(all).size, all.length);
    assert.ok(all.every((p) => p > 0 && p < 32_768));
    const db = { host: '127.0.0.1', port: 5432, user: 'u', password: 'p' };
    const configs = nodes.map(
      (p) => nodeConfig(p, db, '/dc.yaml', '/log', '127.0.0.1:7000') as { clusterMetadata: object },
    );
    assert.deepEqual(configs[0].clusterMetadata, configs[1].clusterMetadata);
    assert.match(JSON.stringify(configs[0]), /"rpcAddress":"127\.0\.0\.1:7000"/);
  });

  test('the verdict: yes only when every task is final and every ledger equal', () => {
    const ledger = {
      bountyFrozenFen: 100,
      valueAddedFeePaidFen: 0,
      winnersReceivedFen: 90,
      platformReceivedFen: 9,
      alipayFeesFen: 1,
      refundedFen: 0,
      stillFrozenFen: 0,
    };
    const ok: TaskOutcome = {
      id: 't1',
      kind: 'B',
      expected: 'settled',
      phase: 'settled',
      final: true,
      workflow: ledger,
      sandbox: { ...ledger },
    };
    const report = (outcomes: TaskOutcome[]): BatchReport => ({
      outcomes,
      killed: ['temporal-2', 'worker-1'],
      durationMs: 1,
    });
    assert.deepEqual(verdict(report([ok])), {
      line: 'cluster: 1 tasks, 2 processes killed, all final: yes, ledgers equal: yes',
      ok: true,
    });
    const stuck = { ...ok, id: 't2', phase: 'expired', final: false };
    assert.equal(
      verdict(report([ok, stuck])).line,
      'cluster: 2 tasks, 2 processes killed, all final: no, ledgers equal: yes',
    );
    const oneFen = { ...ok, id: 't3', sandbox: { ...ledger, refundedFen: 1 } };
    assert.deepEqual(verdict(report([ok, oneFen])), {
      line: 'cluster: 2 tasks, 2 processes killed, all final: yes, ledgers equal: no',
      ok: false,
    });
    const missing = { ...ok, id: 't4', sandbox: undefined };
    assert.equal(verdict(report([missing])).ok, false, 'a task the sandbox does not know is not equal');
    assert.match(outcomeTable(report([oneFen])), /t3 +settled +settled +yes +workflow .* NO/);
  });

  test('counts: a clear error for anything but a whole number in range', () => {
    assert.equal(parseCount('--tasks', '50', 1, 1000), 50);
    assert.equal(parseCount('--tasks', undefined, 1, 1000), undefined);
    for (const bad of ['0', '1001', '-3', '2.5', 'ten', '1e3'])
      assert.throws(() => parseCount('--tasks', bad, 1, 1000), /--tasks.*must be a whole number from 1 to 1000/);
  });
});
