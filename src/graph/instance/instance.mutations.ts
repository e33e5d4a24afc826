import { Arg, Ctx, ID, Resolver } from 'type-graphql';
import { AuditedMutation } from '../audit/audit.middleware';
import type { Context } from '../context';
import { DeletePayload, JobPayload } from '../job/payload';
import { CreateInstanceInput, RebuildInstanceInput, ResizeInstanceInput } from './instance.input';
import { InstanceService } from './instance.service';
import { Instance } from './instance.type';

export const CreateInstancePayload = JobPayload('CreateInstance', 'instance', Instance);
export const StartInstancePayload = JobPayload('StartInstance', 'instance', Instance);
export const StopInstancePayload = JobPayload('StopInstance', 'instance', Instance);
export const RebootInstancePayload = JobPayload('RebootInstance', 'instance', Instance);
export const RebuildInstancePayload = JobPayload('RebuildInstance', 'instance', Instance);
export const ResizeInstancePayload = JobPayload('ResizeInstance', 'instance', Instance);

@Resolver()
export class InstanceMutations {
  @AuditedMutation(() => CreateInstancePayload, {
    access: 'SIGNED_IN',
    description: 'An instance from an image, of a flavor (by id, or exactly cpu + memoryMb), on a network of the tenancy.',
  })
  createInstance(@Arg('input', () => CreateInstanceInput) input: CreateInstanceInput, @Ctx() ctx: Context) {
    return new InstanceService(ctx).create(input);
  }

  @AuditedMutation(() => StartInstancePayload, { access: 'SIGNED_IN', description: 'Powers on a STOPPED instance.' })
  startInstance(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return new InstanceService(ctx).start(id);
  }

  @AuditedMutation(() => StopInstancePayload, { access: 'SIGNED_IN', description: 'Powers off a RUNNING instance.' })
  stopInstance(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return new InstanceService(ctx).stop(id);
  }

  @AuditedMutation(() => RebootInstancePayload, { access: 'SIGNED_IN', description: 'Restarts a RUNNING instance; hard = power cycle.' })
  rebootInstance(
    @Arg('id', () => ID) id: string,
    @Arg('hard', () => Boolean, { defaultValue: false }) hard: boolean,
    @Ctx() ctx: Context,
  ) {
    return new InstanceService(ctx).reboot(id, hard);
  }

  @AuditedMutation(() => RebuildInstancePayload, { access: 'SIGNED_IN', description: 'Reinstalls the root disk from an image.' })
  rebuildInstance(@Arg('id', () => ID) id: string, @Arg('input', () => RebuildInstanceInput) input: RebuildInstanceInput, @Ctx() ctx: Context) {
    return new InstanceService(ctx).rebuild(id, input);
  }

  @AuditedMutation(() => ResizeInstancePayload, {
    access: 'SIGNED_IN',
    description: 'Changes the flavor (by id, or exactly cpu + memoryMb). CloudStack resizes stopped instances only.',
  })
  resizeInstance(@Arg('id', () => ID) id: string, @Arg('input', () => ResizeInstanceInput) input: ResizeInstanceInput, @Ctx() ctx: Context) {
    return new InstanceService(ctx).resize(id, input);
  }

  @AuditedMutation(() => Instance, { access: 'SIGNED_IN', description: 'Renames an instance.' })
  renameInstance(@Arg('id', () => ID) id: string, @Arg('name', () => String) name: string, @Ctx() ctx: Context) {
    return new InstanceService(ctx).rename(id, name);
  }

  @AuditedMutation(() => DeletePayload, { access: 'SIGNED_IN', description: 'Terminates an instance and its system disk.' })
  terminateInstance(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return new InstanceService(ctx).terminate(id);
  }
}
