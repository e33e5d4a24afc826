import { CloudError, type ListFilter, type Operation, type SecurityGroup, type SecurityGroupRule, type SecurityGroupRuleSpec } from '../driver';
import { pick } from './catalog';
import type { CloudStackClient } from './client';
import { badInput, jobOperation, notFound } from './results';
import { ruleProblem, rulesOfAclList, ruleToAclItem } from './rules';
import type { CsAclItem, CsAclList, CsVpc } from './wire';

/** The name of the ACL list the driver creates with every VPC and gives its tiers: the tenant's default group. */
export const DEFAULT_GROUP = 'default';
/** The server's built-in ACL lists: everyone's, not modifiable, never shown as groups. */
export const BUILT_IN_LISTS = new Set(['default_allow', 'default_deny']);
/** Names a tenant cannot give a group: the driver's default and the server's built-in lists. */
const RESERVED = new Set([DEFAULT_GROUP, ...BUILT_IN_LISTS]);

/**
 * Security groups of a tenant in a zone WITHOUT security groups = NETWORK ACL LISTS of the
 * tenant's VPC; rules = their items. (In zones with `securitygroupsenabled` — Basic zones, or
 * Advanced zones with shared networks — they are CloudStack's own security groups:
 * zone-security-groups.ts; tenant.ts picks the path.)
 *
 * ecsgraph's networks are VPCs with tiers, which are filtered by network ACLs, so:
 * - a group is an ACL list of one VPC (`listNetworkACLLists`, only lists with a `vpcid`: the
 *   built-in `default_allow` / `default_deny`, shared by everyone and not modifiable, are not
 *   shown);
 * - the tenant's `default` group is the ACL list named `default` that createNetwork makes with
 *   each VPC and gives to its tiers (createSubnet too). It starts with no items: CloudStack then
 *   blocks incoming and allows outgoing traffic. It cannot be deleted (CONFLICT); a tenant with
 *   several networks has one `default` per network;
 * - a new group goes into the tenant's only VPC; with none or several, BAD_USER_INPUT (the
 *   unified create names no network);
 * - a rule is an Allow item (see rules.ts); Deny items are not shown; remote groups are refused;
 * - a group applies PER TIER, not per instance: createInstance with securityGroupIds replaces
 *   the ACL list of the instance's tiers (replaceNetworkACLList), which filters every instance
 *   on those tiers; so an instance's groups are the ACL lists of the tiers it has a NIC on
 *   (instances.ts);
 * - names and descriptions are fixed: updateSecurityGroup is root-admin only and
 *   updateNetworkACLList's name/description are not available on every supported release,
 *   so changing either is refused (BAD_USER_INPUT naming the field).
 */
export class SecurityGroupArea {
  constructor(private readonly client: CloudStackClient) {}

  private get dc() {
    return this.client.datacenter;
  }

  /** listNetworkACLLists + listNetworkACLs: 2 calls (+ pages), whatever the ids (neither has `ids`: picked locally). */
  async list(filter: ListFilter = {}): Promise<SecurityGroup[]> {
    if (filter.ids && !filter.ids.length) return [];
    const [lists, items] = await Promise.all([this.lists(), this.client.list<CsAclItem>('listNetworkACLs', {}, 'networkacl')]);
    return pick(lists, filter.ids).map((l) => toGroup(l, items));
  }

  /** listVPCs (1, the tenant's only VPC) + createNetworkACLList (1) + its job (polls). */
  async create(spec: { name: string; description?: string | null }): Promise<SecurityGroup> {
    if (!spec.name.trim()) throw badInput(this.dc, 'name', 'must not be empty');
    if (RESERVED.has(spec.name)) throw new CloudError('CONFLICT', `name: ${spec.name} is reserved on CloudStack.`, {}, this.dc);
    const vpcs = await this.client.list<CsVpc>('listVPCs', {}, 'vpc');
    if (vpcs.length !== 1) {
      throw new CloudError(
        'BAD_USER_INPUT',
        `CloudStack security groups are network ACL lists of one network (VPC); the tenant has ${vpcs.length} networks, so the group's network cannot be chosen.`,
        {},
        this.dc,
      );
    }
    const params: Record<string, string> = { name: spec.name, vpcid: vpcs[0].id };
    if (spec.description) params.description = spec.description;
    const step = `create security group ${spec.name}`;
    const started = await this.client.start('createNetworkACLList', params, step);
    const made = (await this.client.wait(started.jobid, 'createNetworkACLList', step)).networkacllist as CsAclList | undefined;
    return toGroup(made ?? { id: started.id ?? '', name: spec.name, description: params.description, vpcid: vpcs[0].id }, []);
  }

  /** listNetworkACLLists + listNetworkACLs: 2 calls. Only a no-op update passes (see the class comment). */
  async update(id: string, changes: { name?: string; description?: string | null }): Promise<SecurityGroup> {
    if (changes.name !== undefined && !changes.name.trim()) throw badInput(this.dc, 'name', 'must not be empty');
    const [group] = await this.list({ ids: [id] });
    if (!group) throw notFound(this.dc, `Security group ${id}`);
    if (changes.name !== undefined && changes.name !== group.name) throw badInput(this.dc, 'name', 'CloudStack cannot rename a security group (network ACL list)');
    if (changes.description !== undefined && (changes.description || null) !== group.description) {
      throw badInput(this.dc, 'description', 'CloudStack cannot change the description of a security group (network ACL list)');
    }
    return group;
  }

  /** listNetworkACLLists (1) + deleteNetworkACLList (1) + its job (polls). `default` → CONFLICT; a list tiers use → the server's 536, CONFLICT. */
  async delete(id: string): Promise<void> {
    const list = (await this.lists()).find((l) => l.id === id);
    if (!list) throw notFound(this.dc, `Security group ${id}`);
    if (list.name === DEFAULT_GROUP) throw new CloudError('CONFLICT', `The default security group of network ${list.vpcid} cannot be deleted.`, {}, this.dc);
    const step = `delete security group ${list.name}`;
    const { jobid } = await this.client.start('deleteNetworkACLList', { id }, step);
    await this.client.wait(jobid, 'deleteNetworkACLList', step);
  }

  /** createNetworkACL (A-create): 1 call; its job is the operation, the new item's id the rule id. */
  async addRule(groupId: string, rule: SecurityGroupRuleSpec): Promise<Operation<SecurityGroupRule>> {
    const problem = ruleProblem(rule);
    if (problem) throw badInput(this.dc, `rule.${problem.field}`, problem.message);
    const started = await this.client.start('createNetworkACL', ruleToAclItem(rule, groupId, this.dc));
    return jobOperation<SecurityGroupRule>(started, started.id ?? null);
  }

  /** listNetworkACLs of the list (1, the rule must be one of its items) + deleteNetworkACL (1; returned job). */
  async removeRule(groupId: string, ruleId: string): Promise<Operation<null>> {
    const items = await this.client.list<CsAclItem>('listNetworkACLs', { aclid: groupId }, 'networkacl');
    if (!items.some((i) => i.id === ruleId)) throw notFound(this.dc, `Rule ${ruleId} of security group ${groupId}`);
    return jobOperation<null>(await this.client.start('deleteNetworkACL', { id: ruleId }), ruleId);
  }

  /** The tenant's own ACL lists (those of a VPC). */
  private async lists(): Promise<CsAclList[]> {
    return (await this.client.list<CsAclList>('listNetworkACLLists', {}, 'networkacllist')).filter((l) => l.vpcid);
  }
}

function toGroup(l: CsAclList, items: CsAclItem[]): SecurityGroup {
  return {
    id: l.id,
    name: l.name,
    description: l.description || null,
    isDefault: l.name === DEFAULT_GROUP,
    rules: rulesOfAclList(l.id, items),
  };
}
