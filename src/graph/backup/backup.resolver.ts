import { FieldResolver, Resolver, Root } from 'type-graphql';
import { resourceFields } from '../tenancy/resource.resolver';
import { Volume } from '../volume/volume.type';
import { VolumeBackup } from './backup.type';

export const VolumeBackupFields = resourceFields(VolumeBackup);

@Resolver(() => VolumeBackup)
export class VolumeBackupResolver {
  @FieldResolver(() => Volume, { nullable: true, description: 'The volume backed up; null once it is deleted.' })
  async volume(@Root() backup: VolumeBackup): Promise<Volume | null> {
    const model = await backup.scope.loaders.volumes.load(backup.model.volumeId);
    return model ? Volume.from(backup.scope, model) : null;
  }
}
