import type { Subnet as SubnetModel } from '../../clouds/driver';
import { badFields, conflict, namingInputField, parseInput, type FieldProblem } from '../../errors';
import type { Context } from '../context';
import type { Job } from '../job/job.type';
import { contains, firstHost, overlap, parseCidr, sameAddress, sameRange } from '../network/addressing';
import { findResource, runTenancyJob } from '../tenancy/resource-lookup';
import { createSubnetRule, updateSubnetRule, type CreateSubnetInput, type UpdateSubnetInput } from './subnet.input';
import { Subnet } from './subnet.type';

/** CloudStack makes a tier from a gateway and netmask with at most two DNS servers, and always serves DHCP on it. */
const CLOUDSTACK_DNS_SERVERS = 2;

export class SubnetService {
  constructor(private readonly ctx: Context) {}

  /**
   * A further subnet of a network. Everything the clouds refuse late, or accept wrongly (the
   * old platform's subnets broke when gateways collided or a subnet fell outside its VPC), is
   * checked first against the network and its other subnets as the cloud has them now.
   */
  async create(input: CreateSubnetInput): Promise<{ job: Job; subnet: Subnet | null }> {
    const v = parseInput(createSubnetRule, input);
    const { ctx } = this;
    const { scope, model: network } = await findResource(ctx, v.networkId, 'Network', 'input.networkId');
    const siblings = await scope.loaders.subnetsOfNetwork.load(network.id);
    const gatewayIp = v.gatewayIp ? v.gatewayIp : firstHost(v.cidr);
    const problems = [
      ...cloudLimits(scope.datacenter.kind, v),
      ...placementProblems(network.cidr, v.cidr, siblings),
      ...gatewayClashes(gatewayIp, !v.gatewayIp, siblings),
    ];
    if (problems.length) throw badFields(problems);
    if (siblings.some((s) => s.name === v.name)) throw conflict(`The network has a subnet named ${v.name} already.`, 'input.name');

    const spec = { name: v.name, cidr: v.cidr, gatewayIp, enableDhcp: v.enableDhcp ?? true, dnsNameservers: v.dnsNameservers ?? [] };
    const { job, model } = await runTenancyJob(
      ctx,
      scope,
      { kind: 'createSubnet', resource: 'Subnet', payload: { networkId: v.networkId } },
      { method: 'createSubnet', args: [network.id, spec], message: `creating subnet ${v.name} (${v.cidr}) in network ${network.name}`, prefixes: ['subnet'] },
    );
    return { job, subnet: model ? Subnet.from(scope, model) : null };
  }

  async update(id: string, input: UpdateSubnetInput): Promise<Subnet> {
    const v = parseInput(updateSubnetRule, input);
    const { scope, model } = await findResource(this.ctx, id, 'Subnet');
    if (v.name !== model.name) {
      const siblings = await scope.loaders.subnetsOfNetwork.load(model.networkId);
      if (siblings.some((s) => s.id !== model.id && s.name === v.name)) throw conflict(`The network has a subnet named ${v.name} already.`, 'input.name');
    }
    let updated: SubnetModel;
    try {
      updated = await scope.driver.updateSubnet(model.id, { name: v.name });
    } catch (err) {
      throw namingInputField(err, ['subnet']);
    }
    scope.loaders.clear();
    return Subnet.from(scope, updated);
  }

  /** Router interfaces on it first (OpenStack), then the subnet; a subnet instances still use is the cloud's CONFLICT. */
  async delete(id: string): Promise<{ job: Job; deletedId: string }> {
    const { scope, model } = await findResource(this.ctx, id, 'Subnet');
    const { job } = await runTenancyJob(this.ctx, scope, { kind: 'deleteSubnet', resource: 'Subnet', resourceId: id }, { method: 'deleteSubnet', args: [model.id], message: `deleting subnet ${model.name}` });
    return { job, deletedId: id };
  }
}

/** What one cloud cannot make, said before asking it. */
function cloudLimits(kind: 'OPENSTACK' | 'CLOUDSTACK', v: { cidr: string; enableDhcp?: boolean | null; dnsNameservers?: string[] | null }): FieldProblem[] {
  if (kind !== 'CLOUDSTACK') return [];
  const problems: FieldProblem[] = [];
  if (parseCidr(v.cidr)?.kind !== 'ipv4') problems.push({ field: 'input.cidr', message: 'CloudStack subnets (VPC tiers) are IPv4 only' });
  if (v.enableDhcp === false) problems.push({ field: 'input.enableDhcp', message: 'CloudStack subnets (VPC tiers) always run DHCP' });
  if ((v.dnsNameservers?.length ?? 0) > CLOUDSTACK_DNS_SERVERS) {
    problems.push({ field: 'input.dnsNameservers', message: `CloudStack takes at most ${CLOUDSTACK_DNS_SERVERS} DNS servers` });
  }
  return problems;
}

/**
 * Inside the network's range and apart from every other subnet of it. The range is of one
 * family: a network may also carry subnets of the other one (OpenStack dual stack).
 */
function placementProblems(networkCidr: string | null, cidr: string, siblings: SubnetModel[]): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (networkCidr && parseCidr(networkCidr)?.kind === parseCidr(cidr)?.kind && !contains(networkCidr, cidr)) {
    // A network made outside ecsgraph on OpenStack has no range of its own: the graph shows its
    // first subnet's. Say so rather than leave the client wondering why a range "next to" the
    // first one is refused.
    const owner = siblings.find((s) => sameRange(s.cidr, networkCidr));
    problems.push({
      field: 'input.cidr',
      message: owner
        ? `must be inside the network’s range ${networkCidr}, which is the range of its subnet ${owner.name}: a new subnet must lie inside ${networkCidr} and apart from ${owner.name}`
        : `must be inside the network’s range ${networkCidr}`,
    });
  }
  for (const sibling of siblings) {
    if (overlap(sibling.cidr, cidr)) problems.push({ field: 'input.cidr', message: `overlaps ${sibling.cidr} of the network’s subnet ${sibling.name}` });
  }
  return problems;
}

/** No two subnets of a network may share a gateway: the old platform's failure when several subnets were made in one VPC. */
function gatewayClashes(gatewayIp: string, byDefault: boolean, siblings: SubnetModel[]): FieldProblem[] {
  const clash = siblings.find((s) => s.gatewayIp && sameAddress(s.gatewayIp, gatewayIp));
  if (!clash) return [];
  const which = byDefault ? `the default gateway ${gatewayIp}` : gatewayIp;
  return [{ field: 'input.gatewayIp', message: `${which} is the gateway of the network’s subnet ${clash.name}; give another host address` }];
}
