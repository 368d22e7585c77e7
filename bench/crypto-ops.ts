// The Alipay wire library's own operations against bare node:crypto doing the same cryptographic work on the same
// bytes: sign / verify per second for DSA (MAPI) and RSA2 (OpenAPI), and sync XML replies parsed (and verified) per
// second. The ratio is library / node:crypto. Printed by `npm run bench -- crypto` under its headline comparison.

import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign as cryptoSign,
  verify as cryptoVerify,
  type KeyObject,
} from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import { opsPerSecond } from './lib/ops';
import { mapiSigningString, openApiSigningString } from '../alipay/core/canonical';
import { signMapiParams, signOpenApiParams, verifyMapiParams, verifyOpenApiParams } from '../alipay/sign';
import {
  buildMapiSuccessReply,
  cancelConfirmResponseXml,
  parseCancelConfirmReply,
  signedResponseBytes,
} from '../alipay/mapi-reply';

export interface OpsRow {
  name: string;
  library: number;
  baseline: number;
}

function keyPair(type: 'dsa' | 'rsa'): { privateKey: KeyObject; publicKey: KeyObject } {
  const kp =
    type === 'dsa'
      ? generateKeyPairSync('dsa', { modulusLength: 1024, divisorLength: 160 })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey: createPrivateKey(kp.privateKey.export({ type: 'pkcs8', format: 'pem' })),
    publicKey: createPublicKey(kp.publicKey.export({ type: 'spki', format: 'pem' })),
  };
}

type Pair = { privateKey: KeyObject; publicKey: KeyObject };

/** Each operation measured for `budget` ms on both sides. */
export function libraryOps(budget: number): OpsRow[] {
  const dsa = keyPair('dsa');
  return [...dsaRows(dsa, budget), ...rsa2Rows(keyPair('rsa'), budget), xmlReplyRow(dsa, budget)];
}

const PARAMS: Record<string, string> = {
  service: 'alipay.witkey.task.left.amount.handle',
  partner: '2088101012352995',
  _input_charset: 'utf-8',
  outer_task_id: '20111221_0011',
  outer_account_id: 'task_publisher',
  refund_detail: '20111221_0012_03~*@^20.10',
  platform_detail: '20111221_0013_04~*@^30.10',
  transfer_detail:
    '111221_0011_10~*@^15.00~*@^2088102116203708~*@^天之蓝*@|$111221_0011_11~*@^17.00~*@^2088102116203728~*@^红彤彤',
  notify_url: 'http://www.xx.com/notify_url',
  return_url: 'http://www.xx.com/return_url',
};

/** DSA (MAPI): the library canonicalises, encodes and signs; the baseline signs the already-built bytes. */
function dsaRows(dsa: Pair, budget: number): OpsRow[] {
  const params = PARAMS;
  const rows: OpsRow[] = [];
  const dsaBytes = Buffer.from(mapiSigningString(params), 'utf8');
  const dsaSigned = {
    ...params,
    sign_type: 'DSA',
    sign: signMapiParams(params, { signType: 'DSA', privateKey: dsa.privateKey }, 'utf-8'),
  };
  const dsaSig = Buffer.from(dsaSigned.sign, 'base64');
  rows.push({
    name: 'DSA sign (SHA1withDSA)',
    library: opsPerSecond(
      () => signMapiParams(params, { signType: 'DSA', privateKey: dsa.privateKey }, 'utf-8'),
      budget,
    ),
    baseline: opsPerSecond(() => cryptoSign('sha1', dsaBytes, dsa.privateKey), budget),
  });
  rows.push({
    name: 'DSA verify',
    library: opsPerSecond(
      () => verifyMapiParams(dsaSigned, { signType: 'DSA', publicKey: dsa.publicKey }, 'utf-8'),
      budget,
    ),
    baseline: opsPerSecond(() => cryptoVerify('sha1', dsaBytes, dsa.publicKey, dsaSig), budget),
  });
  return rows;
}

/** RSA2 (OpenAPI) */
function rsa2Rows(rsa: Pair, budget: number): OpsRow[] {
  const rows: OpsRow[] = [];
  const openParams = {
    app_id: '2014060600164699',
    method: 'alipay.trade.cancel',
    format: 'JSON',
    charset: 'utf-8',
    sign_type: 'RSA2',
    timestamp: '2019-03-26 10:00:00',
    version: '1.0',
    biz_content: '{"out_trade_no":"sao201881610515614521"}',
  };
  const rsaBytes = Buffer.from(openApiSigningString(openParams), 'utf8');
  const rsaSigned = { ...openParams, sign: signOpenApiParams(openParams, rsa.privateKey) };
  const rsaSig = Buffer.from(rsaSigned.sign, 'base64');
  rows.push({
    name: 'RSA2 sign (SHA256withRSA 2048)',
    library: opsPerSecond(() => signOpenApiParams(openParams, rsa.privateKey), budget),
    baseline: opsPerSecond(() => cryptoSign('sha256', rsaBytes, rsa.privateKey), budget),
  });
  rows.push({
    name: 'RSA2 verify',
    library: opsPerSecond(() => verifyOpenApiParams(rsaSigned, rsa.publicKey), budget),
    baseline: opsPerSecond(() => cryptoVerify('sha256', rsaBytes, rsa.publicKey, rsaSig), budget),
  });
  return rows;
}

/**
 * XML reply: library = strict parse + typed read + DSA verification over the <response> bytes;
 * baseline = fast-xml-parser parse + bare crypto.verify over the same bytes.
 */
function xmlReplyRow(dsa: Pair, budget: number): OpsRow {
  const reply = buildMapiSuccessReply({
    request: PARAMS,
    responseXml: cancelConfirmResponseXml({
      outerTaskId: '20111221_0011',
      succeeded: Array.from({ length: 10 }, (_, i) => ({ outerTransferNo: `T${i}`, transferStatus: 'W' })),
      failed: [{ outerTransferNo: 'T99', errorCode: 'WITKEY_NOT_ALLOW' }],
    }),
    signer: { signType: 'DSA', privateKey: dsa.privateKey },
    charset: 'utf-8',
  });
  const region = signedResponseBytes(reply);
  const replySig = Buffer.from(/<sign>([^<]+)<\/sign>/.exec(reply.toString('utf8'))![1], 'base64');
  const bare = new XMLParser();
  return {
    name: 'XML reply parse + verify (DSA)',
    library: opsPerSecond(
      () => parseCancelConfirmReply(reply, 'utf-8', { signType: 'DSA', publicKey: dsa.publicKey }),
      budget,
    ),
    baseline: opsPerSecond(() => {
      bare.parse(reply.toString('utf8'));
      return cryptoVerify('sha1', region, dsa.publicKey, replySig);
    }, budget),
  };
}
