import { Arg, Authorized, Ctx, ID, Query, Resolver } from 'type-graphql';
import { notFound } from '../../errors';
import type { Context } from '../context';
import { Datacenter } from '../datacenter/datacenter.type';
import { User } from '../user/user.type';
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
      default:
        throw notFound('Node');
    }
  }
}
