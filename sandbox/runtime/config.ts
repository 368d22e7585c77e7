// Keys and configuration in the data folder. On first start in an empty folder: Alipay's key pairs (DSA for the
// legacy gateway, RSA for OpenAPI), the partner's key pairs (DSA and RSA for the legacy gateway, an MD5 key, an
// OpenAPI app RSA key pair), and sandbox.json (partner id, app id, fee rates, time factor, key paths). Later
// starts reuse them. Private keys are PKCS#8 PEM (mode 0600), public keys SPKI PEM; see docs/SANDBOX.md.

import { generateKeyPairSync, randomBytes, randomInt, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateFeeRates, type FeeRates } from '../../alipay/core/fees';
import { Md5Key, loadPrivateKey, loadPublicKey } from '../../alipay/keys';
import { writeFileAtomic } from './atomic-file';

export const CONFIG_FILE = 'sandbox.json';
export const KEYS_DIR = 'keys';

/** File names under keys/, relative to the data folder. */
export const KEY_FILES = {
  alipayDsaPrivate: 'keys/alipay-dsa-private.pem',
  alipayDsaPublic: 'keys/alipay-dsa-public.pem',
  alipayRsaPrivate: 'keys/alipay-rsa-private.pem',
  alipayRsaPublic: 'keys/alipay-rsa-public.pem',
  partnerDsaPrivate: 'keys/partner-dsa-private.pem',
  partnerDsaPublic: 'keys/partner-dsa-public.pem',
  partnerRsaPrivate: 'keys/partner-rsa-private.pem',
  partnerRsaPublic: 'keys/partner-rsa-public.pem',
  partnerMd5Key: 'keys/partner-md5.key',
  appRsaPrivate: 'keys/app-rsa-private.pem',
  appRsaPublic: 'keys/app-rsa-public.pem',
} as const;

export type KeyFileName = keyof typeof KEY_FILES;

export const DEFAULT_FEE_RATES: FeeRates = { commissionBp: 1000, alipayFeeBp: 100 };

/** sandbox.json */
export interface SandboxConfigFile {
  version: 1;
  partnerId: string;
  appId: string;
  feeRates: FeeRates;
  timeFactor: number;
  /** Paths relative to the data folder. */
  keys: Record<KeyFileName, string>;
}

/** The configuration with absolute key paths, as exposed by `Sandbox.config`. */
export interface SandboxConfig {
  dataDir: string;
  partnerId: string;
  appId: string;
  feeRates: FeeRates;
  timeFactor: number;
  configFile: string;
  keyFiles: Record<KeyFileName, string>;
}

/** The loaded key material. */
export interface SandboxKeys {
  alipayDsaPrivate: KeyObject;
  alipayDsaPublic: KeyObject;
  alipayRsaPrivate: KeyObject;
  alipayRsaPublic: KeyObject;
  partnerDsaPublic: KeyObject;
  partnerRsaPublic: KeyObject;
  partnerMd5: Md5Key;
  appRsaPublic: KeyObject;
}

function digits(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String(randomInt(0, 10));
  return s;
}

function writePair(dataDir: string, kind: 'dsa' | 'rsa', privName: string, pubName: string): void {
  const pair =
    kind === 'dsa'
      ? generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 256 })
      : generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
  writeFileAtomic(join(dataDir, privName), pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), 0o600);
  writeFileAtomic(join(dataDir, pubName), pair.publicKey.export({ type: 'spki', format: 'pem' }));
}

export interface ConfigOverrides {
  feeRates?: Partial<FeeRates>;
  timeFactor?: number;
  log?: (line: string) => void;
}

/** Create what is missing in the data folder, apply overrides, write sandbox.json, load the keys. */
export function ensureSandboxConfig(
  dataDir: string,
  overrides: ConfigOverrides = {},
): { config: SandboxConfig; keys: SandboxKeys } {
  mkdirSync(join(dataDir, KEYS_DIR), { recursive: true, mode: 0o700 });
  const configPath = join(dataDir, CONFIG_FILE);
  let file: SandboxConfigFile | undefined;
  if (existsSync(configPath)) file = JSON.parse(readFileSync(configPath, 'utf8')) as SandboxConfigFile;

  const pairs: Array<['dsa' | 'rsa', KeyFileName, KeyFileName]> = [
    ['dsa', 'alipayDsaPrivate', 'alipayDsaPublic'],
    ['rsa', 'alipayRsaPrivate', 'alipayRsaPublic'],
    ['dsa', 'partnerDsaPrivate', 'partnerDsaPublic'],
    ['rsa', 'partnerRsaPrivate', 'partnerRsaPublic'],
    ['rsa', 'appRsaPrivate', 'appRsaPublic'],
  ];
  for (const [kind, priv, pub] of pairs) {
    if (!existsSync(join(dataDir, KEY_FILES[priv])) || !existsSync(join(dataDir, KEY_FILES[pub]))) {
      overrides.log?.(`generating ${KEY_FILES[priv]} and ${KEY_FILES[pub]}`);
      writePair(dataDir, kind, KEY_FILES[priv], KEY_FILES[pub]);
    }
  }
  if (!existsSync(join(dataDir, KEY_FILES.partnerMd5Key))) {
    writeFileAtomic(
      join(dataDir, KEY_FILES.partnerMd5Key),
      `${randomBytes(24).toString('base64url').slice(0, 32)}\n`,
      0o600,
    );
  }

  const feeRates = validateFeeRates({ ...DEFAULT_FEE_RATES, ...(file?.feeRates ?? {}), ...(overrides.feeRates ?? {}) });
  const timeFactor = overrides.timeFactor ?? file?.timeFactor ?? 1;
  if (!(typeof timeFactor === 'number' && Number.isFinite(timeFactor) && timeFactor > 0))
    throw new Error('timeFactor must be a positive number');
  const next: SandboxConfigFile = {
    version: 1,
    partnerId: file?.partnerId ?? `2088${digits(12)}`,
    appId: file?.appId ?? `2021${digits(12)}`,
    feeRates: { commissionBp: feeRates.commissionBp, alipayFeeBp: feeRates.alipayFeeBp },
    timeFactor,
    keys: { ...KEY_FILES },
  };
  if (JSON.stringify(next) !== JSON.stringify(file)) writeFileAtomic(configPath, `${JSON.stringify(next, null, 2)}\n`);

  const abs = {} as Record<KeyFileName, string>;
  for (const k of Object.keys(KEY_FILES) as KeyFileName[]) abs[k] = join(dataDir, KEY_FILES[k]);
  const read = (k: KeyFileName): string => readFileSync(abs[k], 'utf8');
  const keys: SandboxKeys = {
    alipayDsaPrivate: loadPrivateKey(read('alipayDsaPrivate'), 'dsa'),
    alipayDsaPublic: loadPublicKey(read('alipayDsaPublic'), 'dsa'),
    alipayRsaPrivate: loadPrivateKey(read('alipayRsaPrivate'), 'rsa'),
    alipayRsaPublic: loadPublicKey(read('alipayRsaPublic'), 'rsa'),
    partnerDsaPublic: loadPublicKey(read('partnerDsaPublic'), 'dsa'),
    partnerRsaPublic: loadPublicKey(read('partnerRsaPublic'), 'rsa'),
    partnerMd5: new Md5Key(read('partnerMd5Key').trim()),
    appRsaPublic: loadPublicKey(read('appRsaPublic'), 'rsa'),
  };
  return {
    config: {
      dataDir,
      partnerId: next.partnerId,
      appId: next.appId,
      feeRates: next.feeRates,
      timeFactor,
      configFile: configPath,
      keyFiles: abs,
    },
    keys,
  };
}
