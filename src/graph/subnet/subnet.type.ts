import { Field, ObjectType } from 'type-graphql';
import type { Subnet as SubnetModel } from '../../clouds/driver';
import { Connection } from '../connection';
import { Node } from '../node/node.interface';
import { placed, TenantResource } from '../tenancy/resource';
import type { TenantScope } from '../tenancy/tenancy.scope';

@ObjectType({ implements: [Node, TenantResource], description: 'An address range of a network (CloudStack: a VPC tier).' })
export class Subnet extends TenantResource {
  model!: SubnetModel;

  @Field() name!: string;
  @Field() cidr!: string;
  @Field(() => String, { nullable: true }) gatewayIp!: string | null;
  @Field() enableDhcp!: boolean;
  @Field(() => [String]) dnsNameservers!: string[];

  static from(scope: TenantScope, model: SubnetModel): Subnet {
    const s = placed(new Subnet(), scope, 'Subnet', model.id, model);
    s.name = model.name;
    s.cidr = model.cidr;
    s.gatewayIp = model.gatewayIp;
    s.enableDhcp = model.enableDhcp;
    s.dnsNameservers = model.dnsNameservers;
    return s;
  }
}

export const SubnetConnection = Connection('Subnet', Subnet);
export type SubnetConnection = InstanceType<typeof SubnetConnection>;
