import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLSafeInt } from 'graphql-scalars';
import type { Network as NetworkModel } from '../../clouds/driver';
import { Connection } from '../connection';
import { Node } from '../node/node.interface';
import { placed, TenantResource } from '../tenancy/resource';
import type { TenantScope } from '../tenancy/tenancy.scope';

export enum NetworkStatus {
  ACTIVE = 'ACTIVE',
  BUILD = 'BUILD',
  DOWN = 'DOWN',
  ERROR = 'ERROR',
}
registerEnumType(NetworkStatus, { name: 'NetworkStatus' });

@ObjectType({ description: 'Addresses of a network or subnet: how many there are and how many are taken.' })
export class IpAvailability {
  @Field(() => GraphQLSafeInt) total!: number;
  @Field(() => GraphQLSafeInt) used!: number;
  @Field(() => GraphQLSafeInt, { description: 'total - used.' }) free!: number;

  static of(counts: { total: number; used: number }): IpAvailability {
    return Object.assign(new IpAvailability(), { total: counts.total, used: counts.used, free: Math.max(0, counts.total - counts.used) });
  }
}

@ObjectType({ implements: [Node, TenantResource], description: 'A private network (CloudStack: a VPC) with its router and subnets.' })
export class Network extends TenantResource {
  model!: NetworkModel;

  @Field() name!: string;
  @Field(() => String, { nullable: true }) description!: string | null;
  @Field(() => String, { nullable: true, description: 'The address range of the network.' }) cidr!: string | null;
  @Field(() => NetworkStatus) status!: NetworkStatus;
  @Field(() => String, { nullable: true }) zoneId!: string | null;
  @Field(() => Int) subnetCount!: number;

  static from(scope: TenantScope, model: NetworkModel): Network {
    const n = placed(new Network(), scope, 'Network', model.id, model);
    n.name = model.name;
    n.description = model.description;
    n.cidr = model.cidr;
    n.status = model.status as NetworkStatus;
    n.zoneId = model.zoneId;
    n.subnetCount = model.subnetIds.length;
    return n;
  }
}

export const NetworkConnection = Connection('Network', Network);
export type NetworkConnection = InstanceType<typeof NetworkConnection>;
