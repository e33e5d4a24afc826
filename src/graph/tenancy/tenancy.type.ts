import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';
import type { TenancyRow } from '../../store/schema';
import { encodeId } from '../node/global-id';
import { Node } from '../node/node.interface';

export enum TenancyStatus {
  PENDING = 'PENDING',
  ACTIVE = 'ACTIVE',
  FAILED = 'FAILED',
  REMOVING = 'REMOVING',
}
registerEnumType(TenancyStatus, { name: 'TenancyStatus' });

@ObjectType({ implements: Node, description: 'A user inside one datacenter: its project or account there.' })
export class Tenancy extends Node {
  row!: TenancyRow;

  @Field(() => TenancyStatus)
  status!: TenancyStatus;

  @Field(() => GraphQLJSON, { nullable: true, description: 'Why the last registration or removal failed, with the cloud’s own code.' })
  error!: unknown;

  @Field()
  createdAt!: Date;

  @Field()
  updatedAt!: Date;

  static globalId(id: string): string {
    return encodeId('Tenancy', id);
  }

  static fromRow(row: TenancyRow): Tenancy {
    const t = new Tenancy();
    t.row = row;
    t.id = encodeId('Tenancy', row.id);
    t.status = row.status as TenancyStatus;
    t.error = row.error;
    t.createdAt = row.createdAt;
    t.updatedAt = row.updatedAt;
    return t;
  }
}
