// The canonical string to sign, both gateways. Pure (the bytes are produced from it in the request charset).
//
// MAPI (legacy gateway, requests, notifications and return callbacks alike): drop `sign`, `sign_type` and
// parameters whose value is empty (keep "0"); sort the keys by byte order; join `key=value` with `&` using the
// RAW values (never URL-encoded, never decoded twice).
// OpenAPI: the same, except that only `sign` is dropped (`sign_type` IS signed).

export type Params = Readonly<Record<string, string | undefined>>;

/**
 * Byte order of the UTF-8 encodings, which is Unicode code point order (differs from JS `<` on UTF-16 code units
 * only for astral characters versus U+E000..U+FFFF).
 */
export function compareByteOrder(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const ca = ia.next();
    const cb = ib.next();
    if (ca.done) return cb.done ? 0 : -1;
    if (cb.done) return 1;
    const d = ca.value.codePointAt(0)! - cb.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

function canonical(params: Params, excluded: ReadonlySet<string>): string {
  const keys = Object.keys(params).filter((k) => {
    const v = params[k];
    return !excluded.has(k) && v !== undefined && v !== '';
  });
  keys.sort(compareByteOrder);
  return keys.map((k) => `${k}=${params[k]!}`).join('&');
}

const MAPI_EXCLUDED = new Set(['sign', 'sign_type']);
const OPENAPI_EXCLUDED = new Set(['sign']);

/** The legacy gateway's string to sign. */
export function mapiSigningString(params: Params): string {
  return canonical(params, MAPI_EXCLUDED);
}

/** The OpenAPI string to sign (sign_type included). */
export function openApiSigningString(params: Params): string {
  return canonical(params, OPENAPI_EXCLUDED);
}
