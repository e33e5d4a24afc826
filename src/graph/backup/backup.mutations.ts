import { Arg, Ctx, ID, Resolver } from 'type-graphql';
import { AuditedMutation } from '../audit/audit.middleware';
import type { Context } from '../context';
import { DeletePayload, JobPayload } from '../job/payload';
import { Volume } from '../volume/volume.type';
import { CreateBackupInput } from './backup.input';
import { BackupService } from './backup.service';
import { VolumeBackup } from './backup.type';

export const CreateBackupPayload = JobPayload('CreateBackup', 'backup', VolumeBackup);
export const RestoreBackupPayload = JobPayload('RestoreBackup', 'volume', Volume, 'The new volume made from the backup.');

@Resolver()
export class BackupMutations {
  @AuditedMutation(() => CreateBackupPayload, { access: 'SIGNED_IN', description: 'Backs up a volume: a data disk or an instance’s system disk.' })
  createBackup(@Arg('input', () => CreateBackupInput) input: CreateBackupInput, @Ctx() ctx: Context) {
    return new BackupService(ctx).create(input);
  }

  @AuditedMutation(() => RestoreBackupPayload, { access: 'SIGNED_IN', description: 'Restores a backup into a new volume of its size.' })
  restoreBackup(
    @Arg('id', () => ID) id: string,
    @Arg('name', () => String, { nullable: true, description: 'The new volume’s name; default: named after the backup.' }) name: string | null | undefined,
    @Ctx() ctx: Context,
  ) {
    return new BackupService(ctx).restore(id, name);
  }

  @AuditedMutation(() => DeletePayload, { access: 'SIGNED_IN', description: 'Deletes a backup.' })
  deleteBackup(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return new BackupService(ctx).delete(id);
  }
}
