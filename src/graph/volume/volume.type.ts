import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { Volume as VolumeModel } from '../../clouds/driver';
import { Connection } from '../connection';
import { Node } from '../node/node.interface';
import { placed, TenantResource } from '../tenancy/resource';
import type { TenantScope } from '../tenancy/tenancy.scope';

export enum VolumeStatus {
  CREATING = 'CREATING',
  AVAILABLE = 'AVAILABLE',
  ATTACHING = 'ATTACHING',
  IN_USE = 'IN_USE',
  DETACHING = 'DETACHING',
  DELETING = 'DELETING',
  ERROR = 'ERROR',
  BACKING_UP = 'BACKING_UP',
  RESTORING = 'RESTORING',
}
registerEnumType(VolumeStatus, { name: 'VolumeStatus' });

@ObjectType({ implements: [Node, TenantResource], description: 'A block storage volume (EBS).' })
export class Volume extends TenantResource {
  model!: VolumeModel;

  @Field() name!: string;
  @Field(() => Int) sizeGb!: number;
  @Field(() => String, { nullable: true, description: 'SSD, SATA, …' }) type!: string | null;
  @Field(() => VolumeStatus) status!: VolumeStatus;
  @Field(() => String, { nullable: true }) zoneId!: string | null;
  @Field({ description: 'A system (root) disk rather than a data disk.' }) bootable!: boolean;

  static from(scope: TenantScope, model: VolumeModel): Volume {
    const v = placed(new Volume(), scope, 'Volume', model.id, model);
    v.name = model.name;
    v.sizeGb = model.sizeGb;
    v.type = model.type;
    v.status = model.status as VolumeStatus;
    v.zoneId = model.zoneId;
    v.bootable = model.bootable;
    return v;
  }
}

export const VolumeConnection = Connection('Volume', Volume);
export type VolumeConnection = InstanceType<typeof VolumeConnection>;
