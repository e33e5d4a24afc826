import { Args, FieldResolver, Resolver, Root } from 'type-graphql';
import { notFound } from '../../errors';
import { Instance, InstanceConnection } from '../instance/instance.type';
import { IpAvailability, Network } from '../network/network.type';
import { resourceFields } from '../tenancy/resource.resolver';
import { listPage } from '../tenancy/resource-list';
import { mapMaybe } from '../tenancy/tenancy.loaders';
import { InstanceListArgs } from '../tenancy/tenancy.resolver';
import { Subnet } from './subnet.type';

export const SubnetFields = resourceFields(Subnet);

@Resolver(() => Subnet)
export class SubnetResolver {
  @FieldResolver(() => Network)
  network(@Root() subnet: Subnet): Network | Promise<Network> {
    return mapMaybe(subnet.scope.loaders.networks.get(subnet.model.networkId), (model) => {
      if (!model) throw notFound('Network');
      return Network.from(subnet.scope, model);
    });
  }

  @FieldResolver(() => InstanceConnection, { description: 'Instances with an address in this subnet.' })
  instances(@Root() subnet: Subnet, @Args() args: InstanceListArgs) {
    const { scope } = subnet;
    return mapMaybe(scope.loaders.instancesOfNetwork.get(subnet.model.networkId), (onNetwork) => {
      const here = onNetwork.filter((i) => i.addresses.some((a) => a.subnetId === subnet.cloudId));
      return listPage(here.map((m) => Instance.from(scope, m)), args);
    });
  }

  @FieldResolver(() => IpAvailability, { nullable: true })
  async ipAvailability(@Root() subnet: Subnet): Promise<IpAvailability | null> {
    const counts = await subnet.scope.loaders.ipAvailability.load(subnet.model.networkId);
    const mine = counts?.subnets.find((s) => s.subnetId === subnet.cloudId);
    return mine ? IpAvailability.of(mine) : null;
  }
}
