// Cross-checks against an independent implementation, the openssl command line: signatures made by the library
// verify with openssl, and openssl's signatures verify with the library, for DSA (SHA1withDSA, DER), RSA
// (SHA1withRSA), RSA2 (SHA256withRSA, OpenAPI) and MD5 (md5 over string+key), in utf-8 and gbk.
//
// The expected signing strings are written out BY HAND below (not produced by the library), encoded with
// iconv-lite, and handed to openssl; so a canonicalisation or charset bug in the library makes these fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as iconv from 'iconv-lite';
import { keys, fixturePath, openssl, withTempDir, writeTemp } from './helpers';
import { signMapiParams, verifyMapiParams, signOpenApiParams, verifyOpenApiParams } from '../../alipay/sign';
import { mapiSigningString, openApiSigningString } from '../../alipay/core/canonical';
import { Md5Key } from '../../alipay/keys';

interface Case {
  name: string;
  params: (charset: string) => Record<string, string>;
  expected: (charset: string) => string;
  /** The OpenAPI string: the same plus sign_type=RSA2 in its sorted place (hand-written too). */
  expectedRsa2: (charset: string) => string;
}

const CASES: Case[] = [
  {
    name: 'task.create with Chinese, + % & = and an empty value',
    params: (cs) => ({
      service: 'alipay.witkey.task.create',
      partner: '2088101012352995',
      _input_charset: cs,
      task_title: '测试悬赏 a+b=c&d%20',
      outer_account_name: '小猪',
      additional_profit_amount: '',
      zero: '0',
      notify_url: 'http://x.com/n?a=1&b=2',
      sign_type: 'DSA',
      sign: 'not-signed',
    }),
    expected: (cs) =>
      `_input_charset=${cs}&notify_url=http://x.com/n?a=1&b=2&outer_account_name=小猪&partner=2088101012352995&service=alipay.witkey.task.create&task_title=测试悬赏 a+b=c&d%20&zero=0`,
    expectedRsa2: (cs) =>
      `_input_charset=${cs}&notify_url=http://x.com/n?a=1&b=2&outer_account_name=小猪&partner=2088101012352995&service=alipay.witkey.task.create&sign_type=RSA2&task_title=测试悬赏 a+b=c&d%20&zero=0`,
  },
  {
    name: 'separators, upper-case key, percent text that must not be decoded',
    params: (cs) => ({
      Z: 'upper',
      _input_charset: cs,
      a: '=',
      b: '',
      c: '%E4%B8%AD',
      d: '&&',
      e: '+',
      f: '天之蓝~*@^红彤彤*@|$',
    }),
    expected: (cs) => `Z=upper&_input_charset=${cs}&a==&c=%E4%B8%AD&d=&&&e=+&f=天之蓝~*@^红彤彤*@|$`,
    expectedRsa2: (cs) => `Z=upper&_input_charset=${cs}&a==&c=%E4%B8%AD&d=&&&e=+&f=天之蓝~*@^红彤彤*@|$&sign_type=RSA2`,
  },
];

const CHARSETS = ['utf-8', 'gbk'] as const;

test('canonical strings equal the hand-written ones', () => {
  for (const c of CASES) for (const cs of CHARSETS) assert.equal(mapiSigningString(c.params(cs)), c.expected(cs));
});

for (const c of CASES) {
  for (const cs of CHARSETS) {
    test(`DSA and RSA (SHA1) vs openssl: ${c.name} [${cs}]`, () => {
      withTempDir((dir) => {
        const data = writeTemp(dir, 'data.bin', iconv.encode(c.expected(cs), cs));
        for (const [signType, priv, pub, privPem, pubPem] of [
          ['DSA', keys.dsaPrivate(), keys.dsaPublic(), 'dsa-private-traditional.pem', 'dsa-public.pem'],
          ['RSA', keys.rsaPrivate(), keys.rsaPublic(), 'rsa-private-pkcs1.pem', 'rsa-public.pem'],
        ] as const) {
          const params = { ...c.params(cs), sign_type: signType };
          // library -> openssl
          const sign = signMapiParams(params, { signType, privateKey: priv }, cs);
          const sigFile = writeTemp(dir, `lib-${signType}.sig`, Buffer.from(sign, 'base64'));
          const out = openssl([
            'dgst',
            '-sha1',
            '-verify',
            fixturePath(pubPem),
            '-signature',
            sigFile,
            data,
          ]).toString();
          assert.match(out, /Verified OK/, `${signType} library signature rejected by openssl`);
          // openssl -> library
          const osslSig = openssl(['dgst', '-sha1', '-sign', fixturePath(privPem), data]).toString('base64');
          assert.equal(
            verifyMapiParams({ ...params, sign: osslSig }, { signType, publicKey: pub }, cs),
            true,
            `${signType} openssl signature rejected by library`,
          );
          if (signType === 'RSA') assert.equal(sign, osslSig, 'PKCS#1 v1.5 is deterministic: identical signatures');
          // negative: a changed value or the wrong charset must fail
          assert.equal(
            verifyMapiParams({ ...params, sign: osslSig, zero: '1' }, { signType, publicKey: pub }, cs),
            false,
          );
          assert.equal(
            verifyMapiParams(
              { ...params, sign: osslSig, sign_type: signType === 'DSA' ? 'RSA' : 'DSA' },
              { signType, publicKey: pub },
              cs,
            ),
            false,
          );
        }
        if (cs === 'gbk') {
          // The same text hashed as UTF-8 must NOT verify: GBK bytes are what is signed.
          const params = { ...c.params(cs), sign_type: 'RSA' };
          const utf8Sig = openssl([
            'dgst',
            '-sha1',
            '-sign',
            fixturePath('rsa-private-pkcs1.pem'),
            writeTemp(dir, 'u.bin', Buffer.from(c.expected(cs), 'utf8')),
          ]).toString('base64');
          assert.equal(
            verifyMapiParams({ ...params, sign: utf8Sig }, { signType: 'RSA', publicKey: keys.rsaPublic() }, cs),
            false,
          );
        }
      });
    });

    test(`MD5 vs openssl dgst -md5: ${c.name} [${cs}]`, () => {
      const secret = 'k3yABCdef0123456789xyz';
      const md5Key = new Md5Key(secret);
      const params = { ...c.params(cs), sign_type: 'MD5' };
      const expectedHex = openssl(['dgst', '-md5', '-r'], iconv.encode(c.expected(cs) + secret, cs))
        .toString()
        .split(' ')[0];
      assert.match(expectedHex, /^[0-9a-f]{32}$/);
      assert.equal(signMapiParams(params, { signType: 'MD5', md5Key }, cs), expectedHex);
      assert.equal(verifyMapiParams({ ...params, sign: expectedHex }, { signType: 'MD5', md5Key }, cs), true);
      assert.equal(
        verifyMapiParams({ ...params, sign: expectedHex }, { signType: 'MD5', md5Key: new Md5Key('other') }, cs),
        false,
      );
    });

    test(`RSA2 (OpenAPI, sign_type signed) vs openssl: ${c.name} [${cs}]`, () => {
      withTempDir((dir) => {
        const params = { ...c.params(cs), sign_type: 'RSA2' };
        delete (params as Record<string, string>).sign;
        const expected = c.expectedRsa2(cs);
        assert.equal(openApiSigningString(params), expected);
        const data = writeTemp(dir, 'data.bin', iconv.encode(expected, cs));
        const sign = signOpenApiParams(params, keys.rsaPrivate(), cs);
        const osslSig = openssl(['dgst', '-sha256', '-sign', fixturePath('rsa-private-pkcs8.pem'), data]).toString(
          'base64',
        );
        assert.equal(sign, osslSig);
        const sigFile = writeTemp(dir, 'lib.sig', Buffer.from(sign, 'base64'));
        assert.match(
          openssl([
            'dgst',
            '-sha256',
            '-verify',
            fixturePath('rsa-public.pem'),
            '-signature',
            sigFile,
            data,
          ]).toString(),
          /Verified OK/,
        );
        assert.equal(verifyOpenApiParams({ ...params, sign: osslSig }, keys.rsaPublic(), cs), true);
        assert.equal(verifyOpenApiParams({ ...params, sign: osslSig, sign_type: 'RSA' }, keys.rsaPublic(), cs), false);
      });
    });
  }
}
