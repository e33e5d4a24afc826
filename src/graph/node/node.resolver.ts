import { Arg, Authorized, Ctx, ID, Query, Resolver } from 'type-graphql';
import { notFound } from '../../errors';
import { VolumeBackup } from '../backup/backup.type';
import type { Context } from '../context';
import { Datacenter } from '../datacenter/datacenter.type';
import { FloatingIp } from '../floating-ip/floating-ip.type';
import { Instance } from '../instance/instance.type';
import { Job } from '../job/job.type';
import { KeyPair } from '../key-pair/key-pair.type';
import { Network } from '../network/network.type';
import { SecurityGroup } from '../security-group/security-group.type';
import { Subnet } from '../subnet/subnet.type';
import { findResource } from '../tenancy/resource-lookup';
import { Tenancy } from '../tenancy/tenancy.type';
import { User } from '../user/user.type';
import { Volume } from '../volume/volume.type';
import { decodeId } from './global-id';
import { Node } from './node.interface';

@Resolver()
export class NodeResolver {
  @Authorized()
  @Query(() => Node, {
    nullable: true,
    description: 'Any object by its global id. Ids of objects the viewer may not see answer NOT_FOUND.',
  })
  async node(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<Node> {
    const viewer = ctx.viewer!;
    switch (decodeId(id)?.kind) {
      case 'User':
        return User.fromRow(await ctx.services.users.get(viewer, id));
      case 'Datacenter':
        return Datacenter.fromRow(await ctx.services.datacenters.get(viewer, id));
      case 'Tenancy':
        return Tenancy.fromRow(await ctx.services.tenancies.get(viewer, id));
      case 'Job':
        return Job.fromRow(await ctx.services.jobs.get(viewer, id));
      case 'Network': {
        const { scope, model } = await findResource(ctx, id, 'Network');
        return Network.from(scope, model);
      }
      case 'Subnet': {
        const { scope, model } = await findResource(ctx, id, 'Subnet');
        return Subnet.from(scope, model);
      }
      case 'Instance': {
        const { scope, model } = await findResource(ctx, id, 'Instance');
        return Instance.from(scope, model);
      }
      case 'Volume': {
        const { scope, model } = await findResource(ctx, id, 'Volume');
        return Volume.from(scope, model);
      }
      case 'VolumeBackup': {
        const { scope, model } = await findResource(ctx, id, 'VolumeBackup');
        return VolumeBackup.from(scope, model);
      }
      case 'FloatingIp': {
        const { scope, model } = await findResource(ctx, id, 'FloatingIp');
        return FloatingIp.from(scope, model);
      }
      case 'SecurityGroup': {
        const { scope, model } = await findResource(ctx, id, 'SecurityGroup');
        return SecurityGroup.from(scope, model);
      }
      case 'KeyPair': {
        const { scope, model } = await findResource(ctx, id, 'KeyPair');
        return KeyPair.from(scope, model);
      }
      default:
        throw notFound('Node');
    }
  }
}
