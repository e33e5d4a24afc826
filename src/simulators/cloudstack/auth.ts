import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Caller, Sim } from './context';
import { CsError, unauthorized } from './envelope';
import type { Params } from './params';
import type { Session, User } from './state';

export const MANAGEMENT_SERVER_ID = '1f9ae4b2-3c6d-4e38-9a57-0c5b9d0e7a11';

/*
 * How the management server verifies a caller (reference §2, §3). Written independently of
 * the gateway's signer (src/clouds/cloudstack/signing.ts) and byte by byte like Java's
 * URLEncoder, so that a mistake in one is caught by the other instead of agreeing with it.
 */

const UNRESERVED = /[A-Za-z0-9.\-*_]/;

function javaEncode(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (byte < 0x80 && UNRESERVED.test(ch)) out += ch;
    else if (byte === 0x20) out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out.replace(/\+/g, '%20');
}

/** The server sorts names as received (case-sensitive, Java String order = UTF-16 order). */
function unsignedRequest(params: Params): string {
  return params.raw
    .filter(([name]) => name.toLowerCase() !== 'signature')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${javaEncode(value)}`)
    .join('&')
    .toLowerCase();
}

const EXPIRES = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})([+-])(\d{2})(\d{2})$/;

function parseExpires(text: string): number | null {
  const m = EXPIRES.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, sign, oh, om] = m;
  const utc = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s);
  const offset = (+oh * 60 + +om) * 60_000 * (sign === '+' ? 1 : -1);
  return utc - offset;
}

export function verifySignature(sim: Sim, params: Params): Caller {
  const apiKey = params.str('apikey');
  const signature = params.str('signature');
  if (!apiKey || !signature) throw unauthorized();
  const user = sim.state.userByApiKey(apiKey);
  if (!user || !user.secretKey) throw unauthorized();
  if (params.str('signatureversion') === '3') {
    const expires = params.str('expires');
    const at = expires ? parseExpires(expires) : null;
    if (at === null || at < sim.clock.now()) throw unauthorized();
  }
  const expected = createHmac('sha1', user.secretKey).update(unsignedRequest(params)).digest('base64');
  if (!sameText(expected, signature)) throw unauthorized();
  return callerOf(sim, user);
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function callerOf(sim: Sim, user: User): Caller {
  const account = sim.state.accounts.get(user.accountId);
  if (!account || account.state !== 'enabled' || user.state !== 'enabled') throw unauthorized();
  return { user, account, isAdmin: account.accountType === 1 };
}

export function parseCookies(headers: IncomingHttpHeaders): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) cookies.set(part.slice(0, eq).trim(), decodeURIComponent(part.slice(eq + 1).trim()));
  }
  return cookies;
}

/** A session needs its JSESSIONID cookie and its sessionkey (parameter or cookie). */
export function verifySession(sim: Sim, params: Params, headers: IncomingHttpHeaders): { caller: Caller; session: Session } {
  const cookies = parseCookies(headers);
  const key = params.str('sessionkey') ?? cookies.get('sessionkey');
  const session = key ? sim.state.sessions.get(key) : undefined;
  if (!session || cookies.get('JSESSIONID') !== session.jsessionId) throw unauthorized('unable to verify user credentials');
  if (sim.clock.now() - session.lastUsed > sim.settings.sessionTimeoutSec * 1000) {
    sim.state.sessions.delete(session.key);
    throw unauthorized('unable to verify user credentials');
  }
  const user = sim.state.users.get(session.userId);
  if (!user) throw unauthorized('unable to verify user credentials');
  session.lastUsed = sim.clock.now();
  return { caller: callerOf(sim, user), session };
}

export interface LoginResult {
  body: Record<string, unknown>;
  cookies: string[];
}

/** `login`: POST only; wrong credentials → 531 (checked by the caller of this function). */
export function login(sim: Sim, params: Params): LoginResult {
  // The login handler reads its parameters case-sensitively.
  const get = (name: string) => params.raw.find(([n]) => n === name)?.[1];
  const username = get('username');
  const password = get('password');
  const domainId = get('domainid') ?? domainIdOfPath(sim, get('domain') ?? '/');
  const fail = () => new CsError(531, null, 'Failed to authenticate user ' + (username ?? '') + ' in domain ' + (domainId ?? '') + '; please provide valid credentials');
  if (!username || !password || !domainId) throw fail();
  const user = [...sim.state.users.values()].find((u) => u.username === username && sim.state.accounts.get(u.accountId)?.domainId === domainId);
  if (!user || !sameText(user.password, password)) throw fail();
  let caller: Caller;
  try {
    caller = callerOf(sim, user);
  } catch {
    throw fail();
  }
  const session: Session = {
    key: randomBytes(20).toString('base64url'),
    jsessionId: randomBytes(16).toString('hex').toUpperCase(),
    userId: user.id,
    lastUsed: sim.clock.now(),
  };
  sim.state.sessions.set(session.key, session);
  return {
    body: {
      username: user.username,
      userid: user.id,
      domainid: caller.account.domainId,
      timeout: sim.settings.sessionTimeoutSec,
      account: caller.account.name,
      firstname: user.firstname,
      lastname: user.lastname,
      type: String(caller.account.accountType),
      timezone: 'UTC',
      timezoneoffset: '0.0',
      registered: 'false',
      sessionkey: session.key,
      is2faenabled: 'false',
      is2faverified: 'false',
      managementserverid: MANAGEMENT_SERVER_ID,
    },
    cookies: [`JSESSIONID=${session.jsessionId}; Path=/client; HttpOnly`, `sessionkey=${session.key}; Path=/client`],
  };
}

function domainIdOfPath(sim: Sim, path: string): string | undefined {
  let normalized = path.startsWith('/') ? path : `/${path}`;
  if (!normalized.endsWith('/')) normalized += '/';
  const wanted = normalized === '/' ? 'ROOT' : `ROOT${normalized.slice(0, -1)}`;
  for (const domain of sim.state.domains.values()) if (domain.path === wanted) return domain.id;
  return undefined;
}
