import { Arg, Authorized, Ctx, ID, Query, Resolver } from 'type-graphql';
import { AuditedMutation } from '../audit/audit.middleware';
import type { Context } from '../context';
import { CreateDatacenterInput, UpdateDatacenterInput } from './datacenter.input';
import { Datacenter } from './datacenter.type';

@Resolver(() => Datacenter)
export class DatacenterResolver {
  @Authorized()
  @Query(() => [Datacenter], { description: 'Admins: every datacenter. Users: those they are registered in.' })
  async datacenters(@Ctx() ctx: Context): Promise<Datacenter[]> {
    return (await ctx.services.datacenters.list(ctx.viewer!)).map(Datacenter.fromRow);
  }

  @Authorized()
  @Query(() => Datacenter, { nullable: true })
  async datacenter(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<Datacenter> {
    return Datacenter.fromRow(await ctx.services.datacenters.get(ctx.viewer!, id));
  }

  @AuditedMutation(() => Datacenter, { access: 'ADMIN' })
  async createDatacenter(@Arg('input', () => CreateDatacenterInput) input: CreateDatacenterInput, @Ctx() ctx: Context) {
    return Datacenter.fromRow(await ctx.services.datacenters.create(input));
  }

  @AuditedMutation(() => Datacenter, { access: 'ADMIN' })
  async updateDatacenter(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateDatacenterInput) input: UpdateDatacenterInput,
    @Ctx() ctx: Context,
  ) {
    return Datacenter.fromRow(await ctx.services.datacenters.update(ctx.viewer!, id, input));
  }

  @AuditedMutation(() => Datacenter, { access: 'ADMIN', description: 'Marks the datacenter removed (the row is kept). Refused while users are registered in it.' })
  async deleteDatacenter(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return Datacenter.fromRow(await ctx.services.datacenters.delete(ctx.viewer!, id));
  }
}
