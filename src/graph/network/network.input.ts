import { Field, ID, InputType } from 'type-graphql';
import { z } from 'zod';
import { contains, gatewayProblem, isIpAddress, parseCidr, rangeProblem } from './addressing';

@InputType({ description: 'A subnet: its range, gateway and DHCP settings.' })
export class SubnetSpecInput {
  @Field() name!: string;
  @Field({ description: 'e.g. 10.0.1.0/24; inside the network’s range, apart from its other subnets.' }) cidr!: string;
  @Field(() => String, { nullable: true, description: 'A host address of the subnet; default: its first host.' }) gatewayIp?: string | null;
  @Field(() => Boolean, { nullable: true, description: 'Default true.' }) enableDhcp?: boolean | null;
  @Field(() => [String], { nullable: true, description: 'Up to 5 DNS server addresses (dns1, dns2, …).' }) dnsNameservers?: string[] | null;
}

@InputType()
export class CreateNetworkInput {
  @Field(() => ID, { description: 'The tenancy (user in a datacenter) to create it in.' }) tenancyId!: string;
  @Field() name!: string;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => String, { nullable: true, description: 'The network’s range (CloudStack: the VPC CIDR, e.g. 10.0.0.0/16). Default: the subnet’s.' })
  cidr?: string | null;
  @Field(() => String, { nullable: true, description: 'The zone id; default the datacenter’s first zone.' }) zoneId?: string | null;
  @Field(() => SubnetSpecInput, { description: 'The first subnet, made with the network.' }) subnet!: SubnetSpecInput;
}

@InputType({ description: 'Fields left out are unchanged.' })
export class UpdateNetworkInput {
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => String, { nullable: true, description: 'null clears it.' }) description?: string | null;
}

export const name = (max = 64) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `at most ${max} characters`)
    .regex(/^[^\u0000-\u001f<>]+$/, 'must not contain control characters or < >');

export const description = z.string().trim().max(255, 'at most 255 characters');

export const cidr = z
  .string()
  .trim()
  .superRefine((value, ctx) => {
    const problem = rangeProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .transform((value) => parseCidr(value)!.cidr);

/** The fields of a subnet, the same for a network's first one and for any later one. */
export const subnetFields = {
  name: name(),
  cidr,
  // An empty gateway is a mistake, not a request for the default: the default is asked for by leaving it out.
  gatewayIp: z.string().trim().min(1, 'must be an IP address').nullish(),
  enableDhcp: z.boolean().nullish(),
  dnsNameservers: z
    .array(z.string().trim().refine(isIpAddress, 'must be an IP address'))
    .max(5, 'at most 5 servers')
    .nullish(),
};

/** A gateway that is a host of the subnet, and no DNS server listed twice. */
export function checkSubnet(v: { cidr: string; gatewayIp?: string | null; dnsNameservers?: string[] | null }, ctx: z.RefinementCtx): void {
  if (v.gatewayIp) {
    const problem = gatewayProblem(v.cidr, v.gatewayIp);
    if (problem) ctx.addIssue({ code: 'custom', path: ['gatewayIp'], message: problem });
  }
  const servers = v.dnsNameservers ?? [];
  servers.forEach((server, i) => {
    if (servers.indexOf(server) !== i) ctx.addIssue({ code: 'custom', path: ['dnsNameservers', i], message: `${server} is listed twice` });
  });
}

export const subnetRule = z.object(subnetFields).superRefine(checkSubnet);

export const createNetworkRule = z
  .object({
    tenancyId: z.string(),
    name: name(),
    description: description.nullish(),
    cidr: cidr.nullish(),
    zoneId: z.string().trim().min(1, 'must not be empty').max(255).nullish(),
    subnet: subnetRule,
  })
  .superRefine((v, ctx) => {
    if (v.cidr && !contains(v.cidr, v.subnet.cidr)) {
      ctx.addIssue({ code: 'custom', path: ['subnet', 'cidr'], message: `must be inside the network’s range ${v.cidr}` });
    }
  });

export const updateNetworkRule = z.object({
  name: name().optional(),
  description: description.nullish(),
});
