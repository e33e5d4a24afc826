import { z } from 'zod';
import type { SecurityGroup, SecurityGroupRule, SecurityGroupRuleSpec } from '../../clouds/driver';
import { AppError, ErrorCode, badInput, notFound } from '../../errors';
import { errorOf, type JobErrorInfo, type JobRun } from '../../jobs/journal';
import { defineRunner, type Runner } from '../../jobs/runner';
import type { DatacenterRow, JobRow, UserRow } from '../../store/schema';
import type { Context } from '../context';
import type { JobSpec } from '../job/job.service';
import { Job } from '../job/job.type';
import { firstHost } from '../network/addressing';
import { pickZone } from '../network/network.service';
import { Network } from '../network/network.type';
import { encodeId } from '../node/global-id';
import { progressOf, type ActiveTenancy } from './tenancy.service';
import type { TenantScope } from './tenancy.scope';

/*
 * A tenant's default environment, as the portal made it after registration: a network
 * `<username>-vpc` (10.0.1.0/24, subnet `<username>-subnet`, first zone) and a default security
 * group that lets SSH, RDP and ping in and everything out. Idempotent: what exists is kept, only
 * what is missing is made, so it can run again after a partial failure or over every user.
 */

const DEFAULT_RANGE = '10.0.1.0/24';
const ANYWHERE = '0.0.0.0/0';

const rule = (direction: 'INGRESS' | 'EGRESS', protocol: 'TCP' | 'ICMP' | 'ANY', port: number | null = null): SecurityGroupRuleSpec => ({
  direction,
  protocol,
  portMin: port,
  portMax: port,
  cidr: ANYWHERE,
  remoteGroupId: null,
  ethertype: 'IPv4',
});

const DEFAULT_RULES: readonly SecurityGroupRuleSpec[] = [rule('INGRESS', 'TCP', 22), rule('INGRESS', 'TCP', 3389), rule('INGRESS', 'ICMP'), rule('EGRESS', 'ANY')];

export interface InitializeResult {
  job: Job;
  networks: Network[];
}

/** What an initialisation job keeps as its result: the default network of each tenancy it set up. */
interface InitializeOutcome {
  networks: { tenancyId: string; networkId: string }[];
}

/**
 * Every ACTIVE tenancy of one user, or its one tenancy in `datacenterId`, as a job
 * (initializeUser) a worker runs; the arguments are checked here, before it is queued.
 */
export async function initializeUser(ctx: Context, userGlobalId: string, datacenterGlobalId?: string | null): Promise<InitializeResult> {
  const user = await ctx.services.users.get(ctx.viewer!, userGlobalId);
  if (user.deletedAt) throw notFound('User');
  const dc = datacenterGlobalId ? await enabledDatacenter(ctx, datacenterGlobalId) : null;
  const targets = (await ctx.services.tenancies.active({ userId: user.id, datacenterId: dc?.id })).filter((t) => t.datacenter.state === 'ENABLED');
  if (!targets.length) {
    throw dc
      ? badInput('datacenterId', `${user.username} holds no ACTIVE tenancy in ${dc.shortName}`)
      : badInput('userId', `${user.username} holds no ACTIVE tenancy in an ENABLED datacenter`);
  }
  return enqueue(
    ctx,
    { kind: 'initializeUser', viewer: ctx.viewer!, userId: user.id, datacenterId: dc?.id ?? null, resourceId: encodeId('User', user.id) },
    initializeUserRunner,
    { userId: user.id, datacenterId: dc?.id ?? null },
  );
}

/** Every user's ACTIVE tenancies (administrators aside), or only those in `datacenterId`. */
export async function initializeAllUsers(ctx: Context, datacenterGlobalId?: string | null): Promise<InitializeResult> {
  const dc = datacenterGlobalId ? await enabledDatacenter(ctx, datacenterGlobalId) : null;
  return enqueue(
    ctx,
    { kind: 'initializeAllUsers', viewer: ctx.viewer!, datacenterId: dc?.id ?? null, resourceId: dc ? encodeId('Datacenter', dc.id) : null },
    initializeAllUsersRunner,
    { datacenterId: dc?.id ?? null },
  );
}

/** The ACTIVE tenancies to set up, in ENABLED datacenters: read again when the job runs. */
async function targetsOf(ctx: Context, filter: { userId?: string; datacenterId?: string; role?: 'USER' }): Promise<ActiveTenancy[]> {
  return (await ctx.services.tenancies.active(filter)).filter((t) => t.datacenter.state === 'ENABLED');
}

export const initializeUserRunner = defineRunner({
  name: 'initializeUser',
  payload: z.object({ userId: z.uuid(), datacenterId: z.uuid().nullable() }),
  async run(ctx, payload, run) {
    return initialize(ctx, run, await targetsOf(ctx, { userId: payload.userId, datacenterId: payload.datacenterId ?? undefined }));
  },
});

export const initializeAllUsersRunner = defineRunner({
  name: 'initializeAllUsers',
  payload: z.object({ datacenterId: z.uuid().nullable() }),
  async run(ctx, payload, run) {
    return initialize(ctx, run, await targetsOf(ctx, { datacenterId: payload.datacenterId ?? undefined, role: 'USER' }));
  },
});

/**
 * Queues the job and answers with it: as it ended when the caller waits (a failure is the
 * mutation's error), else QUEUED with no networks yet.
 */
async function enqueue<P extends Record<string, unknown>>(ctx: Context, spec: JobSpec, runner: Runner<P>, payload: P): Promise<InitializeResult> {
  const queued = await ctx.services.jobs.enqueue({ ...spec, payload, runner: runner.name });
  const row = await ctx.services.jobs.settle(queued, ctx.waitMs ?? 0);
  return { job: Job.fromRow(row), networks: await networksOf(ctx, row) };
}

/** The networks a job made or found, as the cloud has them now (a tenancy no longer ACTIVE, or a network gone, is left out). */
async function networksOf(ctx: Context, row: JobRow): Promise<Network[]> {
  if (row.status === 'FAILED' && row.error) throw errorOf(row.error as JobErrorInfo);
  if (row.status !== 'SUCCEEDED') return [];
  const made = (row.result as InitializeOutcome | null)?.networks ?? [];
  const found = await Promise.all(
    made.map(async ({ tenancyId, networkId }) => {
      const scope = await ctx.services.tenancies.scope(ctx.viewer!, tenancyId).catch(() => null);
      const model = scope ? await scope.loaders.networks.load(networkId) : null;
      return scope && model ? Network.from(scope, model) : null;
    }),
  );
  return found.filter((n): n is Network => n !== null);
}

function enabledDatacenter(ctx: Context, datacenterGlobalId: string): Promise<DatacenterRow> {
  return ctx.services.tenancies.enabledDatacenter(ctx.viewer!, datacenterGlobalId, 'new resources');
}

/**
 * The work of the whole run (the job's), and one tenancy job per tenancy under it, run inline
 * (each names its own datacenter in the cloud's errors). A tenancy that fails does not stop
 * the others; the run then fails with the first error, after every tenancy was tried. A
 * tenancy set up is kept as done: a resumed job goes on with the others.
 */
async function initialize(ctx: Context, run: JobRun, targets: ActiveTenancy[]): Promise<InitializeOutcome> {
  const networks: InitializeOutcome['networks'] = [];
  let failure: unknown = null;
  for (const [i, target] of targets.entries()) {
    const where = `${target.user.username} in ${target.datacenter.shortName}`;
    const percent = progressOf(i + 1, targets.length);
    try {
      const networkId = await run.once(`tenancy:${target.tenancy.id}`, async () => {
        const scope = await ctx.services.tenancies.scope(ctx.viewer!, target.tenancy.id);
        return initializeTenancy(ctx, scope, target.user);
      });
      networks.push({ tenancyId: target.tenancy.id, networkId });
      await run.progress(percent, `${where}: ready`);
    } catch (err) {
      failure ??= err;
      await run.progress(percent, `${where}: ${err instanceof Error ? err.message : 'failed'}`);
    }
  }
  if (failure) throw failure;
  return { networks };
}

/** One tenancy's default environment, as a job inside the caller's; the cloud id of its network. */
async function initializeTenancy(ctx: Context, scope: TenantScope, user: UserRow): Promise<string> {
  const name = `${user.username}-vpc`;
  const spec = { kind: 'initializeTenancy', viewer: ctx.viewer!, ...scope.jobSpec(), resourceId: null };
  const { result: networkId } = await ctx.services.jobs.run(spec, async (run) => {
    let networkId = (await scope.loaders.allNetworks()).find((n) => n.name === name)?.id ?? null;
    if (!networkId) {
      const zoneId = await pickZone(ctx, scope, null, 'datacenterId');
      const step = `creating network ${name}`;
      await run.progress(10, step);
      const op = await scope.driver.createNetwork({
        name,
        description: null,
        cidr: DEFAULT_RANGE,
        zoneId,
        subnet: { name: `${user.username}-subnet`, cidr: DEFAULT_RANGE, gatewayIp: firstHost(DEFAULT_RANGE), enableDhcp: true, dnsNameservers: [] },
      });
      networkId = (await run.wait(scope.driver, op, step)) ?? op.resource?.id ?? null;
      if (!networkId) throw upstream(scope, `${step}: the cloud named no network`);
      scope.loaders.clear();
    }
    const group = defaultGroupOf(await scope.loaders.allSecurityGroups(), name);
    if (!group) throw upstream(scope, `the default security group of network ${name} was not found`);
    for (const wanted of DEFAULT_RULES.filter((w) => !group.rules.some((r) => covers(r, w)))) {
      const step = `allowing ${wanted.direction.toLowerCase()} ${wanted.protocol}${wanted.portMin ? ` ${wanted.portMin}` : ''} in ${group.name}`;
      await run.progress(60, step);
      await run.wait(scope.driver, await scope.driver.addSecurityGroupRule(group.id, wanted), step);
    }
    await run.setResource(scope.id('Network', networkId));
    return networkId;
  });
  scope.loaders.clear();
  if (!(await scope.loaders.networks.load(networkId))) throw upstream(scope, `network ${name} is not listed after it was made`);
  return networkId;
}

/**
 * The group the default network's instances get: the tenant's only default group (OpenStack,
 * CloudStack zones with security groups), or — CloudStack VPC zones, one `default` ACL list per
 * VPC — the one the driver made with this network, which names the network in its description.
 */
function defaultGroupOf(groups: SecurityGroup[], networkName: string): SecurityGroup | null {
  const defaults = groups.filter((g) => g.isDefault);
  if (defaults.length <= 1) return defaults[0] ?? null;
  return defaults.find((g) => g.description?.endsWith(` of ${networkName}`)) ?? null;
}

/** Whether an existing rule already lets through what `wanted` would (a wider port range or protocol ANY does). */
function covers(existing: SecurityGroupRule, wanted: SecurityGroupRuleSpec): boolean {
  if (existing.direction !== wanted.direction || existing.ethertype !== wanted.ethertype || existing.remoteGroupId) return false;
  // No CIDR and no remote group is "anywhere" on OpenStack.
  if ((existing.cidr ?? ANYWHERE) !== (wanted.cidr ?? ANYWHERE)) return false;
  if (existing.protocol === 'ANY') return true;
  if (existing.protocol !== wanted.protocol) return false;
  if (wanted.protocol === 'ICMP') return existing.portMin === null && existing.portMax === null;
  return (existing.portMin ?? 0) <= (wanted.portMin ?? 0) && (existing.portMax ?? 65535) >= (wanted.portMax ?? 65535);
}

function upstream(scope: TenantScope, message: string): AppError {
  return new AppError(ErrorCode.UPSTREAM_ERROR, message, { datacenter: scope.datacenter.shortName });
}
