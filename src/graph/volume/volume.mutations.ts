import { Arg, Ctx, ID, Resolver } from 'type-graphql';
import { AuditedMutation } from '../audit/audit.middleware';
import type { Context } from '../context';
import { DeletePayload, JobPayload } from '../job/payload';
import { CreateVolumeInput } from './volume.input';
import { VolumeService } from './volume.service';
import { Volume } from './volume.type';

export const CreateVolumePayload = JobPayload('CreateVolume', 'volume', Volume);
export const AttachVolumePayload = JobPayload('AttachVolume', 'volume', Volume);
export const DetachVolumePayload = JobPayload('DetachVolume', 'volume', Volume);

@Resolver()
export class VolumeMutations {
  @AuditedMutation(() => CreateVolumePayload, { access: 'SIGNED_IN', description: 'A data volume (EBS) of the given size and disk type.' })
  createVolume(@Arg('input', () => CreateVolumeInput) input: CreateVolumeInput, @Ctx() ctx: Context) {
    return new VolumeService(ctx).create(input);
  }

  @AuditedMutation(() => AttachVolumePayload, { access: 'SIGNED_IN', description: 'Attaches an AVAILABLE volume to an instance of the same tenancy.' })
  attachVolume(@Arg('id', () => ID) id: string, @Arg('instanceId', () => ID) instanceId: string, @Ctx() ctx: Context) {
    return new VolumeService(ctx).attach(id, instanceId);
  }

  @AuditedMutation(() => DetachVolumePayload, { access: 'SIGNED_IN', description: 'Detaches a data volume from its instance (a system disk stays).' })
  detachVolume(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return new VolumeService(ctx).detach(id);
  }

  @AuditedMutation(() => DeletePayload, { access: 'SIGNED_IN', description: 'Deletes a detached volume; its backups are kept.' })
  deleteVolume(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return new VolumeService(ctx).delete(id);
  }
}
