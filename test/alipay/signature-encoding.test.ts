// A signature from outside is canonical base64 (MD5: 32 lowercase hex digits) or it does not verify: Node's base64
// decoding forgives invalid characters, missing or extra padding and trailing garbage, so a changed `sign` could
// decode to the genuine bytes (found by the hostile-input chaos scenario).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { keys, signMutations } from './helpers';
import {
  decodeSignatureBase64,
  signMapiBytes,
  signRsa2Bytes,
  verifyMapiBytes,
  verifyRsa2Bytes,
} from '../../alipay/sign';
import { Md5Key } from '../../alipay/keys';

const DATA = Buffer.from('outer_task_id=T1&partner=2088101012352995&service=alipay.witkey.task.create');

test('sign.ts: DSA, RSA and RSA2 signatures verify as sent and not with one character added, changed or dropped', () => {
  const cases: [string, (sig: string) => boolean, string[]][] = [
    [
      'DSA',
      (sig) => verifyMapiBytes(DATA, sig, { signType: 'DSA', publicKey: keys.dsaPublic() }),
      // DSA signatures are randomised: a few, so that padded and unpadded ones are both seen
      Array.from({ length: 6 }, () => signMapiBytes(DATA, { signType: 'DSA', privateKey: keys.dsaPrivate() })),
    ],
    [
      'RSA',
      (sig) => verifyMapiBytes(DATA, sig, { signType: 'RSA', publicKey: keys.rsaPublic() }),
      [signMapiBytes(DATA, { signType: 'RSA', privateKey: keys.rsaPrivate() })],
    ],
    ['RSA2', (sig) => verifyRsa2Bytes(DATA, sig, keys.rsaPublic()), [signRsa2Bytes(DATA, keys.rsaPrivate())]],
  ];
  for (const [name, verify, signatures] of cases) {
    for (const sig of signatures) {
      assert.equal(verify(sig), true, `${name}: the genuine signature`);
      for (const [what, changed] of signMutations(sig)) assert.equal(verify(changed), false, `${name}: ${what}`);
    }
  }
});

test('sign.ts: an MD5 signature is exactly the 32 lowercase hex digits', () => {
  const md5Key = new Md5Key('k');
  const verifier = { signType: 'MD5' as const, md5Key };
  const sig = createHash('md5')
    .update(Buffer.concat([DATA, Buffer.from('k')]))
    .digest('hex');
  assert.equal(signMapiBytes(DATA, { signType: 'MD5', md5Key }), sig);
  assert.equal(verifyMapiBytes(DATA, sig, verifier), true);
  for (const changed of [sig.toUpperCase(), `${sig} `, ` ${sig}`, `${sig}0`, sig.slice(0, -1), `${sig}\n`])
    assert.equal(verifyMapiBytes(DATA, changed, verifier), false, JSON.stringify(changed));
});

test('decodeSignatureBase64: canonical base64 only', () => {
  assert.deepEqual(decodeSignatureBase64('AAEC'), Buffer.from([0, 1, 2]));
  assert.deepEqual(decodeSignatureBase64('AAE='), Buffer.from([0, 1]));
  assert.deepEqual(decodeSignatureBase64('AA=='), Buffer.from([0]));
  assert.deepEqual(decodeSignatureBase64('+/+/'), Buffer.from([0xfb, 0xff, 0xbf]));
  for (const bad of [
    '',
    'AAE',
    'AA=',
    'AA===',
    'AAF=',
    'AB==',
    'AA==AAAA',
    'AAEC=',
    'AA EC',
    'AAEC\n',
    '-_-_',
    'AA!C',
    '=AAA',
  ])
    assert.equal(decodeSignatureBase64(bad), undefined, JSON.stringify(bad));
});
