import { Arg, Args, ArgsType, Authorized, Ctx, Field, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import { AuditedMutation } from '../audit/audit.middleware';
import type { Context } from '../context';
import { JobConnection, JobStatus } from '../job/job.type';
import { encodeId } from '../node/global-id';
import { Tenancy } from '../tenancy/tenancy.type';
import { CreateUserInput, UpdateUserInput } from './user.input';
import { Role, User, UserConnection } from './user.type';

@ArgsType()
class UsersArgs {
  @Field(() => String, { nullable: true, description: 'Matches username, e-mail, login name and portal ids anywhere, ignoring case.' })
  search?: string | null;

  @Field(() => Role, { nullable: true })
  role?: Role | null;

  @Field(() => Boolean, { nullable: true })
  active?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: 'Include deleted users. Default false.' })
  includeDeleted?: boolean | null;

  @Field(() => Int, { nullable: true, description: 'Page size, 1 to 100. Default 20.' })
  first?: number | null;

  @Field(() => String, { nullable: true })
  after?: string | null;
}

@ArgsType()
class UserJobsArgs {
  @Field(() => JobStatus, { nullable: true }) status?: JobStatus | null;
  @Field(() => Int, { nullable: true, description: 'Page size, 1 to 100. Default 20.' }) first?: number | null;
  @Field(() => String, { nullable: true }) after?: string | null;
}

@Resolver(() => User)
export class UserResolver {
  @Query(() => User, { nullable: true, description: 'The signed-in user.' })
  async viewer(@Ctx() ctx: Context): Promise<User | null> {
    if (!ctx.viewer) return null;
    const row = await ctx.services.users.get(ctx.viewer, encodeId('User', ctx.viewer.userId));
    return User.fromRow(row);
  }

  @Authorized(Role.ADMIN)
  @Query(() => UserConnection, { description: 'Users, newest first.' })
  users(@Args() args: UsersArgs, @Ctx() ctx: Context) {
    return ctx.services.users.list(args);
  }

  @Authorized(Role.ADMIN)
  @Query(() => User, { nullable: true, description: 'One user by exactly one of: id, ctUserId, ctAccountId.' })
  async user(
    @Ctx() ctx: Context,
    @Arg('id', () => ID, { nullable: true }) id?: string | null,
    @Arg('ctUserId', () => String, { nullable: true }) ctUserId?: string | null,
    @Arg('ctAccountId', () => String, { nullable: true }) ctAccountId?: string | null,
  ): Promise<User | null> {
    const row = await ctx.services.users.find({ id, ctUserId, ctAccountId });
    return row ? User.fromRow(row) : null;
  }

  @Authorized(Role.ADMIN)
  @Query(() => [User], { description: 'Users with a session used within ACTIVE_USER_WINDOW_SECONDS.' })
  async activeUsers(@Ctx() ctx: Context): Promise<User[]> {
    return (await ctx.services.users.activeUsers()).map(User.fromRow);
  }

  @AuditedMutation(() => User, { access: 'ADMIN' })
  async createUser(@Arg('input', () => CreateUserInput) input: CreateUserInput, @Ctx() ctx: Context): Promise<User> {
    return User.fromRow(await ctx.services.users.create(input));
  }

  @AuditedMutation(() => User, { access: 'ADMIN' })
  async updateUser(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateUserInput) input: UpdateUserInput,
    @Ctx() ctx: Context,
  ): Promise<User> {
    return User.fromRow(await ctx.services.users.update(ctx.viewer!, id, input));
  }

  @AuditedMutation(() => User, { access: 'ADMIN', description: 'Marks the user deleted (the row is kept) and ends its sessions.' })
  async deleteUser(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<User> {
    return User.fromRow(await ctx.services.users.delete(ctx.viewer!, id));
  }

  @AuditedMutation(() => User, { access: 'ADMIN', description: 'Activates or deactivates; deactivation ends the sessions at once.' })
  async setUserActive(
    @Arg('id', () => ID) id: string,
    @Arg('active', () => Boolean) active: boolean,
    @Ctx() ctx: Context,
  ): Promise<User> {
    return User.fromRow(await ctx.services.users.setActive(ctx.viewer!, id, active));
  }

  @FieldResolver(() => JobConnection, { description: 'The user’s jobs, newest first.' })
  jobs(@Root() user: User, @Args() args: UserJobsArgs, @Ctx() ctx: Context) {
    return ctx.services.jobs.list(ctx.viewer!, { ...args, userId: user.row.id });
  }

  @FieldResolver(() => [Tenancy], { description: 'The datacenters this user is bound to.' })
  async tenancies(@Root() user: User, @Ctx() ctx: Context): Promise<Tenancy[]> {
    return ctx.services.tenancies.ofUser(user.row.id);
  }
}
