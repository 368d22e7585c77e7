/**
 * The gateway activities in MockActivityEnvironment, against a stub gateway on loopback that answers each call
 * the way a test tells it to: one test per error class of the notes, and the "already done" rule.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import {
  buildMapiFailureReply,
  buildMapiSuccessReply,
  cancelConfirmResponseXml,
  confirmByPlatformResponseXml,
  formParse,
  type MapiSigner,
} from '../../alipay';
import { createActivities, type GatewayConfig, type TaskActivities } from '../../activities';
import { GATEWAY_FAILURE } from '../../activities/types';

type Answer = (
  params: Record<string, string>,
  req: IncomingMessage,
) => { status?: number; body?: Buffer | string; destroy?: boolean };

describe('gateway activities (MockActivityEnvironment)', () => {
  let server: Server;
  let answer: Answer;
  let calls: Record<string, string>[] = [];
  let activities: TaskActivities;
  const alipayKeys = generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 256 });
  const partnerKeys = generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 256 });
  const alipaySigner: MapiSigner = { signType: 'DSA', privateKey: alipayKeys.privateKey };
  const env = new MockActivityEnvironment();
  /** env.run with the activity's own result type. */
  function runActivity<A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> {
    return env.run<A, R, (...args: A) => Promise<R>>(fn, ...args);
  }

  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw =
          req.method === 'GET' ? ((req.url ?? '').split('?')[1] ?? '') : Buffer.concat(chunks).toString('latin1');
        const params = formParse(raw, 'utf-8');
        calls.push(params);
        const a = answer(params, req);
        if (a.destroy) {
          req.socket.destroy();
          return;
        }
        res.writeHead(a.status ?? 200, { 'content-type': 'text/xml; charset=utf-8' });
        res.end(a.body ?? '');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const config: GatewayConfig = {
      gatewayUrl: `http://127.0.0.1:${port}/gateway.do`,
      partner: '2088000000000000',
      inputCharset: 'utf-8',
      signer: { signType: 'DSA', privateKey: partnerKeys.privateKey },
      verifier: { signType: 'DSA', publicKey: alipayKeys.publicKey },
      notifyUrl: 'http://127.0.0.1:1/alipay/notify',
      returnUrl: 'http://127.0.0.1:1/alipay/return',
      requestTimeoutMs: 2_000,
    };
    activities = createActivities(config);
  });
  after(() => server.close());

  const ok = (params: Record<string, string>) => ({
    body: buildMapiSuccessReply({
      request: params,
      responseXml: confirmByPlatformResponseXml({ outerTaskId: params.outer_task_id }),
      signer: alipaySigner,
      charset: 'utf-8',
    }),
  });
  const code = (c: string) => () => ({ body: buildMapiFailureReply(c) });
  const payout = () =>
    runActivity(activities.confirmByPlatform, { outerTaskId: 'task-1', transferNos: ['task-1T1', 'task-1T2'] });

  async function failsWith(type: string, retryable: boolean): Promise<void> {
    await assert.rejects(payout(), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure, `an ApplicationFailure, got ${String(err)}`);
      assert.equal(err.type, type);
      assert.equal(err.nonRetryable, !retryable);
      return true;
    });
  }

  test('success: a signed reply for the same task; the request is signed and carries the transfer numbers', async () => {
    calls = [];
    answer = ok;
    const res = await payout();
    assert.equal(res.alreadyDone, false);
    assert.equal(calls[0].service, 'alipay.witkey.task.confirm.by.platform');
    assert.equal(calls[0].transfer_detail, 'task-1T1~*@^task-1T2');
    assert.equal(calls[0].sign_type, 'DSA');
  });

  test('transient (SYSTEM_ERROR, HTTP 5xx, a dropped connection, malformed XML): retried with the same numbers', async () => {
    for (const a of [
      code('SYSTEM_ERROR'),
      () => ({ status: 502, body: 'bad gateway' }),
      () => ({ destroy: true }),
      () => ({ body: '<alipay><is_success>T</is_success><response>' }),
    ]) {
      answer = a;
      await failsWith(GATEWAY_FAILURE.transient, true);
    }
  });

  test('a reply signed with another key: not trusted, not retried, outcome unknown (wrong Alipay key or forgery)', async () => {
    const forger = generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 256 });
    answer = (params) => ({
      body: buildMapiSuccessReply({
        request: params,
        responseXml: confirmByPlatformResponseXml({ outerTaskId: params.outer_task_id }),
        signer: { signType: 'DSA', privateKey: forger.privateKey },
        charset: 'utf-8',
      }),
    });
    await assert.rejects(payout(), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.type, GATEWAY_FAILURE.configuration);
      assert.equal(err.nonRetryable, true);
      assert.deepEqual((err.details as { outcomeUnknown: boolean }[])[0].outcomeUnknown, true);
      return true;
    });
  });

  test('state (NOT_DONE_OF_TRANSFER_FOUND): retried later', async () => {
    answer = code('NOT_DONE_OF_TRANSFER_FOUND');
    await failsWith(GATEWAY_FAILURE.state, true);
  });

  test('configuration (ILLEGAL_SIGN, ILLEGAL_PARTNER, HAS_NO_PRIVILEGE): not retried', async () => {
    for (const c of ['ILLEGAL_SIGN', 'ILLEGAL_PARTNER', 'HAS_NO_PRIVILEGE']) {
      answer = code(c);
      await failsWith(GATEWAY_FAILURE.configuration, false);
    }
  });

  test('input (ILLEGAL_ARGUMENT, WITKEY_TRANSFER_NOT_EXIST): not retried', async () => {
    for (const c of ['ILLEGAL_ARGUMENT', 'WITKEY_TRANSFER_NOT_EXIST']) {
      answer = code(c);
      await failsWith(GATEWAY_FAILURE.input, false);
    }
  });

  test('already paid for these transfer numbers is success (the request is the same one: built from them alone)', async () => {
    for (const c of ['WITKEY_OUTER_TRANSFER_ALREADY_PAID', 'WITKEY_OUTER_TRANSFER_REPEAT']) {
      answer = code(c);
      assert.equal((await payout()).alreadyDone, true, c);
    }
  });

  test('WITKEY_DATA_NOT_MATCH (a different request under a used number) is not success: not retried, to an operator', async () => {
    answer = code('WITKEY_DATA_NOT_MATCH');
    await assert.rejects(payout(), (err: unknown) => err instanceof ApplicationFailure && err.nonRetryable);
  });

  test('cancel: success_list and failure_list per transfer', async () => {
    answer = (params) => ({
      body: buildMapiSuccessReply({
        request: params,
        responseXml: cancelConfirmResponseXml({
          outerTaskId: 'task-1',
          succeeded: [{ outerTransferNo: 'task-1T1', transferStatus: 'W' }],
          failed: [{ outerTransferNo: 'task-1T2', errorCode: 'WITKEY_NOT_ALLOW' }],
        }),
        signer: alipaySigner,
        charset: 'utf-8',
      }),
    });
    calls = [];
    const res = await runActivity(activities.cancelConfirmByPlatform, {
      outerTaskId: 'task-1',
      transferNos: ['task-1T1', 'task-1T2'],
    });
    assert.deepEqual(res.cancelled, ['task-1T1']);
    assert.deepEqual(res.failed, [{ transferNo: 'task-1T2', errorCode: 'WITKEY_NOT_ALLOW' }]);
    assert.equal(calls[0].cancel_transfer_detail, 'task-1T1~@^&task-1T2');
  });

  test('pages: a nickname that would inject a record is refused before signing (input, not retried)', async () => {
    await assert.rejects(
      runActivity(activities.createConfirmPage, {
        outerTaskId: 'task-1',
        publisherId: 'pub',
        publisherAlipayUserId: '2088100000000001',
        transfers: [
          {
            transferNo: 'task-1T1',
            amountFen: 100,
            winnerAlipayUserId: '2088200000000001',
            winnerNickname: 'evil*@|$task-1T9~*@^999',
          },
        ],
      }),
      (err: unknown) => err instanceof ApplicationFailure && err.type === GATEWAY_FAILURE.input && err.nonRetryable,
    );
  });
});
