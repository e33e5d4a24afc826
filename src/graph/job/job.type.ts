import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';
import type { JobEventRow, JobRow } from '../../store/schema';
import { Connection } from '../connection';
import { encodeId } from '../node/global-id';
import { Node } from '../node/node.interface';

export enum JobStatus {
  QUEUED = 'QUEUED',
  RUNNING = 'RUNNING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
}
registerEnumType(JobStatus, { name: 'JobStatus' });

@ObjectType({ description: 'Why a job failed: ecsgraph’s code, and the cloud’s own words when a cloud refused.' })
export class JobError {
  @Field() code!: string;
  @Field() message!: string;
  @Field(() => GraphQLJSON, { nullable: true, description: 'The cloud’s HTTP status, error code and message.' })
  upstream!: unknown;
}

@ObjectType()
export class JobEvent {
  @Field(() => String) jobId!: string;
  @Field(() => Int, { description: 'Increases by one per event of the job.' }) seq!: number;
  @Field(() => JobStatus) status!: JobStatus;
  @Field(() => Int, { description: '0 to 100.' }) progress!: number;
  @Field(() => String, { nullable: true }) message!: string | null;
  @Field() at!: Date;

  static fromRow(row: JobEventRow): JobEvent {
    const e = new JobEvent();
    e.jobId = encodeId('Job', row.jobId);
    e.seq = row.seq;
    e.status = row.status as JobStatus;
    e.progress = row.progress;
    e.message = row.message;
    e.at = row.at;
    return e;
  }
}

@ObjectType({ implements: Node, description: 'A long operation: what it does, how far it is, and how it ended.' })
export class Job extends Node {
  row!: JobRow;

  @Field({ description: 'The operation, e.g. `createInstance`.' }) kind!: string;
  @Field(() => JobStatus) status!: JobStatus;
  @Field(() => Int, { description: '0 to 100.' }) progress!: number;
  @Field(() => String, { nullable: true }) message!: string | null;
  @Field(() => JobError, { nullable: true }) error!: JobError | null;
  @Field(() => Int, { description: 'Times a worker has taken the job: more than 1 after a retry or a worker that died.' }) attempts!: number;
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
  @Field(() => Date, { nullable: true }) startedAt!: Date | null;
  @Field(() => Date, { nullable: true }) finishedAt!: Date | null;

  static fromRow(row: JobRow): Job {
    const job = new Job();
    job.row = row;
    job.id = encodeId('Job', row.id);
    job.kind = row.kind;
    job.status = row.status as JobStatus;
    job.progress = row.progress;
    job.message = row.message;
    job.error = (row.error as JobError | null) ?? null;
    job.attempts = row.attempts;
    job.createdAt = row.createdAt;
    job.updatedAt = row.updatedAt;
    job.startedAt = row.startedAt;
    job.finishedAt = row.finishedAt;
    return job;
  }
}

export const JobConnection = Connection('Job', Job);
export type JobConnection = InstanceType<typeof JobConnection>;
