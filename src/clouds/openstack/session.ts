import { createHash } from 'node:crypto';
import type { Logger } from '../../logger';
import { CloudError, type DatacenterEndpoint } from '../driver';
import type { ReadHorizon } from '../read-horizon';
import { sharedBody, type Upstream } from '../upstream';
import { upstreamError } from './errors';

/*
 * A Keystone session: password auth scoped to one project, the token cached per credential
 * until shortly before `expires_at`, service URLs read from the token's catalog only, and one
 * re-authentication when a service answers 401 (a token revoked or expired early), after which
 * the call is sent once more. Tokens and passwords never reach a log line or an error.
 */

/** The pinned microversions: 2.92 (keypair generation is gone, so the driver makes keys itself). */
export const COMPUTE_MICROVERSION = '2.92';
export const VOLUME_MICROVERSION = '3.60';

export type Service = 'compute' | 'network' | 'image' | 'volume';

const CATALOG_TYPES: Record<Service, string[]> = {
  compute: ['compute'],
  network: ['network'],
  image: ['image'],
  volume: ['block-storage', 'volumev3'],
};

/** A token is replaced this long before it expires (or after 3/4 of a shorter lifetime). */
const REFRESH_MARGIN_MS = 60_000;
const MAX_PAGES = 1000;

export interface PasswordCredential {
  /** For logs and messages: `admin` or `project <id>`. */
  label: string;
  user: { id: string } | { name: string; domain: string };
  password: string;
  scope: { projectId: string } | { projectName: string; domain: string };
}

interface CatalogEntry {
  type: string;
  endpoints: { interface: string; region?: string; region_id?: string; url: string }[];
}

interface Token {
  value: string;
  refreshAt: number;
  catalog: CatalogEntry[];
  projectId: string;
  userId: string;
}

/** Tokens of one datacenter, shared by its admin and tenant drivers; keyed by a hash of the credential. */
export class TokenCache {
  private readonly entries = new Map<string, Token | Promise<Token>>();

  get(key: string): Token | Promise<Token> | undefined {
    return this.entries.get(key);
  }

  set(key: string, value: Token | Promise<Token>): void {
    this.entries.set(key, value);
  }

  /** Drops the entry only if it still holds `value`: a concurrent refresh is kept. */
  invalidate(key: string, value: string): void {
    const entry = this.entries.get(key);
    if (entry && !(entry instanceof Promise) && entry.value === value) this.entries.delete(key);
  }

  drop(key: string): void {
    this.entries.delete(key);
  }
}

export interface CallSpec {
  /** Stable name for logs and metrics: `nova.servers.detail`. */
  operation: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  /** Path under the service base (Neutron: under /v2.0, Glance: under /v2). */
  path: string;
  query?: URLSearchParams;
  body?: unknown;
  /** Statuses handed back instead of thrown (404 for polls and idempotent deletes, 409 for provisioning). */
  accept?: number[];
  /** What the call does, for error messages: `Creating server "web-1"`. */
  what: string;
  idempotent?: boolean;
  /** Secrets the call carries besides the session's own (a new user's password): kept out of errors. */
  secrets?: string[];
}

export interface CallResult<T> {
  status: number;
  headers: Headers;
  body: T;
}

export interface SessionDeps {
  endpoint: DatacenterEndpoint;
  upstream: Upstream;
  log: Logger;
  cache: TokenCache;
}

export class Session {
  private readonly key: string;

  constructor(
    private readonly deps: SessionDeps,
    private readonly credential: PasswordCredential,
    /** Set, this session's GETs may share identical ones under way (`ReadHorizon`); its other calls move it on. */
    private readonly horizon: ReadHorizon | null = null,
  ) {
    this.key = createHash('sha256')
      .update(JSON.stringify([identityUrl(deps.endpoint), credential.user, credential.scope, credential.password]))
      .digest('hex');
  }

  get datacenter(): string {
    return this.deps.endpoint.name;
  }

  /** The project the token is scoped to (the admin project for the admin session). */
  async projectId(): Promise<string> {
    return (await this.token()).projectId;
  }

  async call<T = Record<string, unknown>>(service: Service | 'identity', spec: CallSpec): Promise<CallResult<T>> {
    if (this.horizon && spec.method !== 'GET') {
      // Whatever the call did (or may have done, if it failed), reads after it see it.
      try {
        return await this.exchange<T>(service, spec);
      } finally {
        this.horizon.advance();
      }
    }
    return this.exchange<T>(service, spec);
  }

  private async exchange<T>(service: Service | 'identity', spec: CallSpec): Promise<CallResult<T>> {
    let token = await this.token();
    let res = await this.send(service, token, spec);
    if (res.status === 401) {
      this.deps.log.info({ datacenter: this.datacenter, operation: spec.operation, scope: this.credential.label }, 'token refused, authenticating again');
      this.deps.cache.invalidate(this.key, token.value);
      token = await this.token();
      res = await this.send(service, token, spec);
      if (res.status === 401) {
        throw new CloudError(
          'UPSTREAM_ERROR',
          `${spec.what}: datacenter ${this.datacenter} refused a freshly issued token for ${this.credential.label}.`,
          { status: 401, code: 'Unauthorized', message: 'token refused after re-authentication' },
          this.datacenter,
        );
      }
    }
    // A DELETE resent after a lost answer finds nothing left: the first attempt did the work.
    if (spec.method === 'DELETE' && res.status === 404 && res.attempts > 1) {
      return { status: 204, headers: res.headers, body: undefined as T };
    }
    if (res.status >= 400 && !spec.accept?.includes(res.status)) {
      throw upstreamError(this.datacenter, spec.what, res.status, res.text, [this.credential.password, token.value, ...(spec.secrets ?? [])]);
    }
    // A GET of a session with a horizon may have been shared: its body is parsed once, for all.
    const body = this.horizon && spec.method === 'GET' ? sharedBody(res, parseJson) : parseJson(res.text);
    return { status: res.status, headers: res.headers, body: body as T };
  }

  /**
   * Follows `<key>_links` rel=next (Nova, Neutron, Cinder) to the end. Only the query of a next
   * link is used, on our own base URL: clouds behind proxies often link their internal host.
   */
  async collect<T>(service: Service, spec: CallSpec, key: string): Promise<T[]> {
    return this.pages<T>(service, spec, key, (body) => {
      const links = body?.[`${key}_links`] as { rel: string; href: string }[] | undefined;
      return links?.find((l) => l.rel === 'next')?.href ?? null;
    });
  }

  /** Glance pages with a top-level `next` path relative to the image endpoint. */
  async collectGlance<T>(spec: CallSpec, key: string): Promise<T[]> {
    return this.pages<T>('image', spec, key, (body) => (typeof body?.next === 'string' ? body.next : null));
  }

  /** Every page, until `nextOf` finds no next link; a link that does not advance is an error, not a loop. */
  private async pages<T>(
    service: Service,
    spec: CallSpec,
    key: string,
    nextOf: (body: Record<string, unknown> | undefined) => string | null,
  ): Promise<T[]> {
    const items: T[] = [];
    let query = spec.query ?? new URLSearchParams();
    const seen = new Set<string>();
    for (let pageNo = 0; pageNo < MAX_PAGES; pageNo++) {
      const { body } = await this.call<Record<string, unknown>>(service, { ...spec, query });
      items.push(...((body?.[key] as T[] | undefined) ?? []));
      const next = nextOf(body);
      if (!next) return items;
      query = new URL(next, 'http://relative.invalid').searchParams;
      const marker = query.get('marker') ?? next;
      if (seen.has(marker)) throw this.stuck(spec);
      seen.add(marker);
    }
    throw this.stuck(spec);
  }

  private stuck(spec: CallSpec): CloudError {
    return new CloudError('UPSTREAM_ERROR', `${spec.what}: the list's pages did not advance.`, { message: 'pagination loop' }, this.datacenter);
  }

  private async send(service: Service | 'identity', token: Token, spec: CallSpec) {
    const base = service === 'identity' ? identityUrl(this.deps.endpoint) : this.serviceBase(service, token);
    const query = spec.query?.toString();
    const headers: Record<string, string> = { 'X-Auth-Token': token.value, Accept: 'application/json' };
    if (spec.body !== undefined) headers['Content-Type'] = 'application/json';
    if (service === 'compute') headers['OpenStack-API-Version'] = `compute ${COMPUTE_MICROVERSION}`;
    if (service === 'volume') headers['OpenStack-API-Version'] = `volume ${VOLUME_MICROVERSION}`;
    const url = `${base}${spec.path}${query ? `?${query}` : ''}`;
    return this.deps.upstream.request({
      operation: spec.operation,
      method: spec.method,
      url,
      headers,
      body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
      idempotent: spec.idempotent,
      // The same URL with the same token (one project's credentials) answers the same.
      share: this.horizon && spec.method === 'GET' ? { key: `${token.value} ${url}`, horizon: this.horizon } : undefined,
    });
  }

  private serviceBase(service: Service, token: Token): string {
    const region = this.deps.endpoint.region ?? null;
    for (const type of CATALOG_TYPES[service]) {
      const entry = token.catalog.find((c) => c.type === type);
      const endpoint = entry?.endpoints.find((e) => e.interface === 'public' && (!region || e.region_id === region || e.region === region));
      if (!endpoint) continue;
      const url = endpoint.url.replace(/\/+$/, '');
      // The documented suffixes: Neutron's /v2.0 and Glance's /v2 are not in their catalog URLs.
      if (service === 'network') return url.endsWith('/v2.0') ? url : `${url}/v2.0`;
      if (service === 'image') return url.endsWith('/v2') ? url : `${url}/v2`;
      return url;
    }
    throw new CloudError(
      'UPSTREAM_ERROR',
      `Datacenter ${this.datacenter} publishes no public ${service} endpoint${region ? ` in region ${region}` : ''} in its catalog.`,
      { message: `no ${service} endpoint in catalog` },
      this.datacenter,
    );
  }

  private async token(): Promise<Token> {
    const cached = this.deps.cache.get(this.key);
    if (cached instanceof Promise) return cached;
    if (cached && cached.refreshAt > Date.now()) return cached;
    const pending = this.authenticate();
    this.deps.cache.set(this.key, pending);
    try {
      const token = await pending;
      this.deps.cache.set(this.key, token);
      return token;
    } catch (err) {
      this.deps.cache.drop(this.key);
      throw err;
    }
  }

  private async authenticate(): Promise<Token> {
    const c = this.credential;
    const user = 'id' in c.user ? { id: c.user.id, password: c.password } : { name: c.user.name, domain: domainRef(c.user.domain), password: c.password };
    const project = 'projectId' in c.scope ? { id: c.scope.projectId } : { name: c.scope.projectName, domain: domainRef(c.scope.domain) };
    const res = await this.deps.upstream.request({
      operation: 'keystone.tokens.create',
      method: 'POST',
      url: `${identityUrl(this.deps.endpoint)}/auth/tokens`,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user } }, scope: { project } } }),
      // Issuing a token twice is harmless.
      idempotent: true,
    });
    const what = `Authenticating ${c.label} with datacenter ${this.datacenter}`;
    if (res.status === 401) {
      const err = upstreamError(this.datacenter, what, res.status, res.text, [c.password]);
      throw new CloudError('FORBIDDEN', `${what}: Keystone refused the credentials.`, err.upstream, this.datacenter);
    }
    if (res.status !== 201 && res.status !== 200) throw upstreamError(this.datacenter, what, res.status, res.text, [c.password]);
    const value = res.headers.get('x-subject-token');
    const body = parseJson(res.text) as { token?: { expires_at?: string; issued_at?: string; catalog?: CatalogEntry[]; project?: { id: string }; user?: { id: string } } };
    const token = body?.token;
    if (!value || !token?.expires_at || !token.project) {
      throw new CloudError('UPSTREAM_ERROR', `${what}: Keystone answered without a project-scoped token.`, { status: res.status }, this.datacenter);
    }
    const expiresAt = Date.parse(token.expires_at);
    const issuedAt = token.issued_at ? Date.parse(token.issued_at) : Date.now();
    const margin = Math.min(REFRESH_MARGIN_MS, Math.max(0, (expiresAt - issuedAt) / 4));
    return { value, refreshAt: expiresAt - margin, catalog: token.catalog ?? [], projectId: token.project.id, userId: token.user?.id ?? '' };
  }
}

/** `…/v3` of the endpoint, whether or not the row spells the version. */
export function identityUrl(endpoint: DatacenterEndpoint): string {
  const url = endpoint.serviceUrl.replace(/\/+$/, '');
  return /\/v3$/.test(url) ? url : `${url}/v3`;
}

/** `default` is the id of the stock domain; anything else is taken as a name. */
function domainRef(domain: string) {
  return domain === 'default' ? { id: 'default' } : { name: domain };
}

function parseJson(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

