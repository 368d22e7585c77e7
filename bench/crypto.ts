/**
 * `npm run bench -- crypto`: checking the signature of one Alipay notification (MAPI, sign_type RSA = SHA1withRSA,
 * the only MAPI sign type the official SDK can check) with the protocol library (A: verifyMapiParams over the form
 * fields) against the official `alipay-sdk` 4.14's `checkNotifySign` (B) — the same work, so the verdict is on this
 * pair — and against bare node:crypto verifying the same signing bytes with a parsed key (the floor). The library's
 * whole notification check (well-formedness, signature, the typed event read from the strict XML: what the webhook
 * runs) is reported beside it. Pairs interleave A and B; each side is measured for a time budget. Under it, the
 * library's other operations against node:crypto (bench/crypto-ops.ts).
 *   --pairs N (default 5)  --ms M per measurement (default 400)
 */
import { generateKeyPairSync, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { AlipaySdk } from 'alipay-sdk';
import { buildNotification, verifyNotificationFields } from '../alipay/notify';
import { mapiSigningBytes, verifyMapiParams } from '../alipay/sign';
import { libraryOps } from './crypto-ops';
import { intFlag, type Flags } from './lib/args';
import { opsPerSecond } from './lib/ops';
import { interleave, medians } from './lib/pairs';
import { comparisonTable, finish, type BenchResult } from './lib/report';
import { atLeast, fmt, ratio } from './lib/stats';
import { markdownTable } from './lib/table';

const PARTNER = '2088101012352995';
export const CRYPTO_TARGET = atLeast(10);

interface Subject {
  fields: Record<string, string>;
  publicKey: KeyObject;
  publicPem: string;
  privatePem: string;
}

/** A task_freeze notification signed the way the gateway signs it (sign and sign_type outside the signed string). */
function signedNotification(): Subject {
  const kp = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const built = buildNotification(
    {
      notifyId: 'bench-notify-0001',
      notifyTime: Date.UTC(2026, 0, 2, 3, 4, 5),
      event: {
        type: 'task_freeze',
        partner: PARTNER,
        outerTaskId: 'bench-task-0001',
        outerTaskFreezeNo: 'bench-task-0001-F1',
        taskAmountFen: 100_000,
        paidTime: Date.UTC(2026, 0, 2, 3, 4, 0),
        alipayUserId: '2088102000000001',
      },
    },
    { signType: 'RSA', privateKey: kp.privateKey },
    'utf-8',
  );
  return {
    fields: { ...built.fields },
    publicKey: kp.publicKey,
    publicPem: kp.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privatePem: kp.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** The three verifiers, each checked to say "genuine" once before anything is timed. */
function verifiers(s: Subject): Record<'whole' | 'signature' | 'sdk' | 'bare', () => unknown> {
  const inbound = {
    verifier: { signType: 'RSA' as const, publicKey: s.publicKey },
    charset: 'utf-8',
    partner: PARTNER,
  };
  const sdk = new AlipaySdk({ appId: '2021000000000000', privateKey: s.privatePem, alipayPublicKey: s.publicPem });
  const bytes = mapiSigningBytes(s.fields, 'utf-8');
  const sig = Buffer.from(s.fields.sign, 'base64');
  const out = {
    whole: () => verifyNotificationFields(s.fields, inbound),
    signature: () => verifyMapiParams(s.fields, inbound.verifier, 'utf-8'),
    sdk: () => sdk.checkNotifySign({ ...s.fields }),
    bare: () => cryptoVerify('sha1', bytes, s.publicKey, sig),
  };
  if (!out.whole() || !out.signature() || !out.sdk() || !out.bare())
    throw new Error('a verifier refused the genuine notification: the comparison would be meaningless');
  return out;
}

export async function runCrypto(flags: Flags, say: (line: string) => void): Promise<BenchResult> {
  const pairs = intFlag(flags, 'pairs', 5);
  const ms = intFlag(flags, 'ms', 400);
  const v = verifiers(signedNotification());
  say(`crypto: ${pairs} pairs, ${ms} ms per side; A = protocol library, B = alipay-sdk checkNotifySign / node:crypto`);
  const runs = await interleave(
    pairs,
    async () => ({ signature: opsPerSecond(v.signature, ms), whole: opsPerSecond(v.whole, ms) }),
    async () => ({ sdk: opsPerSecond(v.sdk, ms), bare: opsPerSecond(v.bare, ms) }),
    (i, a, b) => say(`  pair ${i + 1}: library ${fmt(a.signature)}/s, sdk ${fmt(b.sdk)}/s`),
  );
  const a = medians(runs.a);
  const b = medians(runs.b);
  say(
    comparisonTable({ a: 'A: library /s', b: 'B /s' }, [
      { figure: 'signature: verifyMapiParams (A) vs alipay-sdk checkNotifySign (B)', a: a.signature, b: b.sdk },
      { figure: 'signature: verifyMapiParams (A) vs bare node:crypto verify (B)', a: a.signature, b: b.bare },
      { figure: 'whole check + typed event (A) vs alipay-sdk checkNotifySign (B)', a: a.whole, b: b.sdk },
    ]),
  );
  say('library operations against node:crypto (one run each):');
  say(
    markdownTable(
      ['operation', 'library /s', 'node:crypto /s', 'ratio'],
      libraryOps(ms).map((r) => [r.name, fmt(r.library), fmt(r.baseline), fmt(ratio(r.library, r.baseline))]),
    ),
  );
  return finish('crypto', ratio(a.signature, b.sdk), CRYPTO_TARGET, say);
}
