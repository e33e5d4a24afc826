import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';
import type { AuditRow } from '../../store/schema';
import { Connection } from '../connection';
import { encodeId } from '../node/global-id';

export enum AuditOutcome {
  SUCCESS = 'SUCCESS',
  FAILURE = 'FAILURE',
}
registerEnumType(AuditOutcome, { name: 'AuditOutcome' });

@ObjectType({ description: 'One mutation: who, what, on which object, with what outcome.' })
export class AuditEntry {
  row!: AuditRow;

  @Field(() => ID) id!: string;
  @Field() at!: Date;
  @Field({ description: 'Matches the X-Request-Id header and the log records of the request.' }) requestId!: string;
  @Field({ description: 'The mutation.' }) action!: string;
  @Field(() => String, { nullable: true }) targetKind!: string | null;
  @Field(() => ID, { nullable: true }) targetId!: string | null;
  @Field(() => AuditOutcome) outcome!: AuditOutcome;
  @Field(() => String, { nullable: true }) errorCode!: string | null;
  @Field(() => String, { nullable: true }) ip!: string | null;
  @Field(() => GraphQLJSON, { nullable: true }) details!: unknown;

  static fromRow(row: AuditRow): AuditEntry {
    const e = new AuditEntry();
    e.row = row;
    e.id = encodeId('AuditEntry', String(row.id));
    e.at = row.at;
    e.requestId = row.requestId;
    e.action = row.action;
    e.targetKind = row.targetKind;
    e.targetId = row.targetId;
    e.outcome = row.outcome as AuditOutcome;
    e.errorCode = row.errorCode;
    e.ip = row.ip;
    e.details = row.details;
    return e;
  }
}

export const AuditEntryConnection = Connection('AuditEntry', AuditEntry);
export type AuditEntryConnection = InstanceType<typeof AuditEntryConnection>;
