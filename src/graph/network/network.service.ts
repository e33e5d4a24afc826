import { conflict, parseInput, badInput } from '../../errors';
import type { Context } from '../context';
import type { Job } from '../job/job.type';
import { findResource, runTenancyJob, tenancyInput } from '../tenancy/resource-lookup';
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
    const scope = await tenancyInput(ctx, v.tenancyId);
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
    const { job, model } = await runTenancyJob(ctx, scope, { kind: 'createNetwork', resource: 'Network' }, { method: 'createNetwork', args: [spec], message: `creating network ${v.name}` });
    return { job, network: model ? Network.from(scope, model) : null };
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
    const { job } = await runTenancyJob(this.ctx, scope, { kind: 'deleteNetwork', resource: 'Network', resourceId: id }, { method: 'deleteNetwork', args: [model.id], message: `deleting network ${model.name}` });
    return { job, deletedId: id };
  }
}
