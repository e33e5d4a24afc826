import { Arg, Ctx, Field, ID, ObjectType, Resolver } from 'type-graphql';
import { AuditedMutation } from '../audit/audit.middleware';
import type { Context } from '../context';
import { Job } from '../job/job.type';
import { Tenancy } from './tenancy.type';

@ObjectType()
export class TenancyPayload {
  @Field(() => Job) job!: Job;
  @Field(() => Tenancy, { description: 'FAILED with the cloud’s words when the cloud refused.' }) tenancy!: Tenancy;
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
    return ctx.services.tenancies.register(ctx.viewer!, userId, datacenterId);
  }

  @AuditedMutation(() => TenancyPayload, {
    access: 'ADMIN',
    description: 'Removes the tenant from its cloud and marks the tenancy removed. Refused while the tenant holds resources.',
  })
  unregisterTenancy(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<TenancyPayload> {
    return ctx.services.tenancies.unregister(ctx.viewer!, id);
  }
}
