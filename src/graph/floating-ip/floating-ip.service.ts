import { badInput, conflict, parseInput, quotaExceeded } from '../../errors';
import type { Context } from '../context';
import type { Job } from '../job/job.type';
import { findResource, relatedResource, runTenancyJob, tenancyInput } from '../tenancy/resource-lookup';
import type { TenantScope } from '../tenancy/tenancy.scope';
import { instanceLabel } from '../volume/volume.service';
import { allocateFloatingIpRule, type AllocateFloatingIpInput } from './floating-ip.input';
import { FloatingIp } from './floating-ip.type';

/** Instances in these states have no NIC a NAT rule could point at. */
const UNREACHABLE = ['BUILDING', 'ERROR', 'DELETED', 'UNKNOWN'];

export class FloatingIpService {
  constructor(private readonly ctx: Context) {}

  async allocate(input: AllocateFloatingIpInput): Promise<{ job: Job; floatingIp: FloatingIp | null }> {
    const v = parseInput(allocateFloatingIpRule, input);
    const { ctx } = this;
    const scope = await tenancyInput(ctx, v.tenancyId);
    const networkId = await this.networkFor(scope, v.networkId);
    const { floatingIps } = await scope.loaders.quota();
    if (floatingIps.limit !== null && floatingIps.used + 1 > floatingIps.limit) {
      throw quotaExceeded('input.tenancyId', `The tenancy has ${floatingIps.used} of its ${floatingIps.limit} public addresses in ${scope.datacenter.shortName} already.`);
    }
    const spec = { bandwidthMbps: v.bandwidthMbps, networkId };
    const { job, model } = await runTenancyJob(
      ctx,
      scope,
      { kind: 'allocateFloatingIp', resource: 'FloatingIp', payload: { bandwidthMbps: v.bandwidthMbps } },
      { method: 'allocateFloatingIp', args: [spec], message: `allocating a floating IP of ${v.bandwidthMbps} Mbit/s` },
    );
    return { job, floatingIp: model ? FloatingIp.from(scope, model) : null };
  }

  async associate(id: string, instanceId: string): Promise<{ job: Job; floatingIp: FloatingIp | null }> {
    const { ctx } = this;
    const { scope, model: ip } = await findResource(ctx, id, 'FloatingIp');
    const instance = await relatedResource(ctx, scope, instanceId, 'Instance', 'instanceId');
    if (ip.instanceId) {
      const where = ip.instanceId === instance.id ? 'this instance' : await instanceLabel(scope, ip.instanceId);
      throw conflict(`Floating IP ${ip.address} is associated with ${where} already: disassociate it first.`, 'id');
    }
    if (ip.status === 'PENDING') throw conflict(`Floating IP ${ip.address} is PENDING: try again once it is allocated.`, 'id');
    if (UNREACHABLE.includes(instance.status)) throw conflict(`Instance ${instance.name} is ${instance.status}: it cannot take a floating IP.`, 'instanceId');
    // A CloudStack IP belongs to one VPC and NATs only to a NIC on it; OpenStack picks the instance's first IPv4 port.
    const fixed = instance.addresses.filter((a) => !a.floating && !a.ip.includes(':') && (!ip.networkId || a.networkId === ip.networkId));
    if (!fixed.length) {
      throw badInput('instanceId', ip.networkId ? `has no address on the network of floating IP ${ip.address}` : 'has no IPv4 address a floating IP can route to');
    }
    const { job, model } = await runTenancyJob(
      ctx,
      scope,
      { kind: 'associateFloatingIp', resource: 'FloatingIp', resourceId: id, payload: { instanceId } },
      { method: 'associateFloatingIp', args: [ip.id, instance.id], message: `associating ${ip.address} with ${instance.name}`, resultId: ip.id },
    );
    return { job, floatingIp: model ? FloatingIp.from(scope, model) : null };
  }

  async disassociate(id: string): Promise<{ job: Job; floatingIp: FloatingIp | null }> {
    const { ctx } = this;
    const { scope, model: ip } = await findResource(ctx, id, 'FloatingIp');
    if (!ip.instanceId) throw conflict(`Floating IP ${ip.address} is not associated with any instance.`, 'id');
    const { job, model } = await runTenancyJob(
      ctx,
      scope,
      { kind: 'disassociateFloatingIp', resource: 'FloatingIp', resourceId: id },
      { method: 'disassociateFloatingIp', args: [ip.id], message: `disassociating ${ip.address}`, resultId: ip.id },
    );
    return { job, floatingIp: model ? FloatingIp.from(scope, model) : null };
  }

  /** Only a free address: releasing one in use would cut its instance off without a word. */
  async release(id: string): Promise<{ job: Job; deletedId: string }> {
    const { ctx } = this;
    const { scope, model: ip } = await findResource(ctx, id, 'FloatingIp');
    if (ip.instanceId) {
      throw conflict(`Floating IP ${ip.address} is associated with ${await instanceLabel(scope, ip.instanceId)}: disassociate it first.`, 'id');
    }
    const { job } = await runTenancyJob(ctx, scope, { kind: 'releaseFloatingIp', resource: 'FloatingIp', resourceId: id }, { method: 'releaseFloatingIp', args: [ip.id], message: `releasing ${ip.address}` });
    return { job, deletedId: id };
  }

  /**
   * The cloud network the IP is allocated for. CloudStack allocates inside a VPC, so without
   * one named the tenancy's only network is taken; OpenStack allocates on the external network
   * and routes into whichever network the associated instance is on.
   */
  private async networkFor(scope: TenantScope, networkId: string | null | undefined): Promise<string | null> {
    if (networkId) {
      return (await relatedResource(this.ctx, scope, networkId, 'Network', 'input.networkId')).id;
    }
    if (scope.datacenter.kind !== 'CLOUDSTACK') return null;
    const networks = await scope.loaders.allNetworks();
    if (networks.length === 1) return networks[0].id;
    throw badInput('input.networkId', networks.length ? 'name the network: the tenancy has several' : 'the tenancy has no network to allocate in: create one first');
  }
}
