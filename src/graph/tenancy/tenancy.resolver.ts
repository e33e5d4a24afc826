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
import { listPage, ResourceListArgs } from './resource-list';
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
    const scope = await scopeOf(tenancy, ctx, null);
    return scope ? Quota.from(await scope.loaders.quota()) : null;
  }

  @FieldResolver(() => NetworkConnection, { nullable: true })
  async networks(@Root() tenancy: Tenancy, @Args() args: NetworkListArgs, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
    const scope = await scopeOf(tenancy, ctx, info);
    if (!scope) return listPage([], args);
    return listPage((await scope.loaders.allNetworks()).map((m) => Network.from(scope, m)), args);
  }

  @FieldResolver(() => InstanceConnection, { nullable: true })
  async instances(@Root() tenancy: Tenancy, @Args() args: InstanceListArgs, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
    const scope = await scopeOf(tenancy, ctx, info);
    if (!scope) return listPage([], args);
    return listPage((await scope.loaders.allInstances()).map((m) => Instance.from(scope, m)), args);
  }

  @FieldResolver(() => VolumeConnection, { nullable: true })
  async volumes(@Root() tenancy: Tenancy, @Args() args: VolumeListArgs, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
    const scope = await scopeOf(tenancy, ctx, info);
    if (!scope) return listPage([], args);
    return listPage((await scope.loaders.allVolumes()).map((m) => Volume.from(scope, m)), args);
  }

  @FieldResolver(() => VolumeBackupConnection, { nullable: true })
  async backups(@Root() tenancy: Tenancy, @Args() args: BackupListArgs, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
    const scope = await scopeOf(tenancy, ctx, info);
    if (!scope) return listPage([], args);
    return listPage((await scope.loaders.allBackups()).map((m) => VolumeBackup.from(scope, m)), args);
  }

  @FieldResolver(() => FloatingIpConnection, { nullable: true })
  async floatingIps(@Root() tenancy: Tenancy, @Args() args: FloatingIpListArgs, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
    const scope = await scopeOf(tenancy, ctx, info);
    if (!scope) return listPage([], args);
    return listPage((await scope.loaders.allFloatingIps()).map((m) => FloatingIp.from(scope, m)), args);
  }

  @FieldResolver(() => SecurityGroupConnection, { nullable: true })
  async securityGroups(@Root() tenancy: Tenancy, @Args() args: ResourceListArgs, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
    const scope = await scopeOf(tenancy, ctx, info);
    if (!scope) return listPage([], args);
    return listPage((await scope.loaders.allSecurityGroups()).map((m) => SecurityGroup.from(scope, m)), args);
  }

  @FieldResolver(() => KeyPairConnection, { nullable: true })
  async keyPairs(@Root() tenancy: Tenancy, @Args() args: ResourceListArgs, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
    const scope = await scopeOf(tenancy, ctx, info);
    if (!scope) return listPage([], args);
    return listPage((await scope.loaders.allKeyPairs()).map((m) => KeyPair.from(scope, m)), args);
  }
}

/**
 * The tenancy's scope, or null when it is not ACTIVE (nothing to read in its cloud). The cloud
 * reads of the fields below `info`'s start at once, beside this field's own.
 */
async function scopeOf(tenancy: Tenancy, ctx: Context, info: GraphQLResolveInfo | null): Promise<TenantScope | null> {
  if (tenancy.row.status !== 'ACTIVE') return null;
  const scope = await ctx.services.tenancies.scope(ctx.viewer!, tenancy.row.id);
  if (info) startReads(scope, ctx, readsBelow(info));
  return scope;
}
