import { Field, ID, InputType, Int } from 'type-graphql';
import { z } from 'zod';
import { parseCidr } from '../network/addressing';
import { description, name } from '../network/network.input';
import { Ethertype, RuleDirection, RuleProtocol } from './security-group.type';

@InputType()
export class CreateSecurityGroupInput {
  @Field(() => ID, { description: 'The tenancy (user in a datacenter) to create it in.' }) tenancyId!: string;
  @Field() name!: string;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => ID, {
    nullable: true,
    description:
      'CloudStack VPC zones: the network whose ACL list the group becomes (the tenancy’s only network). OpenStack groups belong to the whole project: the network is only checked.',
  })
  networkId?: string | null;
}

@InputType({ description: 'Fields left out are unchanged. CloudStack cannot rename or redescribe a group.' })
export class UpdateSecurityGroupInput {
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => String, { nullable: true, description: 'null clears it.' }) description?: string | null;
}

@InputType({ description: 'One rule: traffic it admits, from (INGRESS) or to (EGRESS) a CIDR or the members of a group.' })
export class AddSecurityGroupRuleInput {
  @Field(() => ID) groupId!: string;
  @Field(() => RuleDirection) direction!: RuleDirection;
  @Field(() => RuleProtocol) protocol!: RuleProtocol;
  @Field(() => Int, { nullable: true, description: 'TCP/UDP: first port 1-65535 (default: all ports); ICMP: type 0-255 (default: any); ANY: none.' })
  portMin?: number | null;
  @Field(() => Int, { nullable: true, description: 'TCP/UDP: last port (default: portMin); ICMP: code 0-255, with a type (default: any); ANY: none.' })
  portMax?: number | null;
  @Field(() => String, { nullable: true, description: 'The remote range, e.g. 0.0.0.0/0 for anywhere; this or remoteGroupId.' }) cidr?: string | null;
  @Field(() => ID, { nullable: true, description: 'Members of this group of the same tenancy (OpenStack); this or cidr.' }) remoteGroupId?: string | null;
  @Field(() => Ethertype, { nullable: true, description: 'Default: the family of cidr, else IPv4.' }) ethertype?: Ethertype | null;
}

export const createSecurityGroupRule = z.object({
  tenancyId: z.string(),
  name: name(),
  description: description.nullish(),
  networkId: z.string().trim().min(1, 'must not be empty').nullish(),
});

export const updateSecurityGroupRule = z.object({
  name: name().nullish(),
  description: description.nullish(),
});

const port = z.number().int('must be a whole number');

/**
 * A rule as the unified model stores it, so both clouds read it back the same: TCP/UDP always
 * carry a range (all ports when none is given, one port when only portMin is), ICMP keeps
 * null for "any", and the CIDR is written in its normal form.
 */
export const addRuleRule = z
  .object({
    groupId: z.string(),
    direction: z.enum(RuleDirection),
    protocol: z.enum(RuleProtocol),
    portMin: port.nullish(),
    portMax: port.nullish(),
    cidr: z.string().trim().nullish(),
    remoteGroupId: z.string().trim().min(1, 'must not be empty').nullish(),
    ethertype: z.enum(Ethertype).nullish(),
  })
  .superRefine((v, ctx) => {
    const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    const min = v.portMin ?? null;
    const max = v.portMax ?? null;
    if (v.protocol === RuleProtocol.TCP || v.protocol === RuleProtocol.UDP) {
      if (min !== null && (min < 1 || min > 65535)) problem('portMin', 'must be a port 1-65535');
      if (max !== null && (max < 1 || max > 65535)) problem('portMax', 'must be a port 1-65535');
      if (min === null && max !== null) problem('portMin', 'is required with portMax');
      if (min !== null && max !== null && min > max) problem('portMax', `must not be below portMin (${min})`);
    } else if (v.protocol === RuleProtocol.ICMP) {
      if (min !== null && (min < 0 || min > 255)) problem('portMin', 'must be an ICMP type 0-255');
      if (max !== null && (max < 0 || max > 255)) problem('portMax', 'must be an ICMP code 0-255');
      if (min === null && max !== null) problem('portMin', 'an ICMP code (portMax) needs its type (portMin)');
    } else {
      if (min !== null) problem('portMin', 'protocol ANY takes no ports');
      if (max !== null) problem('portMax', 'protocol ANY takes no ports');
    }

    if (v.cidr !== null && v.cidr !== undefined) {
      const range = parseCidr(v.cidr);
      if (!range) problem('cidr', 'must be a CIDR such as 0.0.0.0/0 or 10.0.0.0/24');
      else if (v.ethertype && range.kind !== (v.ethertype === Ethertype.IPv4 ? 'ipv4' : 'ipv6')) problem('cidr', `must be an ${v.ethertype} range (ethertype ${v.ethertype})`);
      if (v.remoteGroupId) problem('cidr', 'give a CIDR or a remoteGroupId, not both');
    } else if (!v.remoteGroupId) {
      problem('cidr', 'give the remote range (0.0.0.0/0 or ::/0 for anywhere) or a remoteGroupId');
    }
  })
  .transform((v) => {
    const range = v.cidr ? parseCidr(v.cidr) : null;
    const ethertype = v.ethertype ?? (range?.kind === 'ipv6' ? Ethertype.IPv6 : Ethertype.IPv4);
    let portMin = v.portMin ?? null;
    let portMax = v.portMax ?? null;
    if (v.protocol === RuleProtocol.TCP || v.protocol === RuleProtocol.UDP) {
      portMin ??= 1;
      portMax ??= v.portMin ?? 65535;
    }
    return {
      groupId: v.groupId,
      remoteGroupId: v.remoteGroupId ?? null,
      rule: { direction: v.direction, protocol: v.protocol, portMin, portMax, cidr: range?.cidr ?? null, ethertype },
    };
  });
