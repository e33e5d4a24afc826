import { Args, ArgsType, Authorized, Ctx, Field, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import { notFound } from '../../errors';
import type { Context } from '../context';
import { User } from '../user/user.type';
import { ApiKey, ApiKeyConnection } from './api-key.type';

@ArgsType()
class ApiKeysArgs {
  @Field(() => ID, { nullable: true, description: 'Admins: one user’s keys (default: everyone’s). A user may name only itself; another user is NOT_FOUND.' })
  userId?: string | null;

  @Field(() => Int, { nullable: true, description: 'Page size, 1 to 100. Default 20.' })
  first?: number | null;

  @Field(() => String, { nullable: true })
  after?: string | null;
}

@Resolver(() => ApiKey)
export class ApiKeyResolver {
  @Authorized()
  @Query(() => ApiKeyConnection, { description: 'API keys, newest first, revoked and expired ones included. Users: their own.' })
  apiKeys(@Args() args: ApiKeysArgs, @Ctx() ctx: Context) {
    return ctx.services.apiKeys.list(ctx.viewer!, args);
  }

  @FieldResolver(() => User, { description: 'The user the key acts as.' })
  async user(@Root() key: ApiKey, @Ctx() ctx: Context): Promise<User> {
    const row = await ctx.services.users.byId(key.userId);
    if (!row) throw notFound('User');
    return User.fromRow(row);
  }
}
