import type { DatacenterEndpoint } from '../../clouds/driver';
import { startSimServer, type RunningSim, type SimHandler, type SimRequest, type SimResponse } from '../common';
import { bootstrapVolumeTypes, cinderRoutes } from './cinder';
import { addImage, glanceRoutes } from './glance';
import { faultError, glanceError, json, keystoneError, neutronError, type Params, type Route } from './http';
import { bootstrapIdentity, keystoneRoutes } from './keystone';
import { ensureDefaultSecurityGroup } from './neutron-core';
import { neutronRoutes } from './neutron';
import { securityGroupRoutes } from './neutron-sg';
import { novaRoutes } from './nova';
import { seedCatalog } from './seed';
import { OpenStackState, type Image, type Quotas, type RequestContext } from './state';

/*
 * One simulated OpenStack region on one port. Services live under path prefixes, the way
 * devstack publishes them behind one web server: /identity/v3, /compute/v2.1, /network (v2.0
 * under it), /volume/v3/{project_id}, /image (v2 under it). The Keystone catalog advertises
 * exactly these URLs, built from the port the server got.
 */

export interface OpenStackSimulatorOptions {
  /** @default 0 (any free port) */
  port?: number;
  /** Scales transition durations; 0 = done by the next call. @default 1 */
  timeScale?: number;
  /** @default 0 */
  latencyMs?: number;
  /** Told of every cloud call as it arrives (benchmarks). */
  onCall?: (operation: string) => void;
  /** @default 'secret' */
  adminPassword?: string;
  /** Preloads flavors, images and the external network `ext-net`. @default true */
  seed?: boolean;
  /** Lifetime of issued tokens. @default 3600 */
  tokenTtlSeconds?: number;
  /** Largest page any list answers (Nova `max_limit`, Neutron `pagination_max_limit`, Cinder). Glance keeps its own 25/1000. @default 1000 */
  maxLimit?: number;
  /** Default limits of every project. @default 10 instances, 20 cores, 51200 MB, 50 floating IPs, 10 volumes, 1000 GB… */
  quotas?: Partial<Quotas>;
}

export interface OpenStackSimulator extends RunningSim {
  identityUrl: string;
  admin: { user: 'admin'; password: string; project: 'admin'; domain: 'Default' };
  externalNetworkName: 'ext-net';
  endpoint(id: string, name: string): DatacenterEndpoint;
  /** Revokes every token issued so far: the next service call with one answers 401. */
  expireTokens(): void;
  /** Lifetime of tokens issued from now on. */
  setTokenTtl(seconds: number): void;
  /** Overrides one project's limits (what `PUT os-quota-sets` and its Neutron/Cinder twins do). */
  setQuota(projectId: string, quotas: Partial<Quotas>): void;
  addImage(spec: Partial<Image> & { name: string }): Image;
  /** Operation names of every call since start (or the last `/_sim/reset`), in order. */
  journal(): string[];
  /** Every token value ever issued, for tests that prove none leaks. */
  issuedTokens(): string[];
  /** The live state, for tests that check what a call did. */
  readonly state: OpenStackState;
}

export async function startOpenStackSimulator(options: OpenStackSimulatorOptions = {}): Promise<OpenStackSimulator> {
  const state = new OpenStackState({
    timeScale: options.timeScale ?? 1,
    tokenTtlSeconds: options.tokenTtlSeconds ?? 3600,
    maxLimit: options.maxLimit ?? 1000,
    quotas: options.quotas ?? {},
  });
  const password = options.adminPassword ?? 'secret';
  const { adminProjectId } = bootstrapIdentity(state, password);
  bootstrapVolumeTypes(state);
  if (options.seed ?? true) seedCatalog(state, adminProjectId);

  const issued: string[] = [];
  const routes: Route[] = [
    ...keystoneRoutes(state),
    ...novaRoutes(state),
    ...neutronRoutes(state),
    ...securityGroupRoutes(state),
    ...cinderRoutes(state),
    ...glanceRoutes(state),
  ];
  const handler = createHandler(state, routes, (token) => issued.push(token));
  const sim = await startSimServer(handler, { port: options.port, latencyMs: options.latencyMs, onCall: options.onCall, onReset: () => (state.journal.length = 0) });
  state.baseUrl = sim.url;
  const identityUrl = `${sim.url}/identity/v3`;

  return Object.assign(sim, {
    identityUrl,
    admin: { user: 'admin' as const, password, project: 'admin' as const, domain: 'Default' as const },
    externalNetworkName: 'ext-net' as const,
    endpoint: (id: string, name: string): DatacenterEndpoint => ({
      id,
      name,
      kind: 'OPENSTACK',
      serviceUrl: identityUrl,
      adminUser: 'admin',
      adminPassword: password,
      project: 'admin',
      domain: 'Default',
      region: 'RegionOne',
      externalNetwork: 'ext-net',
    }),
    expireTokens: () => state.tokens.clear(),
    setTokenTtl: (seconds: number) => {
      state.tokenTtlSeconds = seconds;
    },
    setQuota: (projectId: string, quotas: Partial<Quotas>) => {
      state.quotaOverrides.set(projectId, { ...state.quotaOverrides.get(projectId), ...quotas });
    },
    addImage: (spec: Partial<Image> & { name: string }) => addImage(state, { owner: adminProjectId, ...spec }),
    journal: () => [...state.journal],
    issuedTokens: () => [...issued],
    state,
  });
}

const ANONYMOUS: RequestContext = { token: null, userId: '', projectId: '', isAdmin: false, roles: [] };

function createHandler(state: OpenStackState, routes: Route[], onToken: (token: string) => void): SimHandler {
  const matches = new WeakMap<SimRequest, { route: Route; params: Params } | { methodMismatch: Route } | null>();
  const match = (req: SimRequest) => {
    if (matches.has(req)) return matches.get(req)!;
    let found: { route: Route; params: Params } | { methodMismatch: Route } | null = null;
    for (const route of routes) {
      const m = route.pattern.exec(req.url.pathname);
      if (!m) continue;
      if (route.method !== req.method) {
        found ??= { methodMismatch: route };
        continue;
      }
      found = { route, params: Object.fromEntries(Object.entries(m.groups ?? {}).map(([k, v]) => [k, safeDecode(v)])) };
      break;
    }
    matches.set(req, found);
    return found;
  };

  return {
    operation(req) {
      const m = match(req);
      let name: string;
      if (m && 'route' in m) name = typeof m.route.operation === 'string' ? m.route.operation : m.route.operation(req);
      else name = `${serviceOf(req.url.pathname)}.unknown`;
      state.journal.push(name);
      return name;
    },
    handle(req): SimResponse {
      state.tick();
      const m = match(req);
      if (!m) return json(404, { error: { code: 404, title: 'Not Found', message: 'The resource could not be found.' } });
      if ('methodMismatch' in m) return notAllowed(m.methodMismatch.service);
      const { route, params } = m;
      let ctx = ANONYMOUS;
      if (route.auth) {
        const token = req.headers['x-auth-token'];
        const found = state.authenticate(Array.isArray(token) ? token[0] : token);
        if (!found) {
          const res = keystoneError(401, 'The request you have made requires authentication.');
          res.headers = { ...res.headers, 'www-authenticate': `Keystone uri="${state.baseUrl}/identity"` };
          return res;
        }
        ctx = found;
        // Neutron makes a project's default group the first time the project uses the network API.
        if (route.service === 'neutron') ensureDefaultSecurityGroup(state, ctx.projectId);
      }
      try {
        const res = route.handle(req, ctx, params);
        const issued = res.headers?.['x-subject-token'];
        if (typeof issued === 'string' && route.method === 'POST') onToken(issued);
        return res;
      } catch (err) {
        return serverError(route.service, err);
      }
    },
  };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function serviceOf(path: string): string {
  const prefix = path.split('/')[1];
  return { identity: 'keystone', compute: 'nova', network: 'neutron', volume: 'cinder', image: 'glance' }[prefix] ?? 'openstack';
}

function notAllowed(service: Route['service']): SimResponse {
  if (service === 'neutron') return neutronError(405, 'HTTPMethodNotAllowed', 'The method is not allowed for this resource.');
  if (service === 'glance') return glanceError(405, 'The method is not allowed for this resource.');
  if (service === 'keystone') return keystoneError(405, 'The method is not allowed for this resource.');
  return faultError(405, 'The method is not allowed for this resource.');
}

function serverError(service: Route['service'], err: unknown): SimResponse {
  const message = `Unexpected error in the simulator: ${err instanceof Error ? err.message : String(err)}`;
  if (service === 'neutron') return neutronError(500, 'HTTPInternalServerError', message);
  if (service === 'glance') return glanceError(500, message);
  if (service === 'keystone') return keystoneError(500, message);
  return faultError(500, message);
}

export type { Quotas, Image };
