import { Field, ID, ObjectType, type ClassType } from 'type-graphql';
import { Job } from './job.type';

/**
 * The payload of a mutation that takes time: `{ job, <field> }`. The resource is there once
 * the job has made it (null while it runs, or when it failed).
 */
export function JobPayload<T extends object>(name: string, field: string, type: ClassType<T>, description?: string) {
  @ObjectType(`${name}Payload`)
  class Payload {
    @Field(() => Job, { description: 'The job doing the work: its status, progress and events.' })
    job!: Job;
  }
  Field(() => type, { nullable: true, description })(Payload.prototype, field);
  return Payload as ClassType<{ job: Job } & Record<string, unknown>>;
}

@ObjectType({ description: 'The payload of a delete: the job, and the global id of what it removed.' })
export class DeletePayload {
  @Field(() => Job) job!: Job;
  @Field(() => ID, { description: 'The global id of the removed resource.' }) deletedId!: string;
}
