import type { Logger } from '../../logger';
import { CloudError, type DatacenterEndpoint } from '../driver';
import type { ReadHorizon } from '../read-horizon';
import { sharedBody, type Upstream, type UpstreamResponse } from '../upstream';
import { toCloudError, type CsFailure } from './errors';
import { encodeQuery, signParams, type Params } from './signing';
import type { CsAsync, CsJob } from './wire';

/**
 * CloudStack's answers of 531–537 (permission, limits, capacity, in use, rule conflicts) are
 * verdicts on the request, not signs of an unhealthy datacenter: no retry, no breaker count.
 */
const VERDICT_STATUSES = [531, 532, 533, 534, 535, 536, 537] as const;

/**
 * One credential's conversation with a management server: signs (API keys) or carries a
 * login session, sends through Upstream, unwraps the `<command>response` envelope, follows
 * pages, waits for jobs, and turns every failure into a CloudError.
 *
 * Every call is a POST form, so that API keys, signatures and session keys never sit in a URL
 * (access logs of the server and of proxies keep URLs). Reads are marked idempotent, so
 * Upstream may resend them; other commands are not resent after a network failure, so that
 * a create is never made twice.
 */

export type CloudStackAuth =
  | { kind: 'keys'; apiKey: string; secretKey: string }
  | { kind: 'session'; username: string; password: string; domain: string };

export interface JobWaitOptions {
  /** Longest wait for a job the driver must finish before answering, ms. @default 120000 */
  timeoutMs?: number;
  /** First pause between polls, ms; doubles up to 2 s. @default 100 */
  firstPollMs?: number;
}

export interface ClientOptions {
  endpoint: DatacenterEndpoint;
  upstream: Upstream;
  log: Logger;
  auth: CloudStackAuth;
  role: 'admin' | 'tenant';
  jobWait?: JobWaitOptions;
  /** Set, the client's lists may share identical ones under way (`ReadHorizon`); its other commands move it on. */
  horizon?: ReadHorizon;
}

/** How long a signed request stays valid (signatureversion 3), ms. */
const SIGNATURE_TTL_MS = 10 * 60_000;

const READ_COMMAND = /^(list|query|get)/;
/** Reads whose answer is the same for everyone asking as the same account at the same time; a job's result is not shared (its poll may be what ends a wait). */
const SHARED_READ = /^(list|get)/;

/** Parameters in one order whatever the order given: the same read, the same text. */
function sortedQuery(params: Params): string {
  return new URLSearchParams(Object.entries(params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))).toString();
}

interface Session {
  key: string;
  jsessionId: string;
}

type Inner = Record<string, unknown>;

export class CloudStackClient {
  private session: Promise<Session> | null = null;
  /** A snapshot's lists, by command, parameters and item key (`snapshot()`). */
  private reads: Map<string, Promise<unknown[]>> | null = null;
  private readonly secrets: string[];

  constructor(private readonly options: ClientOptions) {
    const { auth, endpoint } = options;
    const known = auth.kind === 'keys' ? [auth.apiKey, auth.secretKey] : [auth.password];
    this.secrets = [...known, endpoint.adminPassword].filter((s): s is string => typeof s === 'string' && s.length >= 4);
  }

  get role(): 'admin' | 'tenant' {
    return this.options.role;
  }

  /** How long the driver waits for a job it must see finished, ms. */
  get jobTimeoutMs(): number {
    return this.options.jobWait?.timeoutMs ?? 120_000;
  }

  get datacenter(): string {
    return this.options.endpoint.name;
  }

  /** Who the client calls as: an API key, or a user of a domain. */
  private get account(): string {
    const { auth } = this.options;
    return auth.kind === 'keys' ? auth.apiKey : `${auth.domain} ${auth.username}`;
  }

  /** Any text bound for a message or a log, with every secret this client knows blanked. */
  scrub = (text: string): string => {
    let out = text;
    for (const secret of this.secrets) out = out.split(secret).join('[redacted]');
    return out;
  };

  /** The inner object of the envelope: `{virtualmachine: …}`, `{count, zone: […]}`, `{jobid}`… */
  async call(command: string, params: Params = {}, step?: string): Promise<Inner> {
    const { horizon } = this.options;
    if (horizon && !SHARED_READ.test(command)) {
      // Whatever the command did (or may have done, if it failed), reads after it see it.
      try {
        return await this.exchange(command, params, step);
      } finally {
        horizon.advance();
      }
    }
    return this.exchange(command, params, step);
  }

  private async exchange(command: string, params: Params, step?: string): Promise<Inner> {
    const first = await this.send(command, params);
    if (first.status === 401 && this.options.auth.kind === 'session') {
      // Sessions expire server-side; one fresh login, then the verdict stands.
      this.session = null;
      return this.unwrap(command, await this.send(command, params), step);
    }
    return this.unwrap(command, first, step);
  }

  /** Whether the command's answers may be shared with other readers (`send`). */
  private shares(command: string): boolean {
    return this.options.horizon !== undefined && SHARED_READ.test(command);
  }

  /**
   * Every item of a list: one call with `pagesize=-1`, which a server answers with every item
   * (reference §7), whatever its page size. A server that caps the answer anyway is asked on,
   * `page=2…` with the size it answered, until `count` items are in.
   */
  async list<T>(command: string, params: Params, itemKey: string): Promise<T[]> {
    if (this.reads) {
      const key = `${command}?${sortedQuery(params)}#${itemKey}`;
      let pending = this.reads.get(key) as Promise<T[]> | undefined;
      if (!pending) {
        pending = this.listAll<T>(command, params, itemKey);
        pending.catch(() => this.reads?.delete(key));
        this.reads.set(key, pending);
      }
      return pending;
    }
    return this.listAll<T>(command, params, itemKey);
  }

  /**
   * The same account for one request's reads: a list asked again with the same parameters is
   * answered from the first answer (every page), not from the cloud.
   */
  snapshot(): CloudStackClient {
    const copy = new CloudStackClient(this.options);
    copy.session = this.session;
    copy.reads = new Map();
    return copy;
  }

  /**
   * Parameters that only narrow a list its caller filters itself anyway: kept for the cloud,
   * dropped in a snapshot, where the whole list is read once and every caller shares it.
   */
  narrow(params: Params): Params {
    return this.reads ? {} : params;
  }

  /** In a snapshot, starts a list now, so that it runs beside the call that comes before its use. */
  prefetch(command: string, params: Params, itemKey: string): void {
    if (this.reads) void this.list(command, params, itemKey).catch(() => undefined);
  }

  private async listAll<T>(command: string, params: Params, itemKey: string): Promise<T[]> {
    const first = await this.call(command, { ...params, pagesize: '-1' });
    const items = ((first[itemKey] as T[] | undefined) ?? []).slice();
    const count = typeof first.count === 'number' ? first.count : items.length;
    const pagesize = items.length;
    for (let page = 2; items.length < count && pagesize > 0; page++) {
      const next = await this.call(command, { ...params, page: String(page), pagesize: String(pagesize) });
      const more = (next[itemKey] as T[] | undefined) ?? [];
      if (!more.length) break;
      items.push(...more);
    }
    return items;
  }

  /**
   * `list` over `ids`, all of them in one call: every call is a POST form, whose body has no
   * URL length limit, so the number of calls never grows with the number of ids (pages aside).
   */
  async listByIds<T>(command: string, params: Params, itemKey: string, ids: readonly string[]): Promise<T[]> {
    const unique = [...new Set(ids)];
    if (!unique.length) return [];
    return this.list<T>(command, { ...params, ids: unique.join(',') }, itemKey);
  }

  /** Starts an async command: `{jobid}` or, for create-style commands, `{id, jobid}`. */
  async start(command: string, params: Params, step?: string): Promise<CsAsync> {
    const inner = await this.call(command, params, step);
    if (typeof inner.jobid !== 'string') throw this.protocolError(command, 'an async command answered without a jobid');
    return { jobid: inner.jobid, id: typeof inner.id === 'string' ? inner.id : undefined };
  }

  async queryJob(jobid: string): Promise<CsJob> {
    const inner = await this.call('queryAsyncJobResult', { jobid });
    if (typeof inner.jobstatus !== 'number') throw this.protocolError('queryAsyncJobResult', 'no jobstatus');
    return inner as unknown as CsJob;
  }

  /** The CloudError a failed job (jobstatus 2) stands for. */
  jobError(job: CsJob, command: string, step?: string): CloudError {
    const result = job.jobresult ?? {};
    const failure: CsFailure = {
      status: result.errorcode ?? job.jobresultcode ?? 530,
      errorcode: result.errorcode ?? job.jobresultcode,
      errortext: result.errortext,
    };
    return toCloudError(failure, { command, role: this.role, datacenter: this.datacenter, scrub: this.scrub, step });
  }

  /** Polls a job the driver must see finished before it can answer; returns its jobresult. */
  async wait(jobid: string, command: string, step?: string): Promise<Record<string, unknown>> {
    const timeoutMs = this.jobTimeoutMs;
    let delay = this.options.jobWait?.firstPollMs ?? 100;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await this.queryJob(jobid);
      if (job.jobstatus === 1) return job.jobresult ?? {};
      if (job.jobstatus !== 0) throw this.jobError(job, command, step);
      if (Date.now() + delay > deadline) {
        throw new CloudError(
          'UPSTREAM_ERROR',
          `${step ? `${step}: ` : ''}${command} did not finish within ${Math.round(timeoutMs / 1000)} s (job ${jobid}).`,
          { message: 'job timeout' },
          this.datacenter,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 2000);
    }
  }

  private async send(command: string, params: Params) {
    const { horizon } = this.options;
    const unsigned = { ...params, command, response: 'json' };
    // Keyed before signing (a signature differs per call): the account and the command's parameters.
    const share = horizon && this.shares(command) ? { key: `${this.account}\n${sortedQuery(unsigned)}`, horizon } : undefined;
    const { params: sent, cookie } = await this.authorize(unsigned);
    return this.options.upstream.request({
      operation: `cloudstack.${command}`,
      method: 'POST',
      url: this.options.endpoint.serviceUrl,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
      body: encodeQuery(sent),
      idempotent: READ_COMMAND.test(command),
      verdictStatuses: VERDICT_STATUSES,
      share,
    });
  }

  private async authorize(params: Params): Promise<{ params: Params; cookie?: string }> {
    const { auth } = this.options;
    if (auth.kind === 'keys') return { params: signParams(params, auth.apiKey, auth.secretKey, { expiresInMs: SIGNATURE_TTL_MS }) };
    const session = await this.login();
    return {
      params: { ...params, sessionkey: session.key },
      cookie: `JSESSIONID=${session.jsessionId}; sessionkey=${session.key}`,
    };
  }

  private login(): Promise<Session> {
    if (this.options.auth.kind !== 'session') throw new Error('login without a session credential');
    const auth = this.options.auth;
    this.session ??= (async () => {
      const res = await this.options.upstream.request({
        operation: 'cloudstack.login',
        method: 'POST',
        url: this.options.endpoint.serviceUrl,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: encodeQuery({ command: 'login', username: auth.username, password: auth.password, domain: auth.domain, response: 'json' }),
        verdictStatuses: VERDICT_STATUSES,
      });
      const inner = this.unwrap('login', res);
      const jsessionId = res.headers
        .getSetCookie()
        .map((c) => /^JSESSIONID=([^;]+)/.exec(c)?.[1])
        .find(Boolean);
      if (typeof inner.sessionkey !== 'string' || !jsessionId) throw this.protocolError('login', 'no session key or JSESSIONID cookie');
      this.secrets.push(inner.sessionkey, jsessionId);
      return { key: inner.sessionkey, jsessionId };
    })();
    const pending = this.session;
    pending.catch(() => {
      if (this.session === pending) this.session = null;
    });
    return pending;
  }

  private unwrap(command: string, res: UpstreamResponse, step?: string): Inner {
    // A shared answer is parsed once, for all who share it.
    const inner = this.shares(command) ? sharedBody(res, envelopeIn) : envelopeIn(res.text);
    if (res.status === 200 && inner && inner.errorcode === undefined) return inner;
    const failure: CsFailure = inner
      ? { status: res.status, errorcode: num(inner.errorcode), cserrorcode: num(inner.cserrorcode), errortext: str(inner.errortext) }
      : { status: res.status, errortext: `HTTP ${res.status} without a CloudStack envelope` };
    const error = toCloudError(failure, { command, role: this.role, datacenter: this.datacenter, scrub: this.scrub, step });
    this.options.log.debug({ datacenter: this.datacenter, command, status: res.status, code: error.code, upstream: error.upstream }, 'cloudstack error');
    throw error;
  }

  private protocolError(command: string, what: string): CloudError {
    return new CloudError('UPSTREAM_ERROR', `${command}: unexpected answer from ${this.datacenter} (${what}).`, { message: what }, this.datacenter);
  }
}

/** The envelope's inner object of an answer's text; null when it is not JSON or has none. */
function envelopeIn(text: string): Inner | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return null;
  }
  return envelopeOf(body);
}

/** The one `…response` object of a body (`errorresponse` included). */
function envelopeOf(body: unknown): Inner | null {
  if (!body || typeof body !== 'object') return null;
  const key = Object.keys(body).find((k) => k.endsWith('response'));
  const inner = key ? (body as Record<string, unknown>)[key] : undefined;
  return inner && typeof inner === 'object' ? (inner as Inner) : null;
}

const num = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined);
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
