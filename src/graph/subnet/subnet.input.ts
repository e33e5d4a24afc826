import { Field, ID, InputType } from 'type-graphql';
import { z } from 'zod';
import { checkSubnet, name, subnetFields } from '../network/network.input';

@InputType({ description: 'A further subnet of an existing network.' })
export class CreateSubnetInput {
  @Field(() => ID, { description: 'The network to add it to.' }) networkId!: string;
  @Field() name!: string;
  @Field({ description: 'e.g. 10.0.2.0/24; inside the network’s range, apart from its other subnets.' }) cidr!: string;
  @Field(() => String, { nullable: true, description: 'A host address of the subnet, not another subnet’s gateway; default: its first host.' })
  gatewayIp?: string | null;
  @Field(() => Boolean, { nullable: true, description: 'Default true (CloudStack tiers always run DHCP).' }) enableDhcp?: boolean | null;
  @Field(() => [String], { nullable: true, description: 'Up to 5 DNS server addresses (CloudStack: 2).' }) dnsNameservers?: string[] | null;
}

@InputType()
export class UpdateSubnetInput {
  @Field() name!: string;
}

export const createSubnetRule = z
  .object({ networkId: z.string().trim().min(1, 'must not be empty'), ...subnetFields })
  .superRefine(checkSubnet);

export const updateSubnetRule = z.object({ name: name() });
