import { Arg, Ctx, ID, Resolver } from 'type-graphql';
import { AuditedMutation } from '../audit/audit.middleware';
import type { Context } from '../context';
import { DeletePayload, JobPayload } from '../job/payload';
import { AllocateFloatingIpInput } from './floating-ip.input';
import { FloatingIpService } from './floating-ip.service';
import { FloatingIp } from './floating-ip.type';

export const AllocateFloatingIpPayload = JobPayload('AllocateFloatingIp', 'floatingIp', FloatingIp);
export const AssociateFloatingIpPayload = JobPayload('AssociateFloatingIp', 'floatingIp', FloatingIp);
export const DisassociateFloatingIpPayload = JobPayload('DisassociateFloatingIp', 'floatingIp', FloatingIp);

@Resolver()
export class FloatingIpMutations {
  @AuditedMutation(() => AllocateFloatingIpPayload, { access: 'SIGNED_IN', description: 'A public address sold with a bandwidth (Mbit/s).' })
  allocateFloatingIp(@Arg('input', () => AllocateFloatingIpInput) input: AllocateFloatingIpInput, @Ctx() ctx: Context) {
    return new FloatingIpService(ctx).allocate(input);
  }

  @AuditedMutation(() => AssociateFloatingIpPayload, { access: 'SIGNED_IN', description: 'Routes a free floating IP to an instance of the same tenancy.' })
  associateFloatingIp(@Arg('id', () => ID) id: string, @Arg('instanceId', () => ID) instanceId: string, @Ctx() ctx: Context) {
    return new FloatingIpService(ctx).associate(id, instanceId);
  }

  @AuditedMutation(() => DisassociateFloatingIpPayload, { access: 'SIGNED_IN', description: 'Takes a floating IP off its instance; the address is kept.' })
  disassociateFloatingIp(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return new FloatingIpService(ctx).disassociate(id);
  }

  @AuditedMutation(() => DeletePayload, { access: 'SIGNED_IN', description: 'Gives a free floating IP back to the cloud.' })
  releaseFloatingIp(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return new FloatingIpService(ctx).release(id);
  }
}
