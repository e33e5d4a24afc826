import { CloudError, type CloudErrorCode } from '../driver';

/**
 * CloudStack's answers → CloudError (reference §4 error table).
 *
 * | errorcode | code |
 * |---|---|
 * | 401 | FORBIDDEN: the credentials or the signature were refused |
 * | 431 | NOT_FOUND when the text says an object does not exist (the dispatcher's "Invalid parameter id value=… entity does not exist", "Unable to find …", "… does not exist"); CONFLICT when it says something "already exists"; else BAD_USER_INPUT |
 * | 531 | tenant: NOT_FOUND (another account's object must look absent), except FORBIDDEN for a right the caller lacks ("Parameter expunge can be passed by Admin only…", "Account does not have permission for expunging."); admin: FORBIDDEN |
 * | 532 | QUOTA_EXCEEDED |
 * | 536, 537 | CONFLICT |
 * | 429, 502, 503, 504 | UPSTREAM_UNAVAILABLE (throttled or not serving; Upstream already retried) |
 * | 405, 432, 530, 533–535, other 5xx | UPSTREAM_ERROR |
 *
 * `upstream` keeps status (the errorcode; for a failed job, the jobresult's), code
 * (cserrorcode, else errorcode) and the server's errortext — except a tenant's NOT_FOUND,
 * which carries no upstream detail, so that "not yours" and "not there" read the same.
 * Texts pass `scrub` first: nothing the driver holds as a secret can reach a message.
 */

export interface CsFailure {
  /** The HTTP status, or the jobresult's errorcode. */
  status: number;
  errorcode?: number;
  cserrorcode?: number;
  errortext?: string;
}

export interface ErrorContext {
  command: string;
  role: 'admin' | 'tenant';
  datacenter: string;
  /** Removes secrets from any text taken from the wire. */
  scrub: (text: string) => string;
  /** What the failing call was for ("delete subnet web of network …"), prefixed to the message. */
  step?: string;
}

const MISSING = /entity does not exist|does not exist|unable to find|could not find|not found|no such/i;
const EXISTS = /already exists|already in use|is reserved/i;
/** A right the caller lacks (not someone else's object): "Parameter expunge can be passed by Admin only…", "Account does not have permission for expunging." */
const PARAMETER_REFUSED = /^Parameter \w+ can be passed by Admin only|does not have permission for expunging/i;

export function classify(errorcode: number, text: string, role: 'admin' | 'tenant'): CloudErrorCode {
  switch (errorcode) {
    case 401:
      return 'FORBIDDEN';
    case 431:
      if (MISSING.test(text)) return 'NOT_FOUND';
      if (EXISTS.test(text)) return 'CONFLICT';
      return 'BAD_USER_INPUT';
    case 531:
      // A refused parameter is about the caller's rights, not about someone else's object.
      return role === 'tenant' && !PARAMETER_REFUSED.test(text) ? 'NOT_FOUND' : 'FORBIDDEN';
    case 532:
      return 'QUOTA_EXCEEDED';
    case 536:
    case 537:
      return 'CONFLICT';
    case 429:
    case 502:
    case 503:
    case 504:
      return 'UPSTREAM_UNAVAILABLE';
    default:
      return 'UPSTREAM_ERROR';
  }
}

export function toCloudError(failure: CsFailure, ctx: ErrorContext, cause?: unknown): CloudError {
  const errorcode = failure.errorcode ?? failure.status;
  const text = ctx.scrub(failure.errortext ?? `HTTP ${failure.status}`);
  const code = classify(errorcode, text, ctx.role);
  const prefix = ctx.step ? `${ctx.step}: ` : '';
  if (code === 'NOT_FOUND' && ctx.role === 'tenant') {
    return new CloudError(code, `${prefix}${ctx.command}: the object does not exist or is not yours.`, {}, ctx.datacenter, { cause });
  }
  const message =
    code === 'FORBIDDEN' && errorcode === 401
      ? `${prefix}${ctx.datacenter} refused the credentials for ${ctx.command}.`
      : `${prefix}${ctx.command} failed: ${text}`;
  return new CloudError(
    code,
    message,
    { status: errorcode, code: String(failure.cserrorcode ?? errorcode), message: text },
    ctx.datacenter,
    { cause },
  );
}
