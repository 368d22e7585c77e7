// Certificate SNs (public test vectors of the official Alipay Node SDK) and key loading.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { sign, verify } from 'node:crypto';
import { fixture } from './helpers';
import { certIssuerString, certSn, rootCertSn } from '../../alipay/cert';
import { loadPrivateKey, loadPublicKey, Md5Key } from '../../alipay/keys';
import { KeyError } from '../../alipay/core/errors';

// Certificates from github.com/alipay/alipay-sdk-nodejs-all test/fixtures (release 4.14.0); the expected SNs are
// the ones asserted by that SDK's test/antcertutil.test.ts. Only the data is used here.
test('app_cert_sn public test vector: 866efef280dec9137a87d047ac446315', () => {
  assert.equal(certSn(fixture('sdk-appCertPublicKey_2021001161683774.crt')), '866efef280dec9137a87d047ac446315');
  assert.equal(
    certIssuerString(fixture('sdk-appCertPublicKey_2021001161683774.crt')),
    'CN=Ant Financial Certification Authority Class 1 R1,OU=Certification Authority,O=Ant Financial,C=CN',
  );
});

test('alipay_cert_sn and alipay_root_cert_sn vectors (root bundle mixes SM2/ECC and RSA certificates)', () => {
  assert.equal(certSn(fixture('sdk-alipayCertPublicKey_RSA2.crt')), '7513daaaa48aa3ba2e4018d84402479c');
  assert.equal(
    rootCertSn(fixture('sdk-alipayRootCert.crt')),
    '687b59193f3f462dd5336e5abf83c5d8_02941eef3187dddf3d3b83462e1dfcf6',
  );
  assert.throws(() => certSn('no certificate here'), KeyError);
});

test('keys load from PKCS#1, PKCS#8, traditional DSA, SPKI, certificates and bare base64 bodies', () => {
  const body = (pem: string) => pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  const data = Buffer.from('abc');
  const rsaPrivs = [
    fixture('rsa-private-pkcs1.pem'),
    fixture('rsa-private-pkcs8.pem'),
    body(fixture('rsa-private-pkcs1.pem')),
    body(fixture('rsa-private-pkcs8.pem')),
  ].map((k) => loadPrivateKey(k, 'rsa'));
  const rsaPubs = [
    fixture('rsa-public.pem'),
    fixture('rsa-public-pkcs1.pem'),
    body(fixture('rsa-public.pem')),
    body(fixture('rsa-public-pkcs1.pem')),
  ].map((k) => loadPublicKey(k, 'rsa'));
  for (const priv of rsaPrivs)
    for (const pub of rsaPubs) assert.ok(verify('sha256', data, pub, sign('sha256', data, priv)));
  const dsaPrivs = [
    fixture('dsa-private-traditional.pem'),
    fixture('dsa-private-pkcs8.pem'),
    body(fixture('dsa-private-pkcs8.pem')),
  ].map((k) => loadPrivateKey(k, 'dsa'));
  const dsaPubs = [fixture('dsa-public.pem'), body(fixture('dsa-public.pem'))].map((k) => loadPublicKey(k, 'dsa'));
  for (const priv of dsaPrivs)
    for (const pub of dsaPubs) assert.ok(verify('sha1', data, pub, sign('sha1', data, priv)));
  // A certificate is a valid public key source (Alipay's public key certificate).
  assert.equal(loadPublicKey(fixture('sdk-alipayCertPublicKey_RSA2.crt'), 'rsa').asymmetricKeyType, 'rsa');
  // A private key yields its public half.
  assert.equal(loadPublicKey(rsaPrivs[0]).type, 'public');
});

test('key errors never carry key material', () => {
  const pkcs8 = fixture('rsa-private-pkcs8.pem');
  const secretBody = pkcs8.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  const attempts: Array<() => unknown> = [
    () => loadPrivateKey(pkcs8, 'dsa'),
    () => loadPrivateKey(secretBody.slice(0, 200)),
    () => loadPrivateKey(pkcs8.replace('MII', 'XYZ')),
    () => loadPublicKey(pkcs8),
    () => loadPublicKey(secretBody),
    () => loadPrivateKey('not a key at all!'),
  ];
  for (const attempt of attempts) {
    try {
      attempt();
      assert.fail('expected KeyError');
    } catch (e) {
      assert.ok(e instanceof KeyError, String(e));
      const text = `${e.message} ${e.stack ?? ''} ${inspect(e)}`;
      for (let i = 0; i + 16 <= secretBody.length; i += 16)
        assert.ok(!text.includes(secretBody.slice(i, i + 16)), 'key material leaked');
    }
  }
  const md5 = new Md5Key('topsecretvalue');
  assert.equal(`${String(md5)} ${JSON.stringify({ md5 })} ${inspect(md5)}`.includes('topsecretvalue'), false);
  assert.equal(inspect(loadPrivateKey(pkcs8)).includes(secretBody.slice(0, 16)), false);
});
