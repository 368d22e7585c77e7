// Strict XML reading and canonical XML writing shared by the sync replies and the notification payloads.
// Reading: well-formedness is checked first (fast-xml-parser's validator); DOCTYPE / ENTITY declarations are
// refused; values are kept as strings. Writing: element names are fixed by the callers, text is escaped.

import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { MalformedReplyError } from './core/errors';

/** Elements that may repeat; always read as arrays. */
const REPEATED = new Set(['transfer_detail', 'bidder', 'param']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  isArray: (tagName) => REPEATED.has(tagName),
});

export type XmlNode = string | XmlObject | XmlNode[];
export interface XmlObject {
  [key: string]: XmlNode;
}

/**
 * Leaf text must be exact: a value with whitespace around it (or whitespace instead of one) is malformed, not trimmed
 * into another value (a blank id read as absent, " 10" read as 10). For the compact XML of notifications and return
 * pages (docs/PROTOCOL.md), checked on the raw text before parsing.
 */
export function requireExactLeafText(text: string, what = 'XML'): void {
  for (const m of text.matchAll(/<([A-Za-z_][\w.:-]*)(?:\s[^<>]*)?>([^<]*)<\/\1\s*>/g)) {
    if (m[2] !== m[2].trim()) throw new MalformedReplyError(`${what}: <${m[1]}> has whitespace around its value`);
  }
}

/** Parse an XML document; any defect is a MalformedReplyError (error class transient, outcome unknown). */
export function parseXmlStrict(text: string, what = 'XML'): XmlObject {
  if (typeof text !== 'string' || text.trim().length === 0) throw new MalformedReplyError(`${what} is empty`);
  if (/<!(DOCTYPE|ENTITY)/i.test(text)) throw new MalformedReplyError(`${what} has a DOCTYPE or ENTITY declaration`);
  let valid: ReturnType<typeof XMLValidator.validate>;
  try {
    valid = XMLValidator.validate(text, { allowBooleanAttributes: false });
  } catch {
    throw new MalformedReplyError(`${what} is not well formed`);
  }
  if (valid !== true)
    throw new MalformedReplyError(
      `${what} is not well formed: ${valid.err.msg.slice(0, 120)} (line ${valid.err.line})`,
    );
  try {
    const doc = parser.parse(text) as unknown;
    if (!isObject(doc)) throw new MalformedReplyError(`${what} has no root element`);
    return doc;
  } catch (e) {
    if (e instanceof MalformedReplyError) throw e;
    throw new MalformedReplyError(`${what} could not be parsed`);
  }
}

export function isObject(v: unknown): v is XmlObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The single child object `name` of `node` (MalformedReplyError when absent or not an element with children). */
export function child(node: XmlObject, name: string, what: string): XmlObject {
  const v = node[name];
  if (v === '') return {};
  if (!isObject(v)) throw new MalformedReplyError(`${what}: <${name}> missing or not an element`);
  return v;
}

export function optionalChild(node: XmlObject, name: string, what: string): XmlObject | undefined {
  if (!(name in node)) return undefined;
  return child(node, name, what);
}

/** Text of a leaf element (required, non-empty). */
export function text(node: XmlObject, name: string, what: string): string {
  const v = node[name];
  if (typeof v !== 'string' || v.length === 0) throw new MalformedReplyError(`${what}: <${name}> missing or not text`);
  return v;
}

export function optionalText(node: XmlObject, name: string, what: string): string | undefined {
  if (!(name in node)) return undefined;
  const v = node[name];
  if (typeof v !== 'string') throw new MalformedReplyError(`${what}: <${name}> is not text`);
  return v.length === 0 ? undefined : v;
}

/** Repeated children (`isArray` elements); empty list when absent. */
export function list(node: XmlObject, name: string, what: string): XmlObject[] {
  const v = node[name];
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new MalformedReplyError(`${what}: <${name}> is not a list`);
  return v.map((item) => {
    if (!isObject(item)) throw new MalformedReplyError(`${what}: <${name}> item is not an element`);
    return item;
  });
}

// ---------------------------------------------------------------------------------------------- writing

export function escapeXml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!,
  );
}

/** A node to write: text leaf, nested elements in order, or a list written as repeated elements. */
export type XmlOut = string | undefined | ReadonlyArray<readonly [string, XmlOut]>;

/** Write `<name>...</name>` compactly (no whitespace between tags). Undefined leaves are omitted. */
export function element(name: string, content: XmlOut): string {
  if (content === undefined) return '';
  if (typeof content === 'string') return `<${name}>${escapeXml(content)}</${name}>`;
  return `<${name}>${content.map(([n, c]) => element(n, c)).join('')}</${name}>`;
}
