import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { base32Encode, sha256, toHex, utf8Encode } from '../../alipay/core/sha256';
import {
  businessNumber,
  shortTaskKey,
  HASH_KEY_LENGTH,
  MAX_BUSINESS_NO_LENGTH,
  type Step,
} from '../../alipay/core/business-numbers';

test('sha256 (pure TS) matches node:crypto on fixed and arbitrary input', () => {
  for (const s of ['', 'abc', 'a'.repeat(55), 'a'.repeat(56), 'a'.repeat(64), 'a'.repeat(1000), '悬赏任务 😀']) {
    assert.equal(toHex(sha256(s)), createHash('sha256').update(s, 'utf8').digest('hex'));
  }
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      assert.equal(toHex(sha256(bytes)), createHash('sha256').update(bytes).digest('hex'));
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme' }), (s) => {
      assert.deepEqual(Buffer.from(utf8Encode(s)), Buffer.from(s, 'utf8'));
    }),
  );
});

test('base32 matches RFC 4648 test vectors', () => {
  const enc = (s: string) => base32Encode(new TextEncoder().encode(s));
  assert.equal(enc('f'), 'MY');
  assert.equal(enc('fo'), 'MZXQ');
  assert.equal(enc('foo'), 'MZXW6');
  assert.equal(enc('foob'), 'MZXW6YQ');
  assert.equal(enc('fooba'), 'MZXW6YTB');
  assert.equal(enc('foobar'), 'MZXW6YTBOI');
});

test('business numbers: literal key when it fits, hashed otherwise', () => {
  assert.equal(businessNumber('time84011110310001', { kind: 'freeze' }), 'time84011110310001FZ');
  assert.equal(businessNumber('t1', { kind: 'transfer', index: 12 }), 't1T12');
  const long = 'task-2011-07-21-10932878-publisher-xyz';
  const key = shortTaskKey(long);
  assert.equal(key.length, HASH_KEY_LENGTH);
  assert.equal(key, base32Encode(createHash('sha256').update(long).digest()).slice(0, HASH_KEY_LENGTH));
  assert.equal(
    shortTaskKey('悬赏'),
    base32Encode(createHash('sha256').update('悬赏').digest()).slice(0, HASH_KEY_LENGTH),
  );
  assert.throws(() => businessNumber('t', { kind: 'transfer', index: 0 }));
  assert.throws(() => businessNumber('t', { kind: 'transfer', index: 10000 }));
  assert.throws(() => businessNumber('', { kind: 'freeze' }));
});

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.constant<Step>({ kind: 'freeze' }),
  fc.constant<Step>({ kind: 'additionalProfit' }),
  ...(['appendFreeze', 'appendProfit', 'transfer', 'leftoverRefund', 'leftoverPlatform'] as const).map((kind) =>
    fc.integer({ min: 1, max: 9999 }).map((index) => ({ kind, index })),
  ),
);

test('property: deterministic, at most 30 chars, distinct per (task, step)', () => {
  const idArb = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,30}$/), fc.string({ minLength: 1, maxLength: 60 }));
  fc.assert(
    fc.property(idArb, idArb, stepArb, stepArb, (id1, id2, s1, s2) => {
      const n1 = businessNumber(id1, s1);
      assert.equal(n1, businessNumber(id1, s1));
      assert.ok(n1.length <= MAX_BUSINESS_NO_LENGTH);
      assert.match(n1, /^[A-Za-z0-9_-]+$/);
      const n2 = businessNumber(id2, s2);
      const sameTask = shortTaskKey(id1) === shortTaskKey(id2);
      const sameStep = JSON.stringify(s1) === JSON.stringify(s2);
      if (!(sameTask && sameStep)) assert.notEqual(n1, n2);
    }),
    { numRuns: 5000 },
  );
});
