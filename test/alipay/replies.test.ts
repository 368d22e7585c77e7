// Sync XML replies: every seed reply shape parses after fixing its non-well-formed tags; the unfixed seed text and
// other malformed replies are classified errors (transient, outcome unknown), never success.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as iconv from 'iconv-lite';
import { keys, fixturePath, openssl, withTempDir, writeTemp } from './helpers';
import {
  buildMapiFailureReply,
  buildMapiSuccessReply,
  cancelConfirmResponseXml,
  confirmByPlatformResponseXml,
  parseCancelConfirmReply,
  parseConfirmByPlatformReply,
  parseMapiReply,
  readMapiReply,
  signedResponseBytes,
} from '../../alipay/mapi-reply';
import { AlipayError, GatewayError, MalformedReplyError, SignatureError } from '../../alipay/core/errors';
import type { MapiVerifier } from '../../alipay/sign';

const dsaVerifier = (): MapiVerifier => ({ signType: 'DSA', publicKey: keys.dsaPublic() });

// Alipay's cancel document section 4.2, verbatim (not well formed: </outer_transfer_n>, "< transfer_status >", unclosed
// <transfer_detail>, "</ failure_list >", "..." placeholders).
const SEED_CANCEL_REPLY = `<alipay>
<is_success>T</is_success>
<request>
...
</request>
<response>
  <outer_task_id>t201109233425223322</outer_task_id>
  <success_list>
    <transfer_detail>
      <outer_transfer_no>xxxxxxx </outer_transfer_n>
      < transfer_status >W </ transfer_status >
    </transfer_detail>
    <transfer_detail>
      <outer_transfer_no>xxxxxxx </outer_transfer_n>
      < transfer_status >W </ transfer_status >
    </transfer_detail>
    .....
  </success_list>
  <failure_list>
    <transfer_detail>
<outer_transfer_no>xxxxxxx </outer_transfer_n>
<error_code> TRANSFER_NO_ALREADY_EXIST </error_code>
<transfer_detail>
<transfer_detail>
<outer_transfer_no>xxxxxxx </outer_transfer_n>
<error_code> TRANSFER_NO_ALREADY_EXIST </error_code>
<transfer_detail>
.....
</ failure_list >

</response>
<sign>MCOCFDJNTQ3rIYIVNBj/r50rgYG865owAhUA1FnKupCEelvwzpTDD1aaODYCrtM=
</sign>
<sign_type>DSA</sign_type>
</alipay>`;

// Alipay's confirm.by.platform document section 4.2, verbatim (well formed apart from the "..." request placeholder, which is text).
const SEED_CONFIRM_REPLY = `<alipay>
  <is_success>T</is_success>
  <request>
    ...
  </request>
  <response>
    <task_info>
      <outer_task_id>wf301111010000977</outer_task_id>
    </task_info>
  </response>
  <sign>MCOCFDJNTQ3rIYIVNBj/r50rgYG865owAhUA1FnKupCEelvwzpTDD1aaODYCrtM=
  </sign>
  <sign_type>DSA</sign_type>
</alipay>`;

// the cancel and confirm.by.platform documents, section 4.2, the failure shape.
const SEED_FAILURE = `<alipay>
<is_success>F</is_success>
<error>ILLEGAL_SIGN</error>
</alipay>`;

/** The repairs, each one a conversion defect of the seed text. */
function fixSeedXml(xml: string): string {
  return xml
    .replace(/<\/outer_transfer_n>/g, '</outer_transfer_no>')
    .replace(/< transfer_status >/g, '<transfer_status>')
    .replace(/<\/ transfer_status >/g, '</transfer_status>')
    .replace(/<\/ failure_list >/g, '</failure_list>')
    .replace(/(<\/error_code>\s*)<transfer_detail>/g, '$1</transfer_detail>')
    .replace(/^\s*\.{5}\s*$/gm, '')
    .replace(/<request>\s*\.\.\.\s*<\/request>/, '<request><param name="_input_charset">utf-8</param></request>');
}

/** Replace the seed's placeholder signature by openssl's DSA signature over the exact <response> bytes. */
function resignWithOpenssl(xml: string, charset: 'utf-8' | 'gbk' = 'utf-8'): Buffer {
  const bytes = iconv.encode(xml, charset);
  return withTempDir((dir) => {
    const start = bytes.indexOf('<response>');
    const end = bytes.indexOf('</response>') + '</response>'.length;
    const data = writeTemp(dir, 'resp.bin', bytes.subarray(start, end));
    const sig = openssl(['dgst', '-sha1', '-sign', fixturePath('dsa-private-pkcs8.pem'), data]).toString('base64');
    return iconv.encode(xml.replace(/<sign>[\s\S]*?<\/sign>/, `<sign>${sig}</sign>`), charset);
  });
}

test('the cancel document: reply (repaired, re-signed by openssl) parses into success_list / failure_list', () => {
  const body = resignWithOpenssl(fixSeedXml(SEED_CANCEL_REPLY));
  const reply = parseCancelConfirmReply(body, 'utf-8', dsaVerifier());
  assert.equal(reply.outerTaskId, 't201109233425223322');
  assert.deepEqual(reply.succeeded, [
    { outerTransferNo: 'xxxxxxx', transferStatus: 'W' },
    { outerTransferNo: 'xxxxxxx', transferStatus: 'W' },
  ]);
  assert.deepEqual(reply.failed, [
    { outerTransferNo: 'xxxxxxx', errorCode: 'TRANSFER_NO_ALREADY_EXIST', errorClass: 'already-done' },
    { outerTransferNo: 'xxxxxxx', errorCode: 'TRANSFER_NO_ALREADY_EXIST', errorClass: 'already-done' },
  ]);
});

test('the confirm.by.platform document: reply (re-signed by openssl) parses', () => {
  const body = resignWithOpenssl(fixSeedXml(SEED_CONFIRM_REPLY));
  assert.deepEqual(parseConfirmByPlatformReply(body, 'utf-8', dsaVerifier()), { outerTaskId: 'wf301111010000977' });
});

test('seed failure shape -> GatewayError classified by the table', () => {
  assert.throws(
    () => readMapiReply(SEED_FAILURE, 'utf-8'),
    (e: unknown) =>
      e instanceof GatewayError && e.gatewayCode === 'ILLEGAL_SIGN' && e.errorClass === 'configuration' && e.known,
  );
  const cls = (code: string) => {
    try {
      readMapiReply(buildMapiFailureReply(code), 'utf-8');
    } catch (e) {
      return (e as GatewayError).errorClass;
    }
    return 'none';
  };
  assert.equal(cls('SYSTEM_ERROR'), 'transient');
  assert.equal(cls('NOT_DONE_OF_TRANSFER_FOUND'), 'state');
  assert.equal(cls('WITKEY_TRANSFER_ALREADY_EXIST'), 'already-done');
  assert.equal(cls('WITKEY_NOT_ALLOW'), 'input');
  assert.equal(cls('SOMETHING_NEW'), 'input');
});

test('the unrepaired documented text is malformed: transient, outcome unknown, never success', () => {
  for (const xml of [SEED_CANCEL_REPLY]) {
    assert.throws(
      () => parseMapiReply(xml, 'utf-8', dsaVerifier()),
      (e: unknown) => e instanceof MalformedReplyError && e.errorClass === 'transient' && e.outcomeUnknown,
    );
  }
  // Alipay's confirm.by.platform document is well formed but carries a placeholder signature: refused, outcome unknown.
  assert.throws(
    () => parseMapiReply(SEED_CONFIRM_REPLY, 'utf-8', dsaVerifier()),
    (e: unknown) => e instanceof SignatureError && e.outcomeUnknown,
  );
});

test('malformed replies are classified errors', () => {
  const good = buildMapiSuccessReply({
    request: { service: 'x' },
    responseXml: confirmByPlatformResponseXml({ outerTaskId: 'T1' }),
    signer: { signType: 'DSA', privateKey: keys.dsaPrivate() },
    charset: 'utf-8',
  }).toString('utf8');
  assert.deepEqual(parseConfirmByPlatformReply(good, 'utf-8', dsaVerifier()), { outerTaskId: 'T1' });
  const bad = [
    '',
    '<html><body>502 Bad Gateway</body></html>',
    good.slice(0, good.length - 10),
    good.replace('<is_success>T</is_success>', '<is_success>X</is_success>'),
    good.replace('<is_success>T</is_success>', ''),
    good.replace(/<sign>.*<\/sign>/, ''),
    good.replace('</response>', '</response><response></response>'),
    good.replace('<alipay>', '<!DOCTYPE a [<!ENTITY x "y">]><alipay>'),
    good.replace('<task_info>', '<task_info><task_info>'),
    '<alipay><is_success>F</is_success></alipay>',
    '<alipay><is_success>F</is_success><error>a b</error></alipay>',
    good.replace(/<task_info>.*<\/task_info>/, '<other/>'),
  ];
  for (const b of bad) {
    assert.throws(
      () => parseConfirmByPlatformReply(b, 'utf-8', dsaVerifier()),
      (e: unknown) =>
        e instanceof AlipayError && (e.errorClass === 'transient' || e instanceof SignatureError) && e.outcomeUnknown,
      JSON.stringify(b.slice(0, 80)),
    );
  }
  // Invalid bytes for the charset.
  assert.throws(
    () => parseConfirmByPlatformReply(Buffer.from([0x3c, 0xff, 0xfe]), 'utf-8', dsaVerifier()),
    MalformedReplyError,
  );
});

test('the signature covers exactly the <response> bytes as received', () => {
  const signer = { signType: 'DSA' as const, privateKey: keys.dsaPrivate() };
  const body = buildMapiSuccessReply({
    request: { service: 's', partner: '2088101012352995' },
    responseXml: cancelConfirmResponseXml({
      outerTaskId: '任务一',
      succeeded: [{ outerTransferNo: 'T1', transferStatus: 'W' }],
      failed: [],
    }),
    signer,
    charset: 'gbk',
  });
  // GBK bytes, verified by openssl over the extracted region.
  withTempDir((dir) => {
    const region = signedResponseBytes(body);
    assert.ok(region.toString('latin1').startsWith('<response>') && region.toString('latin1').endsWith('</response>'));
    const reply = readMapiReply(body, 'gbk');
    const sig = writeTemp(dir, 's.sig', Buffer.from(reply.sign, 'base64'));
    assert.match(
      openssl([
        'dgst',
        '-sha1',
        '-verify',
        fixturePath('dsa-public.pem'),
        '-signature',
        sig,
        writeTemp(dir, 'd', region),
      ]).toString(),
      /Verified OK/,
    );
  });
  assert.equal(parseCancelConfirmReply(body, 'gbk', dsaVerifier()).outerTaskId, '任务一');
  const text = iconv.decode(body, 'gbk');
  // Whitespace outside <response> does not matter; inside it does (no re-serialisation).
  assert.equal(
    parseCancelConfirmReply(iconv.encode(text.replace('<sign>', '\n  <sign>'), 'gbk'), 'gbk', dsaVerifier())
      .outerTaskId,
    '任务一',
  );
  assert.throws(
    () =>
      parseCancelConfirmReply(
        iconv.encode(text.replace('<success_list>', ' <success_list>'), 'gbk'),
        'gbk',
        dsaVerifier(),
      ),
    SignatureError,
  );
  // Decoding as UTF-8 what was sent as GBK is refused.
  assert.throws(() => parseCancelConfirmReply(body, 'utf-8', dsaVerifier()), AlipayError);
});

test('property: arbitrary input to the reply parser yields a typed error, never success', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string(),
        fc.string({ unit: 'grapheme' }),
        fc.uint8Array().map((u) => Buffer.from(u)),
      ),
      (input) => {
        try {
          parseMapiReply(input, 'utf-8', dsaVerifier());
        } catch (e) {
          assert.ok(e instanceof AlipayError, `untyped error: ${String(e)}`);
          return;
        }
        assert.fail('arbitrary input accepted');
      },
    ),
    { numRuns: 1500 },
  );
});

test('property: a mutated signed reply either fails typed or yields exactly the original response', () => {
  const signer = { signType: 'RSA' as const, privateKey: keys.rsaPrivate() };
  const verifier: MapiVerifier = { signType: 'RSA', publicKey: keys.rsaPublic() };
  const body = buildMapiSuccessReply({
    request: { service: 's' },
    responseXml: cancelConfirmResponseXml({
      outerTaskId: 'T9',
      succeeded: [{ outerTransferNo: 'A1', transferStatus: 'W' }],
      failed: [{ outerTransferNo: 'A2', errorCode: 'WITKEY_NOT_ALLOW' }],
    }),
    signer,
    charset: 'utf-8',
  }).toString('utf8');
  const original = parseCancelConfirmReply(body, 'utf-8', verifier);
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: body.length - 1 }),
      fc.integer({ min: 0, max: 3 }),
      fc.string({ maxLength: 3 }),
      (pos, del, ins) => {
        const mutated = body.slice(0, pos) + ins + body.slice(pos + del);
        try {
          assert.deepEqual(parseCancelConfirmReply(mutated, 'utf-8', verifier), original);
        } catch (e) {
          assert.ok(e instanceof AlipayError, `untyped error: ${String(e)}`);
        }
      },
    ),
    { numRuns: 1500 },
  );
});
