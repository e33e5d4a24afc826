import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { SecurityGroup as SecurityGroupModel } from '../../clouds/driver';
import { Flavor, Image, Zone } from '../catalog/catalog.type';
import { flavorOf, imageOf, zoneOf } from '../catalog/zone';
import type { Context } from '../context';
import { FloatingIp } from '../floating-ip/floating-ip.type';
import { KeyPair } from '../key-pair/key-pair.type';
import { Network } from '../network/network.type';
import { SecurityGroup } from '../security-group/security-group.type';
import { Subnet } from '../subnet/subnet.type';
import { resourceFields } from '../tenancy/resource.resolver';
import { mapMaybe } from '../tenancy/tenancy.loaders';
import { Volume } from '../volume/volume.type';
import { Instance, InstanceAddress } from './instance.type';

export const InstanceFields = resourceFields(Instance);

@Resolver(() => Instance)
export class InstanceResolver {
  @FieldResolver(() => Flavor, { nullable: true })
  flavor(@Root() instance: Instance, @Ctx() ctx: Context): Flavor | null | Promise<Flavor | null> {
    return flavorOf(instance.scope, instance.model.flavorId, ctx);
  }

  @FieldResolver(() => Image, { nullable: true })
  image(@Root() instance: Instance, @Ctx() ctx: Context): Image | null | Promise<Image | null> {
    return imageOf(instance.scope, instance.model.imageId, ctx);
  }

  @FieldResolver(() => Zone, { nullable: true })
  zone(@Root() instance: Instance, @Ctx() ctx: Context): Zone | null | Promise<Zone | null> {
    return zoneOf(instance.scope, instance.zoneId, ctx);
  }

  @FieldResolver(() => [Volume], { description: 'Attached volumes, the system disk included.' })
  volumes(@Root() instance: Instance): Volume[] | Promise<Volume[]> {
    const { scope } = instance;
    return mapMaybe(scope.loaders.volumesOfInstance.get(instance.cloudId), (list) => list.map((m) => Volume.from(scope, m)));
  }

  @FieldResolver(() => [FloatingIp])
  floatingIps(@Root() instance: Instance): FloatingIp[] | Promise<FloatingIp[]> {
    const { scope } = instance;
    return mapMaybe(scope.loaders.floatingIpsOfInstance.get(instance.cloudId), (list) => list.map((m) => FloatingIp.from(scope, m)));
  }

  @FieldResolver(() => [SecurityGroup])
  securityGroups(@Root() instance: Instance): SecurityGroup[] | Promise<SecurityGroup[]> {
    const { scope } = instance;
    const groups = instance.model.securityGroupIds.map((id) => scope.loaders.securityGroups.get(id));
    const found = (list: (SecurityGroupModel | null)[]) => list.flatMap((g) => (g ? [SecurityGroup.from(scope, g)] : []));
    return groups.some((g) => g instanceof Promise) ? Promise.all(groups).then(found) : found(groups as (SecurityGroupModel | null)[]);
  }

  @FieldResolver(() => KeyPair, { nullable: true })
  keyPair(@Root() instance: Instance): KeyPair | null | Promise<KeyPair | null> {
    const name = instance.model.keyPairName;
    if (!name) return null;
    return mapMaybe(instance.scope.loaders.keyPairs.get(name), (model) => (model ? KeyPair.from(instance.scope, model) : null));
  }
}

@Resolver(() => InstanceAddress)
export class InstanceAddressResolver {
  @FieldResolver(() => Network, { nullable: true })
  network(@Root() address: InstanceAddress): Network | null | Promise<Network | null> {
    if (!address.model.networkId) return null;
    return mapMaybe(address.scope.loaders.networks.get(address.model.networkId), (model) => (model ? Network.from(address.scope, model) : null));
  }

  @FieldResolver(() => Subnet, { nullable: true })
  subnet(@Root() address: InstanceAddress): Subnet | null | Promise<Subnet | null> {
    if (!address.model.subnetId) return null;
    return mapMaybe(address.scope.loaders.subnets.get(address.model.subnetId), (model) => (model ? Subnet.from(address.scope, model) : null));
  }
}
