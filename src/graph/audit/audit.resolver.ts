import { Args, ArgsType, Authorized, Ctx, Field, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../context';
import { User } from '../user/user.type';
import { AuditEntry, AuditEntryConnection } from './audit.type';

@ArgsType()
class AuditLogArgs {
  @Field(() => Int, { nullable: true, description: 'Page size, 1 to 100. Default 20.' })
  first?: number | null;

  @Field(() => String, { nullable: true })
  after?: string | null;

  @Field(() => ID, { nullable: true, description: 'Only entries whose actor is this user.' })
  userId?: string | null;
}

@Resolver(() => AuditEntry)
export class AuditResolver {
  @Authorized('ADMIN')
  @Query(() => AuditEntryConnection, { description: 'Every mutation, newest first.' })
  auditLog(@Args() args: AuditLogArgs, @Ctx() ctx: Context) {
    return ctx.services.audit.list(args);
  }

  @FieldResolver(() => User, { nullable: true, description: 'Who called; null for anonymous calls (a failed sign-in).' })
  async actor(@Root() entry: AuditEntry, @Ctx() ctx: Context): Promise<User | null> {
    if (!entry.row.actorUserId) return null;
    const row = await ctx.services.users.byId(entry.row.actorUserId);
    return row ? User.fromRow(row) : null;
  }
}
