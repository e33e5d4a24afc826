import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { Instance as InstanceModel, InstanceAddress as AddressModel } from '../../clouds/driver';
import { Connection } from '../connection';
import { Node } from '../node/node.interface';
import { placed, TenantResource } from '../tenancy/resource';
import type { TenantScope } from '../tenancy/tenancy.scope';

export enum InstanceStatus {
  BUILDING = 'BUILDING',
  RUNNING = 'RUNNING',
  STOPPED = 'STOPPED',
  REBOOTING = 'REBOOTING',
  REBUILDING = 'REBUILDING',
  RESIZING = 'RESIZING',
  ERROR = 'ERROR',
  DELETED = 'DELETED',
  UNKNOWN = 'UNKNOWN',
}
registerEnumType(InstanceStatus, { name: 'InstanceStatus' });

@ObjectType({ description: 'An address of an instance on one of its networks.' })
export class InstanceAddress {
  model!: AddressModel;
  scope!: TenantScope;

  @Field() ip!: string;
  @Field(() => String, { nullable: true }) mac!: string | null;
  @Field({ description: 'A floating (public) address rather than a fixed one.' }) floating!: boolean;

  static from(scope: TenantScope, model: AddressModel): InstanceAddress {
    return Object.assign(new InstanceAddress(), { scope, model, ip: model.ip, mac: model.mac, floating: model.floating });
  }
}

@ObjectType({ implements: [Node, TenantResource], description: 'A virtual machine.' })
export class Instance extends TenantResource {
  model!: InstanceModel;

  @Field() name!: string;
  @Field(() => InstanceStatus) status!: InstanceStatus;
  @Field({ description: "The cloud's own status word (ACTIVE, Running, …)." }) cloudStatus!: string;
  @Field(() => Int) cpu!: number;
  @Field(() => Int) memoryMb!: number;
  @Field(() => String, { nullable: true }) zoneId!: string | null;
  @Field(() => [InstanceAddress]) addresses!: InstanceAddress[];
  @Field(() => Date, { nullable: true }) createdAt!: Date | null;

  static from(scope: TenantScope, model: InstanceModel): Instance {
    const i = placed(new Instance(), scope, 'Instance', model.id, model);
    i.name = model.name;
    i.status = model.status as InstanceStatus;
    i.cloudStatus = model.cloudStatus;
    i.cpu = model.cpu;
    i.memoryMb = model.memoryMb;
    i.zoneId = model.zoneId;
    i.addresses = model.addresses.map((a) => InstanceAddress.from(scope, a));
    i.createdAt = model.createdAt ? new Date(model.createdAt) : null;
    return i;
  }
}

export const InstanceConnection = Connection('Instance', Instance);
export type InstanceConnection = InstanceType<typeof InstanceConnection>;
