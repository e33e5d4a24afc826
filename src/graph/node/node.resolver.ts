import { Arg, Authorized, Ctx, ID, Query, Resolver } from 'type-graphql';
import { AppError, ErrorCode, notFound } from '../../errors';
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
import type { TenantScope } from '../tenancy/tenancy.scope';
import { Tenancy } from '../tenancy/tenancy.type';
import { User } from '../user/user.type';
import { Volume } from '../volume/volume.type';
import { decodeId, type ResourceKind } from './global-id';
import { Node } from './node.interface';

/** How each cloud kind becomes its GraphQL object. */
const RESOURCES: { [K in ResourceKind]: (scope: TenantScope, model: never) => Node } = {
  Network: Network.from,
  Subnet: Subnet.from,
  Instance: Instance.from,
  Volume: Volume.from,
  VolumeBackup: VolumeBackup.from,
  FloatingIp: FloatingIp.from,
  SecurityGroup: SecurityGroup.from,
  KeyPair: KeyPair.from,
};

/** Any object by its global id, with the same access rules as everywhere else (NOT_FOUND otherwise). */
export async function resolveNode(ctx: Context, id: string): Promise<Node> {
  const viewer = ctx.viewer!;
  const kind = decodeId(id)?.kind;
  switch (kind) {
    case 'User':
      return User.fromRow(await ctx.services.users.get(viewer, id));
    case 'Datacenter':
      return Datacenter.fromRow(await ctx.services.datacenters.get(viewer, id));
    case 'Tenancy':
      return Tenancy.fromRow(await ctx.services.tenancies.get(viewer, id));
    case 'Job':
      return Job.fromRow(await ctx.services.jobs.get(viewer, id));
    case 'ApiKey':
      return ctx.services.apiKeys.get(viewer, id);
    default:
      if (kind && kind in RESOURCES) {
        const { scope, model } = await findResource(ctx, id, kind as ResourceKind);
        return RESOURCES[kind as ResourceKind](scope, model as never);
      }
      throw notFound('Node');
  }
}

/** A node that may be gone (or no longer the viewer's): null rather than an error. */
export async function nodeOrNull(ctx: Context, id: string): Promise<Node | null> {
  try {
    return await resolveNode(ctx, id);
  } catch (err) {
    if (err instanceof AppError && err.code === ErrorCode.NOT_FOUND) return null;
    throw err;
  }
}

@Resolver()
export class NodeResolver {
  @Authorized()
  @Query(() => Node, {
    nullable: true,
    description: 'Any object by its global id. Ids of objects the viewer may not see answer NOT_FOUND.',
  })
  node(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<Node> {
    return resolveNode(ctx, id);
  }
}
