import { Field, ID, InputType, Int } from 'type-graphql';
import { z } from 'zod';

export const MAX_BANDWIDTH_MBPS = 10000;

@InputType()
export class AllocateFloatingIpInput {
  @Field(() => ID, { description: 'The tenancy (user in a datacenter) to allocate it in.' }) tenancyId!: string;
  @Field(() => Int, { description: `The bandwidth it is sold with, Mbit/s: 1 to ${MAX_BANDWIDTH_MBPS}.` }) bandwidthMbps!: number;
  @Field(() => ID, {
    nullable: true,
    description: 'The network it will route into. CloudStack allocates in that network’s VPC and needs it when the tenancy has several networks.',
  })
  networkId?: string | null;
}

export const allocateFloatingIpRule = z.object({
  tenancyId: z.string(),
  bandwidthMbps: z
    .number()
    .int('must be a whole number of Mbit/s')
    .min(1, 'must be at least 1 Mbit/s')
    .max(MAX_BANDWIDTH_MBPS, `at most ${MAX_BANDWIDTH_MBPS} Mbit/s`),
  networkId: z.string().min(1, 'must not be empty').nullish(),
});
