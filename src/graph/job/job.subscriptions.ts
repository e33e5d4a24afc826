import { Args, ArgsType, Authorized, Extensions, Field, ID, Int, Resolver, Root, Subscription, type PubSub as SchemaPubSub, type SubscribeResolverData } from 'type-graphql';
import { notFound } from '../../errors';
import type { JobEventRow } from '../../store/schema';
import type { Context } from '../context';
import { localId } from '../node/global-id';
import type { LiveJobEvent } from './job.service';
import { JobEvent, JobStatus } from './job.type';

@ArgsType()
class JobProgressArgs {
  @Field(() => ID) id!: string;
  @Field(() => Int, { nullable: true, description: 'The last seq already seen: only later events are sent. Default 0 (all).' })
  afterSeq?: number | null;
}

@ArgsType()
class JobEventsArgs {
  @Field(() => JobStatus, { nullable: true }) status?: JobStatus | null;
  @Field(() => ID, { nullable: true }) datacenterId?: string | null;
  @Field(() => ID, { nullable: true, description: 'Admins: one user’s jobs. A user may name only itself; another user is NOT_FOUND.' })
  userId?: string | null;
}

type Data<A> = SubscribeResolverData<unknown, A, Context>;

/**
 * type-graphql asks for a pubsub when a schema has subscriptions, even though each of ours
 * brings its own `subscribe` over the application's PubSub; this one is never reached.
 */
export const schemaPubSub: SchemaPubSub = {
  publish() {
    throw new Error('publish through AppDeps.pubsub');
  },
  subscribe() {
    throw new Error('every subscription defines its own subscribe');
  },
};

/**
 * `sharedResult` (src/server/ws.ts): a subscriber's result for an event depends on the event and
 * the selection only, so one execution serves every subscriber that receives the event. Holds
 * while JobEvent's fields read nothing but the event; a field that reads the viewer must drop it.
 */
const SHARED_RESULT = { sharedResult: true };

@Resolver()
export class JobSubscriptions {
  @Authorized()
  @Extensions(SHARED_RESULT)
  @Subscription(() => JobEvent, {
    description:
      'The events of a job (the viewer’s; admins: anyone’s) after `afterSeq`: the stored ones, then live ones, each once and in order. Completes after the final event, at once when the job had already ended.',
    subscribe: async ({ args, context }: Data<JobProgressArgs>) => {
      const job = await context.services.jobs.get(context.viewer!, args.id);
      return context.services.jobs.watch(job.id, Math.max(0, args.afterSeq ?? 0));
    },
  })
  jobProgress(@Root() event: JobEventRow, @Args() _args: JobProgressArgs): JobEvent {
    return JobEvent.fromRow(event);
  }

  @Authorized()
  @Extensions(SHARED_RESULT)
  @Subscription(() => JobEvent, {
    description: 'Every job event from now on that matches the filters, for dashboards. Users see their own jobs only; admins everyone’s.',
    subscribe: ({ args, context }: Data<JobEventsArgs>) => {
      const viewer = context.viewer!;
      const userId = args.userId ? localId(args.userId, 'User', 'User') : null;
      if (viewer.role !== 'ADMIN' && userId && userId !== viewer.userId) throw notFound('User');
      const owner = viewer.role === 'ADMIN' ? userId : viewer.userId;
      const datacenterId = args.datacenterId ? localId(args.datacenterId, 'Datacenter') : null;
      const status = args.status ?? null;
      return context.services.jobs.live(
        (event: LiveJobEvent) =>
          (!owner || event.userId === owner) && (!datacenterId || event.datacenterId === datacenterId) && (!status || event.status === status),
      );
    },
  })
  jobEvents(@Root() event: JobEventRow, @Args() _args: JobEventsArgs): JobEvent {
    return JobEvent.fromRow(event);
  }
}
