import type { GraphQLResolveInfo } from 'graphql';
import { Args, ArgsType, Ctx, Field, FieldResolver, Info, Resolver, Root } from 'type-graphql';
import { notFound } from '../../errors';
import type { Context } from '../context';
import { Datacenter } from '../datacenter/datacenter.type';
import { BackupStatus, VolumeBackup, VolumeBackupConnection } from '../backup/backup.type';
import { FloatingIp, FloatingIpConnection, FloatingIpStatus } from '../floating-ip/floating-ip.type';
import { Instance, InstanceConnection, InstanceStatus } from '../instance/instance.type';
import { KeyPair, KeyPairConnection } from '../key-pair/key-pair.type';
import { Network, NetworkConnection, NetworkStatus } from '../network/network.type';
import { SecurityGroup, SecurityGroupConnection } from '../security-group/security-group.type';
import { User } from '../user/user.type';
import { Volume, VolumeConnection, VolumeStatus } from '../volume/volume.type';
import { Quota } from './quota.type';
import { readsBelow, startReads } from './read-ahead';
import { listPage, ResourceListArgs, type Listed } from './resource-list';
import type { ConnectionShape } from '../connection';
import type { TenancyLoaders } from './tenancy.loaders';
import type { TenantScope } from './tenancy.scope';
import { Tenancy } from './tenancy.type';

@ArgsType()
export class NetworkListArgs extends ResourceListArgs {
  @Field(() => NetworkStatus, { nullable: true }) status?: NetworkStatus | null;
}

@ArgsType()
export class InstanceListArgs extends ResourceListArgs {
  @Field(() => InstanceStatus, { nullable: true }) status?: InstanceStatus | null;
}

@ArgsType()
export class VolumeListArgs extends ResourceListArgs {
  @Field(() => VolumeStatus, { nullable: true }) status?: VolumeStatus | null;
}

@ArgsType()
export class BackupListArgs extends ResourceListArgs {
  @Field(() => BackupStatus, { nullable: true }) status?: BackupStatus | null;
}

@ArgsType()
export class FloatingIpListArgs extends ResourceListArgs {
  @Field(() => FloatingIpStatus, { nullable: true }) status?: FloatingIpStatus | null;
}

/**
 * A tenancy's resources. Each list is one driver call per tenancy and request, whatever else
 * asks for the same kind; a datacenter that fails costs only these fields (null, with the
 * error naming the datacenter), never the rest of the answer. A tenancy that is not ACTIVE
 * has nothing to read in its cloud: an empty page.
 */
@Resolver(() => Tenancy)
export class TenancyResolver {
  @FieldResolver(() => User)
  async user(@Root() tenancy: Tenancy, @Ctx() ctx: Context): Promise<User> {
    const row = await ctx.services.users.byId(tenancy.row.userId);
    if (!row) throw notFound('User');
    return User.fromRow(row);
  }

  @FieldResolver(() => Datacenter)
  async datacenter(@Root() tenancy: Tenancy, @Ctx() ctx: Context): Promise<Datacenter> {
    const row = await ctx.services.datacenters.byId(tenancy.row.datacenterId, true);
    if (!row) throw notFound('Datacenter');
    return Datacenter.fromRow(row);
  }

  @FieldResolver(() => Quota, { nullable: true, description: 'Limits and use in the datacenter.' })
  async quota(@Root() tenancy: Tenancy, @Ctx() ctx: Context): Promise<Quota | null> {
    const scope = await scopeOf(tenancy, ctx);
    return scope ? Quota.from(await scope.loaders.quota()) : null;
  }

  @FieldResolver(() => NetworkConnection, { nullable: true })
  networks(@Root() tenancy: Tenancy, @Args() args: NetworkListArgs, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
    return listed(tenancy, ctx, info, args, (l) => l.allNetworks(), Network.from);
  }

  @FieldResolver(() => InstanceConnection, { nullable: true })
  instances(@Root() tenancy: Tenancy, @Args() args: InstanceListArgs, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
    return listed(tenancy, ctx, info, args, (l) => l.allInstances(), Instance.from);
  }

  @FieldResolver(() => VolumeConnection, { nullable: true })
  volumes(@Root() tenancy: Tenancy, @Args() args: VolumeListArgs, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
    return listed(tenancy, ctx, info, args, (l) => l.allVolumes(), Volume.from);
  }

  @FieldResolver(() => VolumeBackupConnection, { nullable: true })
  backups(@Root() tenancy: Tenancy, @Args() args: BackupListArgs, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
    return listed(tenancy, ctx, info, args, (l) => l.allBackups(), VolumeBackup.from);
  }

  @FieldResolver(() => FloatingIpConnection, { nullable: true })
  floatingIps(@Root() tenancy: Tenancy, @Args() args: FloatingIpListArgs, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
    return listed(tenancy, ctx, info, args, (l) => l.allFloatingIps(), FloatingIp.from);
  }

  @FieldResolver(() => SecurityGroupConnection, { nullable: true })
  securityGroups(@Root() tenancy: Tenancy, @Args() args: ResourceListArgs, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
    return listed(tenancy, ctx, info, args, (l) => l.allSecurityGroups(), SecurityGroup.from);
  }

  @FieldResolver(() => KeyPairConnection, { nullable: true })
  keyPairs(@Root() tenancy: Tenancy, @Args() args: ResourceListArgs, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
    return listed(tenancy, ctx, info, args, (l) => l.allKeyPairs(), KeyPair.from);
  }
}

/**
 * A page of one of the tenancy's lists. The cloud reads of the fields below it start at once,
 * beside the list's own, and the page waits for them before it answers: its items' fields then
 * answer from what is in, without a promise each.
 */
async function listed<M, T extends Listed>(
  tenancy: Tenancy,
  ctx: Context,
  info: GraphQLResolveInfo,
  args: ResourceListArgs & { status?: string | null },
  list: (loaders: TenancyLoaders) => Promise<M[]>,
  make: (scope: TenantScope, model: M) => T,
): Promise<ConnectionShape<T>> {
  const scope = await scopeOf(tenancy, ctx);
  if (!scope) return listPage([], args);
  const below = startReads(scope, ctx, readsBelow(info));
  const models = await list(scope.loaders);
  await below;
  return listPage(models.map((m) => make(scope, m)), args);
}

/** The tenancy's scope, or null when it is not ACTIVE (nothing to read in its cloud). */
async function scopeOf(tenancy: Tenancy, ctx: Context): Promise<TenantScope | null> {
  if (tenancy.row.status !== 'ACTIVE') return null;
  return ctx.services.tenancies.scope(ctx.viewer!, tenancy.row.id);
}
