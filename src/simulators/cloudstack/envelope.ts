import type { SimResponse } from '../common';

/*
 * Response shapes of the management server (reference §4): HTTP status = errorcode, the body
 * keyed `<command lower-cased>response`, `errorresponse` for unknown commands, X-Description
 * carrying the text, null fields omitted. XML is served when `response` is not `json`, since
 * that is the server's default and a client forgetting `response=json` should notice.
 */

/** Java exception classes' codes the server puts in `cserrorcode`. */
export const CsErrorClass = {
  InvalidParameterValue: 4350,
  PermissionDenied: 4365,
  CloudRuntime: 4250,
  ResourceInUse: 4400,
  ResourceAllocation: 4395,
  ResourceUnavailable: 4405,
  NetworkRuleConflict: 4330,
  ServerApi: 9999,
} as const;

export class CsError extends Error {
  constructor(
    readonly errorcode: number,
    readonly cserrorcode: number | null,
    readonly errortext: string,
  ) {
    super(errortext);
  }
}

export const paramError = (text: string) => new CsError(431, CsErrorClass.InvalidParameterValue, text);
export const permissionDenied = (text: string) => new CsError(531, CsErrorClass.PermissionDenied, text);
export const limitExceeded = (text: string) => new CsError(532, CsErrorClass.ResourceAllocation, text);
export const inUse = (text: string) => new CsError(536, CsErrorClass.ResourceInUse, text);
export const ruleConflict = (text: string) => new CsError(537, CsErrorClass.NetworkRuleConflict, text);
export const internalError = (text: string) => new CsError(530, CsErrorClass.CloudRuntime, text);
export const unauthorized = (text = 'unable to verify user credentials and/or request signature') => new CsError(401, null, text);

export function responseKey(command: string | undefined): string {
  return command ? `${command.toLowerCase()}response` : 'errorresponse';
}

/** Drops null/undefined fields recursively, as the server's serializer does. */
export function compact<T>(value: T): T {
  if (Array.isArray(value)) return value.map(compact) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = compact(v);
    return out as T;
  }
  return value;
}

export function success(key: string, inner: Record<string, unknown>, json: boolean, headers?: SimResponse['headers']): SimResponse {
  return render(200, key, compact(inner), json, headers);
}

export function failure(key: string, err: CsError, json: boolean): SimResponse {
  const inner: Record<string, unknown> = { uuidList: [], errorcode: err.errorcode };
  if (err.cserrorcode !== null) inner.cserrorcode = err.cserrorcode;
  inner.errortext = err.errortext;
  return render(err.errorcode, key, inner, json, { 'X-Description': headerSafe(err.errortext) });
}

function render(status: number, key: string, inner: Record<string, unknown>, json: boolean, headers: NonNullable<SimResponse['headers']> = {}): SimResponse {
  if (json) return { status, body: { [key]: inner }, headers };
  return {
    status,
    raw: `<?xml version="1.0" encoding="UTF-8"?>${toXml(key, inner, { 'cloud-stack-version': '4.19.0.0' })}`,
    headers: { ...headers, 'content-type': 'text/xml; charset=UTF-8' },
  };
}

function toXml(name: string, value: unknown, attrs: Record<string, string> = {}): string {
  const attrText = Object.entries(attrs).map(([k, v]) => ` ${k}="${escapeXml(v)}"`).join('');
  if (Array.isArray(value)) return value.map((v) => toXml(name, v)).join('');
  if (value && typeof value === 'object') {
    const children = Object.entries(value).map(([k, v]) => toXml(k, v)).join('');
    return `<${name}${attrText}>${children}</${name}>`;
  }
  return `<${name}${attrText}>${escapeXml(String(value))}</${name}>`;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] ?? c);
}

function headerSafe(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}
