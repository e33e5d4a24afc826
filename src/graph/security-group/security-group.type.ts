import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { SecurityGroup as GroupModel, SecurityGroupRule as RuleModel } from '../../clouds/driver';
import { Connection } from '../connection';
import { Node } from '../node/node.interface';
import { placed, TenantResource } from '../tenancy/resource';
import type { TenantScope } from '../tenancy/tenancy.scope';

export enum RuleDirection {
  INGRESS = 'INGRESS',
  EGRESS = 'EGRESS',
}
registerEnumType(RuleDirection, { name: 'RuleDirection' });

export enum RuleProtocol {
  TCP = 'TCP',
  UDP = 'UDP',
  ICMP = 'ICMP',
  ANY = 'ANY',
}
registerEnumType(RuleProtocol, { name: 'RuleProtocol' });

export enum Ethertype {
  IPv4 = 'IPv4',
  IPv6 = 'IPv6',
}
registerEnumType(Ethertype, { name: 'Ethertype' });

@ObjectType({ description: 'One rule of a security group, the same on both clouds.' })
export class SecurityGroupRule {
  model!: RuleModel;
  scope!: TenantScope;

  @Field(() => ID, { description: "The cloud's rule id (removeSecurityGroupRule takes it)." }) id!: string;
  @Field(() => RuleDirection) direction!: RuleDirection;
  @Field(() => RuleProtocol) protocol!: RuleProtocol;
  @Field(() => Int, { nullable: true, description: 'TCP/UDP: first port; ICMP: type; null = any.' }) portMin!: number | null;
  @Field(() => Int, { nullable: true, description: 'TCP/UDP: last port; ICMP: code; null = any.' }) portMax!: number | null;
  @Field(() => String, { nullable: true, description: 'Remote range; null with a remote group.' }) cidr!: string | null;
  @Field(() => Ethertype) ethertype!: Ethertype;

  static from(scope: TenantScope, model: RuleModel): SecurityGroupRule {
    return Object.assign(new SecurityGroupRule(), {
      scope,
      model,
      id: model.id,
      direction: model.direction as RuleDirection,
      protocol: model.protocol as RuleProtocol,
      portMin: model.portMin,
      portMax: model.portMax,
      cidr: model.cidr,
      ethertype: model.ethertype as Ethertype,
    });
  }
}

@ObjectType({ implements: [Node, TenantResource], description: 'A firewall: OpenStack security group; CloudStack security group or VPC network ACL list.' })
export class SecurityGroup extends TenantResource {
  model!: GroupModel;

  @Field() name!: string;
  @Field(() => String, { nullable: true }) description!: string | null;
  @Field({ description: 'The default group cannot be deleted.' }) isDefault!: boolean;
  @Field(() => [SecurityGroupRule]) rules!: SecurityGroupRule[];

  static from(scope: TenantScope, model: GroupModel): SecurityGroup {
    const g = placed(new SecurityGroup(), scope, 'SecurityGroup', model.id, model);
    g.name = model.name;
    g.description = model.description;
    g.isDefault = model.isDefault;
    g.rules = model.rules.map((r) => SecurityGroupRule.from(scope, r));
    return g;
  }
}

export const SecurityGroupConnection = Connection('SecurityGroup', SecurityGroup);
export type SecurityGroupConnection = InstanceType<typeof SecurityGroupConnection>;
