import { conflict, parseInput, badInput } from '../../errors';
import type { Context } from '../context';
import type { Job } from '../job/job.type';
import { findResource } from '../tenancy/resource-lookup';
import type { TenantScope } from '../tenancy/tenancy.scope';
import { firstHost } from './addressing';
import { createNetworkRule, updateNetworkRule, type CreateNetworkInput, type UpdateNetworkInput } from './network.input';
import { Network } from './network.type';

/** A zone of the datacenter by id (default: its first available one); BAD_USER_INPUT naming `field` otherwise. */
export async function pickZone(ctx: Context, scope: TenantScope, zoneId: string | null | undefined, field: string): Promise<string | null> {
  const zones = await ctx.services.catalog.zones(scope.datacenter, scope.driver);
  if (!zoneId) return zones.find((z) => z.available)?.id ?? zones[0]?.id ?? null;
  const zone = zones.find((z) => z.id === zoneId || z.name === zoneId);
  if (!zone) throw badInput(field, `no such zone in ${scope.datacenter.shortName}; zones: ${zones.map((z) => z.id).join(', ') || 'none'}`);
  return zone.id;
}

export class NetworkService {
  constructor(private readonly ctx: Context) {}

  /** Network + first subnet (+ OpenStack router on the external network), checked before any cloud call. */
  async create(input: CreateNetworkInput): Promise<{ job: Job; network: Network | null }> {
    const v = parseInput(createNetworkRule, input);
    const { ctx } = this;
    const scope = await ctx.services.tenancies.scopeOf(ctx.viewer!, v.tenancyId).catch(() => {
      throw badInput('input.tenancyId', 'no such tenancy, or it is not ACTIVE');
    });
    const zoneId = await pickZone(ctx, scope, v.zoneId, 'input.zoneId');
    const existing = await scope.loaders.allNetworks();
    if (existing.some((n) => n.name === v.name)) throw conflict(`A network named ${v.name} exists already.`, 'input.name');
    const spec = {
      name: v.name,
      description: v.description ?? null,
      cidr: v.cidr ?? v.subnet.cidr,
      zoneId,
      subnet: {
        name: v.subnet.name,
        cidr: v.subnet.cidr,
        gatewayIp: v.subnet.gatewayIp ?? firstHost(v.subnet.cidr),
        enableDhcp: v.subnet.enableDhcp ?? true,
        dnsNameservers: v.subnet.dnsNameservers ?? [],
      },
    };
    return this.make(scope, 'createNetwork', async (run) => {
      const op = await scope.driver.createNetwork(spec);
      const id = await run.wait(scope.driver, op, `creating network ${v.name}`);
      return id ?? op.resource?.id ?? null;
    });
  }

  async update(id: string, input: UpdateNetworkInput): Promise<Network> {
    const v = parseInput(updateNetworkRule, input);
    const { scope, model } = await findResource(this.ctx, id, 'Network');
    if (v.name && v.name !== model.name && (await scope.loaders.allNetworks()).some((n) => n.name === v.name)) {
      throw conflict(`A network named ${v.name} exists already.`, 'input.name');
    }
    const updated = await scope.driver.updateNetwork(model.id, v);
    scope.loaders.clear();
    return Network.from(scope, updated);
  }

  /** Router interfaces, gateway, ports, subnets, then the network; the first failing step is reported. */
  async delete(id: string): Promise<{ job: Job; deletedId: string }> {
    const { scope, model } = await findResource(this.ctx, id, 'Network');
    const { job } = await this.ctx.services.jobs.run(
      { kind: 'deleteNetwork', viewer: this.ctx.viewer!, ...scope.jobSpec(), resourceId: id },
      async (run) => {
        const op = await scope.driver.deleteNetwork(model.id);
        await run.wait(scope.driver, op, `deleting network ${model.name}`);
      },
    );
    scope.loaders.clear();
    return { job, deletedId: id };
  }

  private async make(scope: TenantScope, kind: string, work: Parameters<Context['services']['jobs']['run']>[1]) {
    const { job, result } = await this.ctx.services.jobs.run({ kind, viewer: this.ctx.viewer!, ...scope.jobSpec() }, async (run) => {
      const cloudId = (await work(run)) as string | null;
      if (cloudId) await run.setResource(scope.id('Network', cloudId));
      return cloudId;
    });
    scope.loaders.clear();
    const model = result ? await scope.loaders.networks.load(result) : null;
    return { job, network: model ? Network.from(scope, model) : null };
  }
}
