import { randomBytes } from 'node:crypto';
import type { DatacenterEndpoint } from '../../clouds/driver';
import { SimClock, startSimServer, type RunningSim, type SimHandler, type SimRequest, type SimResponse } from '../common';
import { accountCommands } from './accounts';
import { aclCommands } from './acls';
import { login, verifySession, verifySignature, MANAGEMENT_SERVER_ID } from './auth';
import { catalogCommands } from './catalog';
import { Ctx, Sim, type Caller, type Commands, type SimSettings } from './context';
import { CsError, failure, permissionDenied, responseKey, success, unauthorized } from './envelope';
import { networkCommands } from './networks';
import { Params } from './params';
import { publicIpCommands } from './public-ips';
import { securityGroupCommands } from './security-groups';
import { seedAdmin, seedCatalog } from './seed';
import { fillKeyPool, sshKeyCommands } from './ssh-keys';
import { tagCommands } from './tags';
import { expungeDestroyed, vmCommands } from './vms';
import { volumeCommands } from './volumes';

/*
 * A stateful, in-memory Apache CloudStack management server at /client/api, faithful to the
 * wire facts of shared/reference/cloudstack-api.md: signed or session calls, JSON (and XML)
 * envelopes, HTTP status = errorcode, async jobs completed by the SimClock, paging with a
 * server page size, per-account isolation and resource limits. `/_sim/stats` counts calls
 * under the command name (`listVirtualMachines`).
 *
 * Like a stock Advanced zone with VPCs: zones report securitygroupsenabled=false, so
 * deployVirtualMachine with security groups is refused (431) there (with `securityGroupZone`,
 * `zone-sg` is the exception: security groups on, one Shared network, no VPCs) and tiers are filtered by network
 * ACL lists (acls.ts; a tier made without `aclid` gets the built-in default_deny);
 * updateSecurityGroup is root-admin only; users may not expunge (allow.user.expunge.recover.vm
 * false) and Destroyed VMs are expunged after expunge.delay (expungeDelayMs × timeScale).
 */

export interface CloudStackSimulatorOptions {
  port?: number;
  /** Speed of jobs: 1 ≈ real seconds, 0 = done on the next request. @default 1 */
  timeScale?: number;
  /** Latency added to every call, ms. @default 0 */
  latencyMs?: number;
  /** Told of every cloud call as it arrives (benchmarks). */
  onCall?: (operation: string) => void;
  /** The root admin's password. @default random */
  adminPassword?: string;
  /** Preload zones, offerings and templates. @default true */
  seed?: boolean;
  /** The server's `default.page.size`: the largest page and the cap of unpaged lists. @default 500 */
  defaultPageSize?: number;
  /**
   * Whether `pagesize=-1` (without `page`) answers every item, as a stock server does; false
   * caps it at the page size like an unpaged list (a server or a proxy that does not know it).
   * @default true
   */
  unlimitedPageSize?: boolean;
  /** Idle lifetime of a login session, s. @default 1800 */
  sessionTimeoutSec?: number;
  /** `allow.user.expunge.recover.vm`: users may pass `expunge=true`. @default false (as a stock cloud) */
  allowUserExpunge?: boolean;
  /** `expunge.delay`: Destroyed VMs are expunged this long after, ms before timeScale. @default 30000 */
  expungeDelayMs?: number;
  /**
   * Also seed `zone-sg`: an Advanced zone with securitygroupsenabled=true and one Shared guest
   * network (listed to every account) where VMs deploy with `securitygroupids`; VPCs and
   * isolated networks are refused there (431). @default false
   */
  securityGroupZone?: boolean;
}

export interface CloudStackSimulator extends RunningSim {
  /** …/client/api */
  apiUrl: string;
  admin: { user: 'admin'; password: string; apiKey: string; secretKey: string; domainId: string };
  endpoint(id: string, name: string): DatacenterEndpoint;
}

/** Commands about the call itself rather than a resource: jobs and sessions. */
const callCommands: Commands = {
  queryAsyncJobResult: {
    handler: (ctx) => {
      const id = ctx.p.required('jobid');
      const job = ctx.sim.jobs.get(id);
      if (!job) throw ctx.invalidId('jobid', id);
      if (!ctx.canAccess(job.accountId) && job.userId !== ctx.caller.user.id) {
        throw permissionDenied(`Account ${ctx.caller.account.name} does not have permission to access job ${id}`);
      }
      return { ...ctx.sim.jobs.view(job), managementserverid: MANAGEMENT_SERVER_ID };
    },
  },
  listAsyncJobs: {
    handler: (ctx) => {
      const since = ctx.p.str('startdate');
      const jobs = ctx.sim.jobs.all().filter((j) => ctx.inScope(j.accountId) && (!since || j.created >= Date.parse(since.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'))));
      return ctx.list('asyncjobs', jobs.map((j) => ctx.sim.jobs.view(j)));
    },
  },
  logout: { handler: () => ({ description: 'success' }) },
};

const COMMANDS: Commands = {
  ...callCommands,
  ...accountCommands,
  ...catalogCommands,
  ...networkCommands,
  ...securityGroupCommands,
  ...aclCommands,
  ...publicIpCommands,
  ...sshKeyCommands,
  ...vmCommands,
  ...volumeCommands,
  ...tagCommands,
};

class CloudStackHandler implements SimHandler {
  private readonly params = new WeakMap<SimRequest, Params>();

  constructor(private readonly sim: Sim) {}

  private paramsOf(req: SimRequest): Params {
    let params = this.params.get(req);
    if (!params) {
      const sources = Params.fromRequest(req.url, req.body, req.headers['content-type']);
      const command = sources.map((s) => s.get('command')).find((c) => c) ?? '';
      params = new Params(sources, command);
      this.params.set(req, params);
    }
    return params;
  }

  operation(req: SimRequest): string {
    if (req.url.pathname !== '/client/api') return 'notFound';
    return this.paramsOf(req).command || 'noCommand';
  }

  handle(req: SimRequest): SimResponse {
    if (req.url.pathname !== '/client/api') return { status: 404, raw: 'Not Found', headers: { 'content-type': 'text/plain' } };
    this.sim.jobs.settle();
    expungeDestroyed(this.sim);
    const p = this.paramsOf(req);
    const json = p.str('response')?.toLowerCase() === 'json';
    const command = p.command;
    const key = responseKey(command);
    try {
      if (command === 'login') return this.login(req, p, json);
      // Who calls is settled before what is called, so that strangers cannot probe the command table.
      const { caller, sessionKey } = this.authenticate(req, p);
      const def = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
      if (!def) {
        const err = new CsError(432, 9999, command ? `The given command:${command} does not exist or it is not available for user` : 'Missing command parameter');
        return failure('errorresponse', err, json);
      }
      if (def.admin && !caller.isAdmin) {
        throw unauthorized(`The given command:${command} does not exist or it is not available for user with id:${caller.user.id}`);
      }
      if (command === 'logout' && sessionKey) this.sim.state.sessions.delete(sessionKey);
      return success(key, def.handler(new Ctx(this.sim, caller, p)), json);
    } catch (err) {
      if (err instanceof CsError) return failure(key, err, json);
      throw err;
    }
  }

  /** Signed when `apikey` is present, else a login session; anything else is refused. */
  private authenticate(req: SimRequest, p: Params): { caller: Caller; sessionKey?: string } {
    if (p.has('apikey') || p.has('signature')) return { caller: verifySignature(this.sim, p) };
    const { caller, session } = verifySession(this.sim, p, req.headers);
    return { caller, sessionKey: session.key };
  }

  private login(req: SimRequest, p: Params, json: boolean): SimResponse {
    if (req.method !== 'POST') throw new CsError(405, null, 'Method not allowed: login requires POST');
    const result = login(this.sim, p);
    return success('loginresponse', result.body, json, { 'set-cookie': result.cookies });
  }
}

export async function startCloudStackSimulator(options: CloudStackSimulatorOptions = {}): Promise<CloudStackSimulator> {
  const settings: SimSettings = {
    defaultPageSize: options.defaultPageSize ?? 500,
    unlimitedPageSize: options.unlimitedPageSize ?? true,
    sessionTimeoutSec: options.sessionTimeoutSec ?? 1800,
    allowUserExpunge: options.allowUserExpunge ?? false,
    expungeDelayMs: options.expungeDelayMs ?? 30_000,
    jobMs: { short: 1000, vm: 3000, vpc: 5000 },
  };
  if (!Number.isInteger(settings.defaultPageSize) || settings.defaultPageSize < 1) throw new Error('defaultPageSize must be a positive integer');
  const sim = new Sim(new SimClock(options.timeScale ?? 1), settings);
  const password = options.adminPassword ?? randomBytes(12).toString('base64url');
  const { user, domain } = seedAdmin(sim, password);
  if (options.seed ?? true) seedCatalog(sim, { securityGroupZone: options.securityGroupZone ?? false, adminAccountId: user.accountId });
  fillKeyPool();

  const running = await startSimServer(new CloudStackHandler(sim), { port: options.port, latencyMs: options.latencyMs, onCall: options.onCall });
  const apiUrl = `${running.url}/client/api`;
  const admin = { user: 'admin' as const, password, apiKey: user.apiKey!, secretKey: user.secretKey!, domainId: domain.id };
  return Object.assign(running, {
    apiUrl,
    admin,
    endpoint: (id: string, name: string): DatacenterEndpoint => ({
      id,
      name,
      kind: 'CLOUDSTACK',
      serviceUrl: apiUrl,
      adminUser: admin.user,
      adminPassword: admin.password,
      adminApiKey: admin.apiKey,
      adminSecretKey: admin.secretKey,
    }),
  });
}
