import type { SecurityGroup, SecurityGroupRule, SecurityGroupRuleSpec } from '../../clouds/driver';
import { AppError, ErrorCode, badInput, notFound } from '../../errors';
import type { DatacenterRow, UserRow } from '../../store/schema';
import type { Context } from '../context';
import type { JobSpec } from '../job/job.service';
import type { Job } from '../job/job.type';
import { firstHost } from '../network/addressing';
import { pickZone } from '../network/network.service';
import { Network } from '../network/network.type';
import { encodeId } from '../node/global-id';
import { runTenancyJob } from './resource-lookup';
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

/** Every ACTIVE tenancy of one user, or its one tenancy in `datacenterId`. */
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
  return initialize(ctx, { kind: 'initializeUser', viewer: ctx.viewer!, userId: user.id, datacenterId: dc?.id ?? null, resourceId: encodeId('User', user.id) }, targets);
}

/** Every user's ACTIVE tenancies (administrators aside), or only those in `datacenterId`. */
export async function initializeAllUsers(ctx: Context, datacenterGlobalId?: string | null): Promise<InitializeResult> {
  const dc = datacenterGlobalId ? await enabledDatacenter(ctx, datacenterGlobalId) : null;
  const targets = (await ctx.services.tenancies.active({ datacenterId: dc?.id, role: 'USER' })).filter((t) => t.datacenter.state === 'ENABLED');
  return initialize(ctx, { kind: 'initializeAllUsers', viewer: ctx.viewer!, datacenterId: dc?.id ?? null, resourceId: dc ? encodeId('Datacenter', dc.id) : null }, targets);
}

function enabledDatacenter(ctx: Context, datacenterGlobalId: string): Promise<DatacenterRow> {
  return ctx.services.tenancies.enabledDatacenter(ctx.viewer!, datacenterGlobalId, 'new resources');
}

/**
 * One job for the whole run, and one tenancy job per tenancy under it (each names its own
 * datacenter in the cloud's errors). A tenancy that fails does not stop the others; the run
 * then fails with the first error, after every tenancy was tried.
 */
async function initialize(ctx: Context, spec: JobSpec, targets: ActiveTenancy[]): Promise<InitializeResult> {
  const { job, result } = await ctx.services.jobs.run(spec, async (run) => {
    const networks: Network[] = [];
    let failure: unknown = null;
    for (const [i, target] of targets.entries()) {
      const where = `${target.user.username} in ${target.datacenter.shortName}`;
      const percent = progressOf(i + 1, targets.length);
      try {
        const scope = await ctx.services.tenancies.scope(ctx.viewer!, target.tenancy.id);
        networks.push(await initializeTenancy(ctx, scope, target.user));
        await run.progress(percent, `${where}: ready`);
      } catch (err) {
        failure ??= err;
        await run.progress(percent, `${where}: ${err instanceof Error ? err.message : 'failed'}`);
      }
    }
    if (failure) throw failure;
    return networks;
  });
  return { job, networks: result };
}

async function initializeTenancy(ctx: Context, scope: TenantScope, user: UserRow): Promise<Network> {
  const name = `${user.username}-vpc`;
  const { model } = await runTenancyJob(ctx, scope, { kind: 'initializeTenancy', resource: 'Network' }, async (run) => {
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
    return networkId;
  });
  if (!model) throw upstream(scope, `network ${name} is not listed after it was made`);
  return Network.from(scope, model);
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
