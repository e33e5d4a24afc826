import { FieldResolver, Resolver, Root } from 'type-graphql';
import { Instance } from '../instance/instance.type';
import { Network } from '../network/network.type';
import { resourceFields } from '../tenancy/resource.resolver';
import { FloatingIp } from './floating-ip.type';

export const FloatingIpFields = resourceFields(FloatingIp);

@Resolver(() => FloatingIp)
export class FloatingIpResolver {
  @FieldResolver(() => Instance, { nullable: true, description: 'The instance it is associated with.' })
  async instance(@Root() ip: FloatingIp): Promise<Instance | null> {
    if (!ip.model.instanceId) return null;
    const model = await ip.scope.loaders.instances.load(ip.model.instanceId);
    return model ? Instance.from(ip.scope, model) : null;
  }

  @FieldResolver(() => Network, { nullable: true, description: 'The tenant network it routes into.' })
  async network(@Root() ip: FloatingIp): Promise<Network | null> {
    if (!ip.model.networkId) return null;
    const model = await ip.scope.loaders.networks.load(ip.model.networkId);
    return model ? Network.from(ip.scope, model) : null;
  }
}
