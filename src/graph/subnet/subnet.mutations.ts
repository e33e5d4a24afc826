import { Arg, Ctx, ID, Resolver } from 'type-graphql';
import { AuditedMutation } from '../audit/audit.middleware';
import type { Context } from '../context';
import { DeletePayload, JobPayload } from '../job/payload';
import { CreateSubnetInput, UpdateSubnetInput } from './subnet.input';
import { SubnetService } from './subnet.service';
import { Subnet } from './subnet.type';

export const CreateSubnetPayload = JobPayload('CreateSubnet', 'subnet', Subnet);

@Resolver()
export class SubnetMutations {
  @AuditedMutation(() => CreateSubnetPayload, {
    access: 'SIGNED_IN',
    description:
      'A further subnet of a network (CloudStack: a VPC tier), checked first: inside the network’s range, apart from its other subnets, with a gateway of its own. On OpenStack it joins the network’s router.',
  })
  createSubnet(@Arg('input', () => CreateSubnetInput) input: CreateSubnetInput, @Ctx() ctx: Context) {
    return new SubnetService(ctx).create(input);
  }

  @AuditedMutation(() => Subnet, { access: 'SIGNED_IN', description: 'Renames a subnet.' })
  updateSubnet(@Arg('id', () => ID) id: string, @Arg('input', () => UpdateSubnetInput) input: UpdateSubnetInput, @Ctx() ctx: Context) {
    return new SubnetService(ctx).update(id, input);
  }

  @AuditedMutation(() => DeletePayload, {
    access: 'SIGNED_IN',
    description: 'Removes a subnet (OpenStack: its router interface first). A subnet instances still use cannot go.',
  })
  deleteSubnet(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return new SubnetService(ctx).delete(id);
  }
}
