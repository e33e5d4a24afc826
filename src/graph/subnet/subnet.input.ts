import { Field, ID, InputType } from 'type-graphql';
import { z } from 'zod';
import { gatewayProblem, isIpAddress, parseCidr, rangeProblem } from '../network/addressing';
import { name } from '../network/network.input';

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

const cidr = z
  .string()
  .trim()
  .superRefine((value, ctx) => {
    const problem = rangeProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .transform((value) => parseCidr(value)!.cidr);

export const createSubnetRule = z
  .object({
    networkId: z.string().trim().min(1, 'must not be empty'),
    name: name(),
    cidr,
    // An empty gateway is a mistake, not a request for the default: the default is asked for by leaving it out.
    gatewayIp: z.string().trim().min(1, 'must be an IP address').nullish(),
    enableDhcp: z.boolean().nullish(),
    dnsNameservers: z
      .array(z.string().trim().refine(isIpAddress, 'must be an IP address'))
      .max(5, 'at most 5 servers')
      .nullish(),
  })
  .superRefine((v, ctx) => {
    if (v.gatewayIp) {
      const problem = gatewayProblem(v.cidr, v.gatewayIp);
      if (problem) ctx.addIssue({ code: 'custom', path: ['gatewayIp'], message: problem });
    }
    const servers = v.dnsNameservers ?? [];
    servers.forEach((server, i) => {
      if (servers.indexOf(server) !== i) ctx.addIssue({ code: 'custom', path: ['dnsNameservers', i], message: `${server} is listed twice` });
    });
  });

export const updateSubnetRule = z.object({ name: name() });
