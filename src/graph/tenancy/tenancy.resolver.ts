import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { notFound } from '../../errors';
import type { Context } from '../context';
import { Datacenter } from '../datacenter/datacenter.type';
import { User } from '../user/user.type';
import { Tenancy } from './tenancy.type';

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
}
