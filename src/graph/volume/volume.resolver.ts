import { Args, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { VolumeBackup, VolumeBackupConnection } from '../backup/backup.type';
import { Zone } from '../catalog/catalog.type';
import { zoneOf } from '../catalog/zone';
import type { Context } from '../context';
import { Instance } from '../instance/instance.type';
import { resourceFields } from '../tenancy/resource.resolver';
import { listPage } from '../tenancy/resource-list';
import { BackupListArgs } from '../tenancy/tenancy.resolver';
import { Volume } from './volume.type';

export const VolumeFields = resourceFields(Volume);

@Resolver(() => Volume)
export class VolumeResolver {
  @FieldResolver(() => Instance, { nullable: true, description: 'The instance it is attached to.' })
  async instance(@Root() volume: Volume): Promise<Instance | null> {
    if (!volume.model.instanceId) return null;
    const model = await volume.scope.loaders.instances.load(volume.model.instanceId);
    return model ? Instance.from(volume.scope, model) : null;
  }

  @FieldResolver(() => VolumeBackupConnection)
  async backups(@Root() volume: Volume, @Args() args: BackupListArgs) {
    const { scope } = volume;
    return listPage((await scope.loaders.backupsOfVolume.load(volume.cloudId)).map((m) => VolumeBackup.from(scope, m)), args);
  }

  @FieldResolver(() => Zone, { nullable: true })
  zone(@Root() volume: Volume, @Ctx() ctx: Context): Promise<Zone | null> {
    return zoneOf(volume.scope, volume.zoneId, ctx);
  }
}
