import { conflict, parseInput } from '../../errors';
import type { Context } from '../context';
import type { Job } from '../job/job.type';
import { findResource, runTenancyJob } from '../tenancy/resource-lookup';
import { checkVolumeQuota } from '../volume/volume.service';
import { Volume } from '../volume/volume.type';
import { createBackupRule, restoreNameRule, type CreateBackupInput } from './backup.input';
import { VolumeBackup } from './backup.type';

export class BackupService {
  constructor(private readonly ctx: Context) {}

  /** A data disk or a system disk, attached or not (OpenStack backs up volumes in use with `force`). */
  async create(input: CreateBackupInput): Promise<{ job: Job; backup: VolumeBackup | null }> {
    const v = parseInput(createBackupRule, input);
    const { ctx } = this;
    const { scope, model: volume } = await findResource(ctx, v.volumeId, 'Volume', 'input.volumeId');
    if (volume.status !== 'AVAILABLE' && volume.status !== 'IN_USE') {
      throw conflict(`Volume ${volume.name} is ${volume.status}: it can be backed up once AVAILABLE or IN_USE.`, 'input.volumeId');
    }
    const spec = { volumeId: volume.id, name: v.name, description: v.description || null };
    const { job, model } = await runTenancyJob(
      ctx,
      scope,
      { kind: 'createBackup', resource: 'VolumeBackup', payload: { volumeId: v.volumeId } },
      { method: 'createBackup', args: [spec], message: `backing up volume ${volume.name}` },
    );
    return { job, backup: model ? VolumeBackup.from(scope, model) : null };
  }

  /** Into a new volume of the backup's size, which the quota must hold. */
  async restore(id: string, name: string | null | undefined): Promise<{ job: Job; volume: Volume | null }> {
    const volumeName = parseInput(restoreNameRule, name, 'name');
    const { ctx } = this;
    const { scope, model: backup } = await findResource(ctx, id, 'VolumeBackup');
    if (backup.status !== 'AVAILABLE') throw conflict(`Backup ${backup.name} is ${backup.status}: it can be restored once AVAILABLE.`, 'id');
    await checkVolumeQuota(scope, backup.sizeGb ?? 0, 'id');
    const { job, model } = await runTenancyJob(
      ctx,
      scope,
      { kind: 'restoreBackup', resource: 'Volume', payload: { backupId: id } },
      { method: 'restoreBackup', args: [backup.id, { name: volumeName ?? null }], message: `restoring backup ${backup.name}` },
    );
    return { job, volume: model ? Volume.from(scope, model) : null };
  }

  async delete(id: string): Promise<{ job: Job; deletedId: string }> {
    const { ctx } = this;
    const { scope, model: backup } = await findResource(ctx, id, 'VolumeBackup');
    if (backup.status !== 'AVAILABLE' && backup.status !== 'ERROR') {
      throw conflict(`Backup ${backup.name} is ${backup.status}: try again once it is AVAILABLE.`, 'id');
    }
    const { job } = await runTenancyJob(ctx, scope, { kind: 'deleteBackup', resource: 'VolumeBackup', resourceId: id }, { method: 'deleteBackup', args: [backup.id], message: `deleting backup ${backup.name}` });
    return { job, deletedId: id };
  }
}
