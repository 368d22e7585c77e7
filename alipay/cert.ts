// Public-key-certificate mode of the OpenAPI: app_cert_sn, alipay_cert_sn and alipay_root_cert_sn.
//   SN = md5(issuer DN in RFC 2253 order — most specific attribute first — as "SHORT=value" joined by ",", no
//           spaces; followed by the certificate serial number in decimal), lowercase hex.
//   root SN = the SNs of the certificates of the root bundle that are signed with RSA (signature algorithm OID
//             under 1.2.840.113549.1.1), joined by "_" in bundle order.
// The certificate is read with node-forge's ASN.1 reader (not its certificate model, which refuses non-RSA keys
// such as the SM2 root of Alipay's bundle).

import { createHash } from 'node:crypto';
import * as forge from 'node-forge';
import { KeyError } from './core/errors';

const SHORT_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '1.2.840.113549.1.9.1': 'E',
};

const RSA_SIGNATURE_PREFIX = '1.2.840.113549.1.1.';

interface CertFields {
  readonly issuer: string;
  readonly serialDecimal: string;
  readonly signatureOid: string;
}

function seq(node: forge.asn1.Asn1, what: string): forge.asn1.Asn1[] {
  if (!Array.isArray(node.value)) throw new KeyError(`certificate: ${what} is not a constructed value`);
  return node.value;
}

function decodeString(node: forge.asn1.Asn1): string {
  const raw = node.value as string;
  switch (node.type) {
    case forge.asn1.Type.UTF8:
      return forge.util.decodeUtf8(raw);
    case forge.asn1.Type.BMPSTRING: {
      let s = '';
      for (let i = 0; i + 1 < raw.length; i += 2)
        s += String.fromCharCode((raw.charCodeAt(i) << 8) | raw.charCodeAt(i + 1));
      return s;
    }
    default:
      return raw;
  }
}

function readCert(der: string): CertFields {
  let root: forge.asn1.Asn1;
  try {
    root = forge.asn1.fromDer(der);
  } catch {
    throw new KeyError('certificate is not valid DER');
  }
  const [tbs, sigAlg] = seq(root, 'certificate');
  if (!tbs || !sigAlg) throw new KeyError('certificate is truncated');
  const fields = seq(tbs, 'tbsCertificate');
  let i = 0;
  if (
    fields[0] &&
    (fields[0].tagClass as number) === (forge.asn1.Class.CONTEXT_SPECIFIC as number) &&
    (fields[0].type as number) === 0
  )
    i = 1; // [0] version
  const serial = fields[i];
  const issuerNode = fields[i + 2];
  if (!serial || !issuerNode) throw new KeyError('certificate is truncated');
  const serialHex = forge.util.bytesToHex(serial.value as string);
  const serialDecimal = BigInt(`0x${serialHex || '0'}`).toString(10);
  const rdns = seq(issuerNode, 'issuer').map((set) =>
    seq(set, 'RDN').map((atv) => {
      const [oidNode, valueNode] = seq(atv, 'attribute');
      if (!oidNode || !valueNode) throw new KeyError('certificate issuer attribute is truncated');
      const oid = forge.asn1.derToOid(oidNode.value as string);
      return `${SHORT_NAMES[oid] ?? oid}=${decodeString(valueNode)}`;
    }),
  );
  // RFC 2253 order: the last RDN first. (Multi-valued RDNs keep their internal order.)
  const issuer = rdns
    .reverse()
    .map((r) => r.join('+'))
    .join(',');
  const [algOid] = seq(sigAlg, 'signatureAlgorithm');
  if (!algOid) throw new KeyError('certificate signature algorithm is missing');
  return { issuer, serialDecimal, signatureOid: forge.asn1.derToOid(algOid.value as string) };
}

function pemBlocks(pem: string | Buffer): string[] {
  const text = Buffer.isBuffer(pem) ? pem.toString('latin1') : pem;
  const blocks = [...text.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)].map((m) =>
    Buffer.from(m[1].replace(/\s+/g, ''), 'base64').toString('latin1'),
  );
  if (blocks.length === 0) throw new KeyError('no PEM certificate found');
  return blocks;
}

function snOf(c: CertFields): string {
  return createHash('md5')
    .update(c.issuer + c.serialDecimal, 'utf8')
    .digest('hex');
}

/** app_cert_sn / alipay_cert_sn of a single PEM certificate. */
export function certSn(pem: string | Buffer): string {
  const blocks = pemBlocks(pem);
  return snOf(readCert(blocks[0]));
}

/** alipay_root_cert_sn of a PEM bundle. */
export function rootCertSn(pemBundle: string | Buffer): string {
  return pemBlocks(pemBundle)
    .map(readCert)
    .filter((c) => c.signatureOid.startsWith(RSA_SIGNATURE_PREFIX))
    .map(snOf)
    .join('_');
}

/** The issuer DN string that is hashed (exposed for tests and diagnostics; certificates are public). */
export function certIssuerString(pem: string | Buffer): string {
  return readCert(pemBlocks(pem)[0]).issuer;
}
