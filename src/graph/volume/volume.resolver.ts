import { Args, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { VolumeBackup, VolumeBackupConnection } from '../backup/backup.type';
import { Zone } from '../catalog/catalog.type';
import { zoneOf } from '../catalog/zone';
import type { Context } from '../context';
import { Instance } from '../instance/instance.type';
import { resourceFields } from '../tenancy/resource.resolver';
import { listPage } from '../tenancy/resource-list';
import { mapMaybe } from '../tenancy/tenancy.loaders';
import { BackupListArgs } from '../tenancy/tenancy.resolver';
import { Volume } from './volume.type';

export const VolumeFields = resourceFields(Volume);

@Resolver(() => Volume)
export class VolumeResolver {
  @FieldResolver(() => Instance, { nullable: true, description: 'The instance it is attached to.' })
  instance(@Root() volume: Volume): Instance | null | Promise<Instance | null> {
    if (!volume.model.instanceId) return null;
    return mapMaybe(volume.scope.loaders.instances.get(volume.model.instanceId), (model) => (model ? Instance.from(volume.scope, model) : null));
  }

  @FieldResolver(() => VolumeBackupConnection)
  backups(@Root() volume: Volume, @Args() args: BackupListArgs) {
    const { scope } = volume;
    return mapMaybe(scope.loaders.backupsOfVolume.get(volume.cloudId), (list) => listPage(list.map((m) => VolumeBackup.from(scope, m)), args));
  }

  @FieldResolver(() => Zone, { nullable: true })
  zone(@Root() volume: Volume, @Ctx() ctx: Context): Zone | null | Promise<Zone | null> {
    return zoneOf(volume.scope, volume.zoneId, ctx);
  }
}
