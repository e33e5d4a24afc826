import { Arg, Ctx, ID, Resolver } from 'type-graphql';
import { AuditedMutation } from '../audit/audit.middleware';
import type { Context } from '../context';
import { DeletePayload, JobPayload } from '../job/payload';
import { CreateNetworkInput, UpdateNetworkInput } from './network.input';
import { NetworkService } from './network.service';
import { Network } from './network.type';

export const CreateNetworkPayload = JobPayload('CreateNetwork', 'network', Network);

@Resolver()
export class NetworkMutations {
  @AuditedMutation(() => CreateNetworkPayload, {
    access: 'SIGNED_IN',
    description: 'A network with its first subnet (and, on OpenStack, a router with its gateway on the external network).',
  })
  createNetwork(@Arg('input', () => CreateNetworkInput) input: CreateNetworkInput, @Ctx() ctx: Context) {
    return new NetworkService(ctx).create(input);
  }

  @AuditedMutation(() => Network, { access: 'SIGNED_IN', description: 'Renames or redescribes a network.' })
  updateNetwork(@Arg('id', () => ID) id: string, @Arg('input', () => UpdateNetworkInput) input: UpdateNetworkInput, @Ctx() ctx: Context) {
    return new NetworkService(ctx).update(id, input);
  }

  @AuditedMutation(() => DeletePayload, {
    access: 'SIGNED_IN',
    description: 'Removes router interfaces, the router, remaining ports and subnets, then the network.',
  })
  deleteNetwork(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return new NetworkService(ctx).delete(id);
  }
}
