import type { ListFilter, Operation, SecurityGroup, SecurityGroupRule, SecurityGroupRuleSpec } from '../driver';
import { pick } from './catalog';
import type { CloudStackClient } from './client';
import { badInput, jobOperation, notFound } from './results';
import { resolverOf, ruleProblem, rulesOfGroup, ruleToCloudStack } from './rules';
import type { CsSecurityGroup } from './wire';

/** Security groups; rule changes are async jobs. */
export class SecurityGroupArea {
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

  /** createSecurityGroup: 1 call. */
  async create(spec: { name: string; description?: string | null }): Promise<SecurityGroup> {
    if (!spec.name.trim()) throw badInput(this.dc, 'name', 'must not be empty');
    const params: Record<string, string> = { name: spec.name };
    if (spec.description) params.description = spec.description;
    const group = (await this.client.call('createSecurityGroup', params)).securitygroup as CsSecurityGroup;
    return toGroup(group, [group]);
  }

  /** updateSecurityGroup (1, when renamed) + listSecurityGroups (1): CloudStack cannot change a description. */
  async update(id: string, changes: { name?: string; description?: string | null }): Promise<SecurityGroup> {
    if (changes.description !== undefined) throw badInput(this.dc, 'description', 'CloudStack cannot change the description of a security group');
    if (changes.name !== undefined && !changes.name.trim()) throw badInput(this.dc, 'name', 'must not be empty');
    if (changes.name) await this.client.call('updateSecurityGroup', { id, name: changes.name });
    const groups = await this.all();
    const group = groups.find((g) => g.id === id);
    if (!group) throw notFound(this.dc, `Security group ${id}`);
    return toGroup(group, groups);
  }

  /** deleteSecurityGroup: 1 call. `default` is refused by the server ("…is reserved") → CONFLICT. */
  async delete(id: string): Promise<void> {
    await this.client.call('deleteSecurityGroup', { id });
  }

  /**
   * authorizeSecurityGroupIngress/Egress: 1 call, + listSecurityGroups (1) when the rule names
   * a remote group (CloudStack wants its account and name). The job's result names the new
   * rule, which pollOperation returns as the resource id.
   */
  async addRule(groupId: string, rule: SecurityGroupRuleSpec): Promise<Operation<SecurityGroupRule>> {
    const problem = ruleProblem(rule);
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

  /** listSecurityGroups (1, to learn the rule's direction) + revoke (1). */
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
    isDefault: g.name === 'default',
    rules: rulesOfGroup(g, resolverOf(visible)),
  };
}
