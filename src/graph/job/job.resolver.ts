import { Arg, Args, ArgsType, Authorized, Ctx, Field, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import { AuditedMutation } from '../audit/audit.middleware';
import type { Context } from '../context';
import { Datacenter } from '../datacenter/datacenter.type';
import { localId } from '../node/global-id';
import { Node } from '../node/node.interface';
import { nodeOrNull } from '../node/node.resolver';
import { User } from '../user/user.type';
import { Job, JobConnection, JobEvent, JobStatus } from './job.type';

@ArgsType()
class JobsArgs {
  @Field(() => JobStatus, { nullable: true }) status?: JobStatus | null;
  @Field(() => ID, { nullable: true, description: 'Admins: one user’s jobs. Users always see their own.' }) userId?: string | null;
  @Field(() => Int, { nullable: true, description: 'Page size, 1 to 100. Default 20.' }) first?: number | null;
  @Field(() => String, { nullable: true }) after?: string | null;
}

@Resolver(() => Job)
export class JobResolver {
  @Authorized()
  @Query(() => Job, { nullable: true, description: 'A job of the viewer (admins: anyone’s).' })
  async job(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<Job> {
    return Job.fromRow(await ctx.services.jobs.get(ctx.viewer!, id));
  }

  @Authorized()
  @Query(() => JobConnection, { description: 'Newest first.' })
  jobs(@Args() args: JobsArgs, @Ctx() ctx: Context) {
    return ctx.services.jobs.list(ctx.viewer!, { ...args, userId: args.userId ? localId(args.userId, 'User', 'User') : null });
  }

  @AuditedMutation(() => Job, {
    access: 'SIGNED_IN',
    description: 'Asks a running job to stop: it ends CANCELLED at its next step or poll. What the cloud already began is not undone.',
  })
  async cancelJob(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<Job> {
    return Job.fromRow(await ctx.services.jobs.cancel(ctx.viewer!, id));
  }

  @FieldResolver(() => Date, { nullable: true, description: 'When cancelJob asked the job to stop.' })
  cancelRequestedAt(@Root() job: Job): Date | null {
    return job.row.cancelRequestedAt;
  }

  @FieldResolver(() => [JobEvent], { description: 'Events after `afterSeq` (default: all), in order.' })
  async events(@Root() job: Job, @Ctx() ctx: Context, @Arg('afterSeq', () => Int, { nullable: true }) afterSeq?: number | null): Promise<JobEvent[]> {
    return (await ctx.services.jobs.events(job.row.id, afterSeq ?? 0)).map(JobEvent.fromRow);
  }

  @FieldResolver(() => User, { nullable: true })
  async user(@Root() job: Job, @Ctx() ctx: Context): Promise<User | null> {
    const row = job.row.userId ? await ctx.services.users.byId(job.row.userId) : null;
    return row ? User.fromRow(row) : null;
  }

  @FieldResolver(() => Datacenter, { nullable: true })
  async datacenter(@Root() job: Job, @Ctx() ctx: Context): Promise<Datacenter | null> {
    const row = job.row.datacenterId ? await ctx.services.datacenters.byId(job.row.datacenterId, true) : null;
    return row ? Datacenter.fromRow(row) : null;
  }

  @FieldResolver(() => ID, { nullable: true, description: 'Global id of the resource the job acts on, once known (`node(id)` resolves it).' })
  resourceId(@Root() job: Job): string | null {
    return job.row.resourceId;
  }

  @FieldResolver(() => Node, { nullable: true, description: 'The resource the job acts on, while it exists.' })
  resource(@Root() job: Job, @Ctx() ctx: Context): Promise<Node | null> | null {
    return job.row.resourceId ? nodeOrNull(ctx, job.row.resourceId) : null;
  }
}
