import { CloudError, type ListFilter, type Operation, type SecurityGroup, type SecurityGroupRule, type SecurityGroupRuleSpec } from '../driver';
import { pick } from './catalog';
import type { CloudStackClient } from './client';
import { badInput, jobOperation, notFound } from './results';
import { resolverOf, rulesOfGroup, ruleToCloudStack, sgRuleProblem } from './sg-rules';
import type { CsSecurityGroup } from './wire';

/** The group CloudStack makes with every account; the server refuses to delete or rename it. */
const DEFAULT_GROUP = 'default';

/**
 * Security groups in a zone with `securitygroupsenabled=true`: CloudStack's own security
 * groups (listSecurityGroups, createSecurityGroup, deleteSecurityGroup; rules by
 * authorize/revokeSecurityGroupIngress/Egress, async jobs; see sg-rules.ts). They filter per
 * instance: createInstance sends `securitygroupids` (instances.ts). Which tenants get this
 * path rather than the VPC's network ACL lists (security-groups.ts) is decided in tenant.ts.
 *
 * - every account has a `default` group (no ingress, all egress); deleting it is CONFLICT;
 * - rules may name a remote group (sent as its account and name);
 * - names and descriptions are fixed: updateSecurityGroup is root-admin only (a tenant gets
 *   401) and has no description, so a change of either is refused (BAD_USER_INPUT).
 */
export class ZoneSecurityGroupArea {
  constructor(private readonly client: CloudStackClient) {}

  private get dc() {
    return this.client.datacenter;
  }

  /** listSecurityGroups: 1 call (+ pages), no `ids` on it: all of the account, picked locally (rules naming other groups need them all anyway). */
  async list(filter: ListFilter = {}): Promise<SecurityGroup[]> {
    if (filter.ids && !filter.ids.length) return [];
    const groups = await this.all();
    return pick(groups, filter.ids).map((g) => toGroup(g, groups));
  }

  /** createSecurityGroup: 1 call (synchronous). */
  async create(spec: { name: string; description?: string | null }): Promise<SecurityGroup> {
    if (!spec.name.trim()) throw badInput(this.dc, 'name', 'must not be empty');
    if (spec.name.toLowerCase() === DEFAULT_GROUP) throw new CloudError('CONFLICT', `name: ${spec.name} is reserved on CloudStack.`, {}, this.dc);
    const params: Record<string, string> = { name: spec.name };
    if (spec.description) params.description = spec.description;
    const group = (await this.client.call('createSecurityGroup', params)).securitygroup as CsSecurityGroup;
    return toGroup(group, [group]);
  }

  /** listSecurityGroups: 1 call. Only a no-op update passes (see the class comment). */
  async update(id: string, changes: { name?: string; description?: string | null }): Promise<SecurityGroup> {
    if (changes.name !== undefined && !changes.name.trim()) throw badInput(this.dc, 'name', 'must not be empty');
    const [group] = await this.list({ ids: [id] });
    if (!group) throw notFound(this.dc, `Security group ${id}`);
    if (changes.name !== undefined && changes.name !== group.name) throw badInput(this.dc, 'name', 'CloudStack lets only the root admin rename a security group');
    if (changes.description !== undefined && (changes.description || null) !== group.description) {
      throw badInput(this.dc, 'description', 'CloudStack cannot change the description of a security group');
    }
    return group;
  }

  /** listSecurityGroups (1; `default` → CONFLICT) + deleteSecurityGroup (1, synchronous; a group VMs use → the server's 536, CONFLICT). */
  async delete(id: string): Promise<void> {
    const group = (await this.all()).find((g) => g.id === id);
    if (!group) throw notFound(this.dc, `Security group ${id}`);
    if (group.name.toLowerCase() === DEFAULT_GROUP) throw new CloudError('CONFLICT', 'The default security group of an account cannot be deleted.', {}, this.dc);
    await this.client.call('deleteSecurityGroup', { id });
  }

  /**
   * authorizeSecurityGroupIngress/Egress: 1 call (returned job), + listSecurityGroups (1) when
   * the rule names a remote group (CloudStack wants its account and name). The job's result
   * names the new rule, which pollOperation returns as the resource id.
   */
  async addRule(groupId: string, rule: SecurityGroupRuleSpec): Promise<Operation<SecurityGroupRule>> {
    const problem = sgRuleProblem(rule);
    if (problem) throw badInput(this.dc, `rule.${problem.field}`, problem.message);
    let remote: { account: string; name: string } | null = null;
    if (rule.remoteGroupId) {
      const group = (await this.all()).find((g) => g.id === rule.remoteGroupId);
      if (!group?.account) throw badInput(this.dc, 'rule.remoteGroupId', 'no such security group');
      remote = { account: group.account, name: group.name };
    }
    const request = ruleToCloudStack(rule, groupId, remote, this.dc);
    return jobOperation<SecurityGroupRule>(await this.client.start(request.command, request.params), null);
  }

  /** listSecurityGroups (1, to learn the rule's direction) + revokeSecurityGroupIngress/Egress (1; returned job). */
  async removeRule(groupId: string, ruleId: string): Promise<Operation<null>> {
    const group = (await this.all()).find((g) => g.id === groupId);
    const ingress = group?.ingressrule?.some((r) => r.ruleid === ruleId);
    const egress = group?.egressrule?.some((r) => r.ruleid === ruleId);
    if (!ingress && !egress) throw notFound(this.dc, `Rule ${ruleId} of security group ${groupId}`);
    const command = ingress ? 'revokeSecurityGroupIngress' : 'revokeSecurityGroupEgress';
    return jobOperation<null>(await this.client.start(command, { id: ruleId }), ruleId);
  }

  private all(): Promise<CsSecurityGroup[]> {
    return this.client.list<CsSecurityGroup>('listSecurityGroups', {}, 'securitygroup');
  }
}

function toGroup(g: CsSecurityGroup, visible: CsSecurityGroup[]): SecurityGroup {
  return {
    id: g.id,
    name: g.name,
    description: g.description || null,
    isDefault: g.name === DEFAULT_GROUP,
    rules: rulesOfGroup(g, resolverOf(visible)),
  };
}
