import { Args, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { Zone } from '../catalog/catalog.type';
import type { Context } from '../context';
import { Instance, InstanceConnection } from '../instance/instance.type';
import { Subnet, SubnetConnection } from '../subnet/subnet.type';
import { resourceFields } from '../tenancy/resource.resolver';
import { listPage, ResourceListArgs } from '../tenancy/resource-list';
import { mapMaybe } from '../tenancy/tenancy.loaders';
import { InstanceListArgs } from '../tenancy/tenancy.resolver';
import { zoneOf } from '../catalog/zone';
import { IpAvailability, Network } from './network.type';

export const NetworkFields = resourceFields(Network);

@Resolver(() => Network)
export class NetworkResolver {
  @FieldResolver(() => SubnetConnection)
  subnets(@Root() network: Network, @Args() args: ResourceListArgs) {
    const { scope } = network;
    return mapMaybe(scope.loaders.subnetsOfNetwork.get(network.cloudId), (list) => listPage(list.map((m) => Subnet.from(scope, m)), args));
  }

  @FieldResolver(() => InstanceConnection, { description: 'Instances with an address on the network.' })
  instances(@Root() network: Network, @Args() args: InstanceListArgs) {
    const { scope } = network;
    return mapMaybe(scope.loaders.instancesOfNetwork.get(network.cloudId), (list) => listPage(list.map((m) => Instance.from(scope, m)), args));
  }

  @FieldResolver(() => IpAvailability, { nullable: true, description: 'Addresses of all its subnets, and how many are taken.' })
  async ipAvailability(@Root() network: Network): Promise<IpAvailability | null> {
    const counts = await network.scope.loaders.ipAvailability.load(network.cloudId);
    return counts ? IpAvailability.of(counts) : null;
  }

  @FieldResolver(() => Zone, { nullable: true })
  zone(@Root() network: Network, @Ctx() ctx: Context): Zone | null | Promise<Zone | null> {
    return zoneOf(network.scope, network.zoneId, ctx);
  }
}
