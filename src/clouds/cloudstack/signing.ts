import { createHmac } from 'node:crypto';

/**
 * CloudStack API-key signing (reference §2). The management server rebuilds the query from
 * the parameters it decoded, encodes each value with Java's `URLEncoder` (space → `+`, then
 * `+` → `%20`), sorts by name, lower-cases the whole string and compares HMAC-SHA1 digests.
 * Any encoding difference from Java's makes the signature fail, so values go through
 * `javaUrlEncode` both for signing and on the wire.
 */

export type Params = Record<string, string>;

/**
 * Java `URLEncoder.encode(value, "UTF-8")` with `+` replaced by `%20`: unreserved are
 * `A-Z a-z 0-9 . - * _`. `encodeURIComponent` also keeps `! ' ( ) ~` (Java escapes them)
 * and escapes `*` (Java keeps it).
 */
export function javaUrlEncode(value: string): string {
  return encodeURIComponent(value)
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%2A/g, '*');
}

/**
 * The string the server signs: `name=encoded(value)` pairs sorted by name, joined by `&`,
 * lower-cased. Names must already be lower-case: the server sorts them as received while its
 * documentation sorts lower-cased names; with lower-case names both orders agree.
 */
export function canonicalString(params: Params): string {
  return Object.keys(params)
    .filter((name) => name !== 'signature')
    .sort()
    .map((name) => `${name}=${javaUrlEncode(params[name])}`)
    .join('&')
    .toLowerCase();
}

/** HMAC-SHA1 of the canonical string with the secret key, standard Base64. */
export function computeSignature(params: Params, secretKey: string): string {
  return createHmac('sha1', secretKey).update(canonicalString(params)).digest('base64');
}

/** `YYYY-MM-DDThh:mm:ss+0000`, the only `expires` format the server parses. */
export function formatExpires(date: Date): string {
  return `${date.toISOString().slice(0, 19)}+0000`;
}

export interface SignOptions {
  /** Adds `signatureversion=3` and `expires` this far in the future, so a captured URL stops working. */
  expiresInMs?: number;
  now?: Date;
}

/**
 * The full parameter set to send: `params` + `apikey` (+ `signatureversion`, `expires`) +
 * `signature`. Names are lower-cased here so that callers cannot break the sort order.
 */
export function signParams(params: Params, apiKey: string, secretKey: string, options: SignOptions = {}): Params {
  const out: Params = {};
  for (const [name, value] of Object.entries(params)) out[name.toLowerCase()] = value;
  out.apikey = apiKey;
  if (options.expiresInMs !== undefined) {
    const now = options.now ?? new Date();
    out.signatureversion = '3';
    out.expires = formatExpires(new Date(now.getTime() + options.expiresInMs));
  }
  out.signature = computeSignature(out, secretKey);
  return out;
}

/** `a=1&b=2` with every value Java-encoded (the signature's `+ / =` become `%2B %2F %3D`). */
export function encodeQuery(params: Params): string {
  return Object.entries(params)
    .map(([name, value]) => `${name}=${javaUrlEncode(value)}`)
    .join('&');
}
