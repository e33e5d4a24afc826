import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { VolumeBackup as BackupModel } from '../../clouds/driver';
import { Connection } from '../connection';
import { Node } from '../node/node.interface';
import { placed, TenantResource } from '../tenancy/resource';
import type { TenantScope } from '../tenancy/tenancy.scope';

export enum BackupStatus {
  CREATING = 'CREATING',
  AVAILABLE = 'AVAILABLE',
  RESTORING = 'RESTORING',
  DELETING = 'DELETING',
  ERROR = 'ERROR',
}
registerEnumType(BackupStatus, { name: 'BackupStatus' });

@ObjectType({ implements: [Node, TenantResource], description: 'A backup of a volume (OpenStack: Cinder backup; CloudStack: snapshot).' })
export class VolumeBackup extends TenantResource {
  model!: BackupModel;

  @Field() name!: string;
  @Field(() => String, { nullable: true }) description!: string | null;
  @Field(() => BackupStatus) status!: BackupStatus;
  @Field(() => Int, { nullable: true }) sizeGb!: number | null;
  @Field(() => Date, { nullable: true }) createdAt!: Date | null;

  static from(scope: TenantScope, model: BackupModel): VolumeBackup {
    const b = placed(new VolumeBackup(), scope, 'VolumeBackup', model.id, model);
    b.name = model.name;
    b.description = model.description;
    b.status = model.status as BackupStatus;
    b.sizeGb = model.sizeGb;
    b.createdAt = model.createdAt ? new Date(model.createdAt) : null;
    return b;
  }
}

export const VolumeBackupConnection = Connection('VolumeBackup', VolumeBackup);
export type VolumeBackupConnection = InstanceType<typeof VolumeBackupConnection>;
