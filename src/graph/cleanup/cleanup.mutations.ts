import { Arg, Ctx, Field, ID, ObjectType, Resolver } from 'type-graphql';
import { AuditedMutation } from '../audit/audit.middleware';
import type { Context } from '../context';
import { Job } from '../job/job.type';
import { CleanupService } from './cleanup.service';

@ObjectType()
export class CleanupPayload {
  @Field(() => Job, { description: 'The job of the whole cleanup; its events name each removal.' }) job!: Job;
  @Field(() => [ID], { description: 'Global ids of everything removed.' }) removed!: string[];
}

@Resolver()
export class CleanupMutations {
  @AuditedMutation(() => CleanupPayload, {
    access: 'ADMIN',
    description:
      'Deletes everything the user has in every datacenter, in dependency order: floating IPs, instances, volumes, backups, networks with their subnets, security groups (the default stays), key pairs. The first step that fails ends it with the cloud’s error.',
  })
  cleanupUserResources(@Arg('userId', () => ID) userId: string, @Ctx() ctx: Context): Promise<CleanupPayload> {
    return new CleanupService(ctx).cleanupUser(userId);
  }
}
