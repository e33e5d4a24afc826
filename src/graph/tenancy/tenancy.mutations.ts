import { Arg, Ctx, Field, ID, ObjectType, Resolver } from 'type-graphql';
import { AuditedMutation } from '../audit/audit.middleware';
import type { Context } from '../context';
import { Job } from '../job/job.type';
import { Network } from '../network/network.type';
import { initializeAllUsers, initializeUser } from './initialize';
import { Tenancy } from './tenancy.type';

@ObjectType()
export class TenancyPayload {
  @Field(() => Job) job!: Job;
  @Field(() => Tenancy, { description: 'FAILED with the cloud’s words when the cloud refused.' }) tenancy!: Tenancy;
}

@ObjectType({ description: 'Per user, where the work succeeded and where it failed (each tenancy keeps its own outcome).' })
export class BulkTenancyPayload {
  @Field(() => Job, { description: 'The job of the whole batch; each user has its own job too.' }) job!: Job;
  @Field(() => [Tenancy]) succeeded!: Tenancy[];
  @Field(() => [Tenancy], { description: 'With `error`: the cloud’s words, or why it was refused.' }) failed!: Tenancy[];
}

@ObjectType()
export class InitializePayload {
  @Field(() => Job) job!: Job;
  @Field(() => [Network], { description: 'The default network of each tenancy, made now or found.' }) networks!: Network[];
}

@Resolver()
export class TenancyMutations {
  @AuditedMutation(() => TenancyPayload, {
    access: 'ADMIN',
    description: 'Binds a user to a datacenter: creates its project/account, cloud user and keys there. Idempotent: a FAILED tenancy is tried again.',
  })
  registerTenancy(
    @Arg('userId', () => ID) userId: string,
    @Arg('datacenterId', () => ID) datacenterId: string,
    @Ctx() ctx: Context,
  ): Promise<TenancyPayload> {
    return ctx.services.tenancies.register(ctx.viewer!, userId, datacenterId, ctx.waitMs ?? 0);
  }

  @AuditedMutation(() => TenancyPayload, {
    access: 'ADMIN',
    description: 'Removes the tenant from its cloud and marks the tenancy removed. Refused while the tenant holds resources.',
  })
  unregisterTenancy(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<TenancyPayload> {
    return ctx.services.tenancies.unregister(ctx.viewer!, id, ctx.waitMs ?? 0);
  }

  @AuditedMutation(() => BulkTenancyPayload, {
    access: 'ADMIN',
    description: 'Binds every user (administrators aside) to the datacenter. Users bound already are left as they are; one failing does not stop the others.',
  })
  registerAllUsers(@Arg('datacenterId', () => ID) datacenterId: string, @Ctx() ctx: Context): Promise<BulkTenancyPayload> {
    return ctx.services.tenancies.registerAll(ctx.viewer!, datacenterId, ctx.waitMs ?? 0);
  }

  @AuditedMutation(() => BulkTenancyPayload, {
    access: 'ADMIN',
    description: 'Unbinds every user from the datacenter. A tenant that still holds resources is refused (see `failed`); the others go on.',
  })
  unregisterAllUsers(@Arg('datacenterId', () => ID) datacenterId: string, @Ctx() ctx: Context): Promise<BulkTenancyPayload> {
    return ctx.services.tenancies.unregisterAll(ctx.viewer!, datacenterId, ctx.waitMs ?? 0);
  }

  @AuditedMutation(() => InitializePayload, {
    access: 'ADMIN',
    description:
      'Makes the default environment in each ACTIVE tenancy of the user (or only in the datacenter): network `<username>-vpc` 10.0.1.0/24 and default security group rules for SSH, RDP, ping in and anything out. Makes only what is missing.',
  })
  initializeUser(
    @Arg('userId', () => ID) userId: string,
    @Arg('datacenterId', () => ID, { nullable: true }) datacenterId: string | null,
    @Ctx() ctx: Context,
  ): Promise<InitializePayload> {
    return initializeUser(ctx, userId, datacenterId);
  }

  @AuditedMutation(() => InitializePayload, {
    access: 'ADMIN',
    description: 'initializeUser for every user with an ACTIVE tenancy (in the datacenter when given).',
  })
  initializeAllUsers(@Arg('datacenterId', () => ID, { nullable: true }) datacenterId: string | null, @Ctx() ctx: Context): Promise<InitializePayload> {
    return initializeAllUsers(ctx, datacenterId);
  }
}
