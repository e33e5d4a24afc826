import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { Flavor, Image, Zone } from '../catalog/catalog.type';
import { flavorOf, imageOf, zoneOf } from '../catalog/zone';
import type { Context } from '../context';
import { FloatingIp } from '../floating-ip/floating-ip.type';
import { KeyPair } from '../key-pair/key-pair.type';
import { Network } from '../network/network.type';
import { SecurityGroup } from '../security-group/security-group.type';
import { Subnet } from '../subnet/subnet.type';
import { resourceFields } from '../tenancy/resource.resolver';
import { Volume } from '../volume/volume.type';
import { Instance, InstanceAddress } from './instance.type';

export const InstanceFields = resourceFields(Instance);

@Resolver(() => Instance)
export class InstanceResolver {
  @FieldResolver(() => Flavor, { nullable: true })
  flavor(@Root() instance: Instance, @Ctx() ctx: Context): Promise<Flavor | null> {
    return flavorOf(instance.scope, instance.model.flavorId, ctx);
  }

  @FieldResolver(() => Image, { nullable: true })
  image(@Root() instance: Instance, @Ctx() ctx: Context): Promise<Image | null> {
    return imageOf(instance.scope, instance.model.imageId, ctx);
  }

  @FieldResolver(() => Zone, { nullable: true })
  zone(@Root() instance: Instance, @Ctx() ctx: Context): Promise<Zone | null> {
    return zoneOf(instance.scope, instance.zoneId, ctx);
  }

  @FieldResolver(() => [Volume], { description: 'Attached volumes, the system disk included.' })
  async volumes(@Root() instance: Instance): Promise<Volume[]> {
    const { scope } = instance;
    return (await scope.loaders.volumesOfInstance.load(instance.cloudId)).map((m) => Volume.from(scope, m));
  }

  @FieldResolver(() => [FloatingIp])
  async floatingIps(@Root() instance: Instance): Promise<FloatingIp[]> {
    const { scope } = instance;
    return (await scope.loaders.floatingIpsOfInstance.load(instance.cloudId)).map((m) => FloatingIp.from(scope, m));
  }

  @FieldResolver(() => [SecurityGroup])
  async securityGroups(@Root() instance: Instance): Promise<SecurityGroup[]> {
    const { scope } = instance;
    const groups = await scope.loaders.securityGroups.loadMany(instance.model.securityGroupIds);
    return groups.flatMap((g) => {
      if (g instanceof Error) throw g;
      return g ? [SecurityGroup.from(scope, g)] : [];
    });
  }

  @FieldResolver(() => KeyPair, { nullable: true })
  async keyPair(@Root() instance: Instance): Promise<KeyPair | null> {
    const name = instance.model.keyPairName;
    if (!name) return null;
    const model = await instance.scope.loaders.keyPairs.load(name);
    return model ? KeyPair.from(instance.scope, model) : null;
  }
}

@Resolver(() => InstanceAddress)
export class InstanceAddressResolver {
  @FieldResolver(() => Network, { nullable: true })
  async network(@Root() address: InstanceAddress): Promise<Network | null> {
    if (!address.model.networkId) return null;
    const model = await address.scope.loaders.networks.load(address.model.networkId);
    return model ? Network.from(address.scope, model) : null;
  }

  @FieldResolver(() => Subnet, { nullable: true })
  async subnet(@Root() address: InstanceAddress): Promise<Subnet | null> {
    if (!address.model.subnetId) return null;
    const model = await address.scope.loaders.subnets.load(address.model.subnetId);
    return model ? Subnet.from(address.scope, model) : null;
  }
}
