import { CloudError, type CloudErrorCode } from '../driver';

/*
 * One mapping from any OpenStack error answer to a CloudError. Each service shapes its errors
 * differently (Keystone `{"error":{…}}`, Nova and Cinder `{"<fault>":{code,message}}`, Neutron
 * `{"NeutronError":{type,message}}`, Glance plain text); the status decides the code, the body
 * gives the cloud's own words, which are kept in `upstream`.
 */

export interface Fault {
  code?: string;
  message?: string;
}

export function parseFault(text: string): Fault {
  const trimmed = text.trim();
  if (!trimmed) return {};
  try {
    const body = JSON.parse(trimmed) as unknown;
    if (body && typeof body === 'object' && !Array.isArray(body)) {
      const obj = body as Record<string, unknown>;
      const neutron = obj.NeutronError as Record<string, unknown> | undefined;
      if (neutron && typeof neutron === 'object') return { code: stringOr(neutron.type), message: stringOr(neutron.message) };
      if (typeof obj.NeutronError === 'string') return { message: obj.NeutronError };
      const keystone = obj.error as Record<string, unknown> | undefined;
      if (keystone && typeof keystone === 'object') return { code: stringOr(keystone.title), message: stringOr(keystone.message) };
      const keys = Object.keys(obj);
      if (keys.length === 1 && obj[keys[0]] && typeof obj[keys[0]] === 'object') {
        const inner = obj[keys[0]] as Record<string, unknown>;
        return { code: keys[0], message: stringOr(inner.message) };
      }
      if (typeof obj.message === 'string') return { message: obj.message };
    }
  } catch {
    // Not JSON: Glance and proxies answer text or HTML.
  }
  const lines = trimmed
    .replace(/<[^>]+>/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  // Glance: "404 Not Found", blank, the message.
  const [first, ...rest] = lines;
  if (/^\d{3} /.test(first ?? '') && rest.length) return { code: first.replace(/^\d{3} /, ''), message: rest.join(' ').slice(0, 500) };
  return { message: lines.join(' ').slice(0, 500) };
}

function stringOr(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function codeFor(status: number, fault: Fault): CloudErrorCode {
  const message = fault.message ?? '';
  if (status === 413) return 'QUOTA_EXCEEDED';
  // Keystone refused the credentials (a service's 401 is retried once with a new token first).
  if (status === 401) return 'FORBIDDEN';
  if (status === 403) return /quota exceeded/i.test(message) ? 'QUOTA_EXCEEDED' : 'FORBIDDEN';
  if (status === 409) return fault.code === 'OverQuota' || /quota exceeded/i.test(message) ? 'QUOTA_EXCEEDED' : 'CONFLICT';
  // The instance's subnet has no router to the external network: a state to fix, not a missing object.
  if (fault.code === 'ExternalGatewayForFloatingIPNotFound') return 'CONFLICT';
  if (status === 404) return 'NOT_FOUND';
  if (status === 412) return 'CONFLICT';
  // Throttled, or a gateway with nothing behind it: the datacenter is not taking calls now.
  if (status === 429 || status === 502 || status === 503 || status === 504) return 'UPSTREAM_UNAVAILABLE';
  if (status === 400) {
    // Cinder reports a resource in the wrong state as 400 "Invalid volume: …": a conflict, not bad input.
    return /^Invalid (volume|backup|snapshot):/.test(message) ? 'CONFLICT' : 'BAD_USER_INPUT';
  }
  return 'UPSTREAM_ERROR';
}

/** Blanks every secret the caller knows of, should a cloud ever echo one. */
export function scrub(text: string | undefined, secrets: readonly string[]): string | undefined {
  if (text === undefined) return undefined;
  let out = text;
  for (const secret of secrets) if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  return out;
}

export function upstreamError(
  datacenter: string,
  what: string,
  status: number,
  text: string,
  secrets: readonly string[],
): CloudError {
  const fault = parseFault(text);
  const message = scrub(fault.message, secrets);
  const code = codeFor(status, fault);
  return new CloudError(code, `${what}: ${message ?? `HTTP ${status}`}`, { status, code: fault.code, message }, datacenter);
}
