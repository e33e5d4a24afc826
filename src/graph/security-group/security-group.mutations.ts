import { Arg, Ctx, ID, Resolver } from 'type-graphql';
import { AuditedMutation } from '../audit/audit.middleware';
import type { Context } from '../context';
import { DeletePayload, JobPayload } from '../job/payload';
import { AddSecurityGroupRuleInput, CreateSecurityGroupInput, UpdateSecurityGroupInput } from './security-group.input';
import { SecurityGroupService } from './security-group.service';
import { SecurityGroup } from './security-group.type';

export const AddSecurityGroupRulePayload = JobPayload('AddSecurityGroupRule', 'securityGroup', SecurityGroup);
export const RemoveSecurityGroupRulePayload = JobPayload('RemoveSecurityGroupRule', 'securityGroup', SecurityGroup);

@Resolver()
export class SecurityGroupMutations {
  @AuditedMutation(() => SecurityGroup, {
    access: 'SIGNED_IN',
    description: 'A security group (CloudStack VPC zones: a network ACL list of the tenancy’s network).',
  })
  createSecurityGroup(@Arg('input', () => CreateSecurityGroupInput) input: CreateSecurityGroupInput, @Ctx() ctx: Context) {
    return new SecurityGroupService(ctx).create(input);
  }

  @AuditedMutation(() => SecurityGroup, {
    access: 'SIGNED_IN',
    description: 'Renames or redescribes a group (OpenStack; CloudStack refuses both). The default group keeps its name.',
  })
  updateSecurityGroup(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateSecurityGroupInput) input: UpdateSecurityGroupInput,
    @Ctx() ctx: Context,
  ) {
    return new SecurityGroupService(ctx).update(id, input);
  }

  @AuditedMutation(() => DeletePayload, { access: 'SIGNED_IN', description: 'Removes a group; the default group and groups in use cannot go (CONFLICT).' })
  deleteSecurityGroup(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return new SecurityGroupService(ctx).delete(id);
  }

  @AuditedMutation(() => AddSecurityGroupRulePayload, {
    access: 'SIGNED_IN',
    description: 'Admits traffic from (INGRESS) or to (EGRESS) a range or a group’s members; the group is read back with the rule.',
  })
  addSecurityGroupRule(@Arg('input', () => AddSecurityGroupRuleInput) input: AddSecurityGroupRuleInput, @Ctx() ctx: Context) {
    return new SecurityGroupService(ctx).addRule(input);
  }

  @AuditedMutation(() => RemoveSecurityGroupRulePayload, { access: 'SIGNED_IN', description: 'Removes one rule of a group (ruleId: SecurityGroupRule.id).' })
  removeSecurityGroupRule(@Arg('groupId', () => ID) groupId: string, @Arg('ruleId', () => ID) ruleId: string, @Ctx() ctx: Context) {
    return new SecurityGroupService(ctx).removeRule(groupId, ruleId);
  }
}
