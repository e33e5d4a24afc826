import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { FloatingIp as FloatingIpModel } from '../../clouds/driver';
import { Connection } from '../connection';
import { Node } from '../node/node.interface';
import { placed, TenantResource } from '../tenancy/resource';
import type { TenantScope } from '../tenancy/tenancy.scope';

export enum FloatingIpStatus {
  ACTIVE = 'ACTIVE',
  DOWN = 'DOWN',
  PENDING = 'PENDING',
  ERROR = 'ERROR',
}
registerEnumType(FloatingIpStatus, { name: 'FloatingIpStatus' });

@ObjectType({ implements: [Node, TenantResource], description: 'A public address, sold with a bandwidth.' })
export class FloatingIp extends TenantResource {
  model!: FloatingIpModel;

  @Field() address!: string;
  @Field(() => FloatingIpStatus) status!: FloatingIpStatus;
  @Field(() => Int, { nullable: true, description: 'Mbit/s.' }) bandwidthMbps!: number | null;

  static from(scope: TenantScope, model: FloatingIpModel): FloatingIp {
    const f = placed(new FloatingIp(), scope, 'FloatingIp', model.id, model);
    f.address = model.address;
    f.status = model.status as FloatingIpStatus;
    f.bandwidthMbps = model.bandwidthMbps;
    return f;
  }
}

export const FloatingIpConnection = Connection('FloatingIp', FloatingIp);
export type FloatingIpConnection = InstanceType<typeof FloatingIpConnection>;
