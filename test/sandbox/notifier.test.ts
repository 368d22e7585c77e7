// The notifier: the resend schedule (exact with a manual clock, scaled with a time factor on the wall clock)
// stops exactly at `success`; every attempt and answer is recorded; a restarted sandbox resumes pending resends.

import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { buildTaskCreate } from '../../alipay/core/services';
import { ManualClock, RESEND_INTERVALS_MS, startSandbox } from '../../sandbox';
import {
  MINUTE,
  DAY,
  T0,
  partnerClient,
  removeTempDirs,
  seededDataDir,
  startReceiver,
  startTestSandbox,
} from './helpers';

function createReq(id: string, notifyUrl: string, expiresAt = T0 + DAY, profitFen = 0) {
  return buildTaskCreate({
    outerTaskId: id,
    outerTaskFreezeNo: `${id}FZ`,
    taskAmountFen: 1000,
    ...(profitFen ? { additionalProfitAmountFen: profitFen, additionalProfitTransferNo: `${id}AP` } : {}),
    returnUrl: 'http://127.0.0.1:9/return',
    notifyUrl,
    taskType: 'T',
    taskTitle: 'title',
    taskExpiredTime: expiresAt,
    outerAccountId: `pub-${id}`,
  });
}

describe('notifier', () => {
  after(() => removeTempDirs());

  test('resends on 2m, 10m, 10m (manual clock) and stops exactly at success', async () => {
    const { sandbox: s, clock } = await startTestSandbox();
    const client = partnerClient(s);
    const receiver = await startReceiver(s, client.alipayVerifier);
    receiver.script = (n, r) => (n < 3 ? 'fail' : r.notification ? 'success' : 'fail');
    try {
      await s.pay(client.url(createReq('N1', receiver.url)));
      const id = s.notifications({ outerTaskId: 'N1' })[0].notifyId;
      await s.flushNotifications();
      assert.equal(receiver.received.length, 1);
      const steps = [RESEND_INTERVALS_MS[0], RESEND_INTERVALS_MS[1], RESEND_INTERVALS_MS[2]];
      for (const [i, step] of steps.entries()) {
        clock.advance(step - 1);
        assert.deepEqual(await s.flushNotifications(), [], `resend ${i + 1} is not due 1 ms early`);
        clock.advance(1);
        assert.equal((await s.flushNotifications()).length, 1, `resend ${i + 1} is due`);
      }
      assert.equal(receiver.received.length, 4);
      assert.deepEqual(
        receiver.received.map((r) => r.answer),
        ['fail', 'fail', 'fail', 'success'],
      );
      assert.ok(
        receiver.verified().every((n) => n.notifyId === id),
        'the same notify_id on every resend',
      );
      const rec = s.notification(id)!;
      assert.equal(rec.status, 'delivered');
      assert.deepEqual(
        rec.attempts.map((a) => [a.kind, a.answer, a.success]),
        [
          ['sent', 'fail', false],
          ['sent', 'fail', false],
          ['sent', 'fail', false],
          ['sent', 'success', true],
        ],
      );
      assert.deepEqual(
        rec.attempts.map((a) => a.at - T0),
        [0, 2 * MINUTE, 12 * MINUTE, 22 * MINUTE],
      );
      clock.advance(2 * DAY);
      assert.deepEqual(await s.flushNotifications(), [], 'nothing after success');
      assert.equal(receiver.received.length, 4);
    } finally {
      await s.stop();
      await receiver.close();
    }
  });

  test('scaled schedule on the wall clock: 1 + 7 attempts, then exhausted; stops at success', async () => {
    const dataDir = await seededDataDir();
    // 24h22m / 100000 = about 0.9 s for the whole schedule.
    const s = await startSandbox({ dataDir, timeFactor: 100_000, autoDeliver: true, pollMs: 2 });
    const client = partnerClient(s);
    const never = await startReceiver(s, client.alipayVerifier);
    never.script = () => 'fail';
    const third = await startReceiver(s, client.alipayVerifier);
    third.script = (n) => (n < 2 ? 'fail' : 'success');
    try {
      const now = Date.now();
      await s.pay(client.url(createReq('NS1', never.url, now + DAY)));
      await s.pay(client.url(createReq('NS2', third.url, now + DAY)));
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && s.notifications({ status: 'pending' }).length > 0)
        await new Promise((r) => setTimeout(r, 20));
      const [n1] = s.notifications({ outerTaskId: 'NS1' });
      const [n2] = s.notifications({ outerTaskId: 'NS2' });
      assert.equal(n1.status, 'exhausted');
      assert.equal(n1.attempts.length, 8);
      assert.equal(never.received.length, 8);
      const gaps = n1.attempts.slice(1).map((a, i) => a.at - n1.attempts[i].at);
      gaps.forEach((g, i) =>
        assert.ok(g >= Math.round(RESEND_INTERVALS_MS[i] / 100_000), `gap ${i} ${g} ms respects the scaled schedule`),
      );
      assert.equal(n2.status, 'delivered');
      assert.equal(third.received.length, 3);
      assert.equal(s.config.timeFactor, 100_000);
    } finally {
      await s.stop();
      await never.close();
      await third.close();
    }
  });

  test('a restarted sandbox keeps its ledger and resumes pending resends', async () => {
    const clock = new ManualClock(T0);
    const { sandbox: s1, dataDir } = await startTestSandbox({ clock });
    const client = partnerClient(s1);
    const receiver = await startReceiver(s1, client.alipayVerifier);
    receiver.script = () => 'fail';
    await s1.pay(client.url(createReq('NR1', receiver.url)));
    await s1.flushNotifications();
    const ledger1 = JSON.stringify(s1.ledger());
    const partner = s1.config.partnerId;
    await s1.stop();

    const s2 = await startSandbox({ dataDir, clock, autoDeliver: false });
    try {
      assert.equal(s2.config.partnerId, partner, 'keys and config reused');
      assert.equal(JSON.stringify(s2.ledger()), ledger1, 'ledger survived');
      assert.equal(s2.task('NR1')!.status, 'OPEN');
      receiver.script = (_n, r) => (r.notification ? 'success' : 'fail');
      clock.advance(2 * MINUTE);
      await s2.flushNotifications();
      const [n] = s2.notifications({ outerTaskId: 'NR1' });
      assert.equal(n.status, 'delivered');
      assert.deepEqual(
        n.attempts.map((a) => a.answer),
        ['fail', 'success'],
      );
      assert.equal(receiver.received.length, 2);
    } finally {
      await s2.stop();
      await receiver.close();
    }
  });

  test('every attempt is logged with the task it is about (outerTaskId, notifyId, answer)', async () => {
    const lines: { line: string; fields?: Readonly<Record<string, unknown>> }[] = [];
    const { sandbox: s } = await startTestSandbox({ log: (line, fields) => lines.push({ line, fields }) });
    const client = partnerClient(s);
    const receiver = await startReceiver(s, client.alipayVerifier);
    try {
      await s.pay(client.url(createReq('LOG1', receiver.url)));
      await s.flushNotifications();
      const id = s.notifications({ outerTaskId: 'LOG1' })[0].notifyId;
      const attempt = lines.find((l) => l.fields?.notifyId === id);
      assert.ok(attempt, JSON.stringify(lines));
      assert.match(attempt.line, /^notify task_freeze \S+ -> sent 200 success$/);
      assert.deepEqual(
        { ...attempt.fields },
        {
          outerTaskId: 'LOG1',
          notifyId: id,
          notifyType: 'task_freeze',
          attempt: 'sent',
          httpStatus: 200,
          acknowledged: true,
        },
      );
    } finally {
      await s.stop();
      await receiver.close();
    }
  });

  test('tasks are notified side by side; one task one notification at a time, in order', async () => {
    const { sandbox: s } = await startTestSandbox();
    const client = partnerClient(s);
    const site = await startHoldingSite(4);
    try {
      const ids = ['P1', 'P2', 'P3', 'P4', 'P5'];
      for (const id of ids) await s.pay(client.url(createReq(id, `${site.url}/${id}`, T0 + DAY, 100)));
      const due = s.notifications({}).length;
      assert.ok(due >= 2 * ids.length, 'a payment makes more than one notification per task');
      await s.flushNotifications();
      assert.ok(site.maxInFlight >= 4, `${site.maxInFlight} deliveries were in flight at once`);
      assert.equal(site.sameTaskOverlap, false, 'two notifications of one task were in flight together');
      for (const id of ids) {
        const sent = s.notifications({ outerTaskId: id }).sort((a, b) => a.seq - b.seq);
        assert.ok(sent.every((n) => n.status === 'delivered'));
        const wall = sent.map((n) => n.attempts[0].wallAt);
        assert.deepEqual(
          wall,
          [...wall].sort((a, b) => a - b),
          `${id}: delivered in the order made`,
        );
      }
    } finally {
      await s.stop();
      await site.close();
    }
  });
});

/**
 * A site that holds every notification until `together` are in flight at once, then answers them all `success`
 * (a held one is answered after 2 s anyway, so that a one-at-a-time notifier ends instead of hanging).
 */
async function startHoldingSite(together: number) {
  const held: { task: string; res: ServerResponse }[] = [];
  const perTask = new Map<string, number>();
  const site = { url: '', maxInFlight: 0, sameTaskOverlap: false, close: () => new Promise((r) => server.close(r)) };
  const answer = (h: { task: string; res: ServerResponse }): void => {
    const i = held.indexOf(h);
    if (i < 0) return;
    held.splice(i, 1);
    perTask.set(h.task, perTask.get(h.task)! - 1);
    h.res.end('success');
  };
  const server = createServer((req, res) => {
    req.resume();
    const h = { task: req.url!.split('/').pop()!, res };
    perTask.set(h.task, (perTask.get(h.task) ?? 0) + 1);
    if (perTask.get(h.task)! > 1) site.sameTaskOverlap = true;
    held.push(h);
    site.maxInFlight = Math.max(site.maxInFlight, held.length);
    if (held.length >= together) [...held].forEach(answer);
    else setTimeout(() => answer(h), 2_000).unref();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  site.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`;
  return site;
}
