import type { SecurityGroup as GroupModel, SecurityGroupRule as RuleModel, SecurityGroupRuleSpec } from '../../clouds/driver';
import { badInput, conflict, namingInputField, notFound, parseInput } from '../../errors';
import type { Context } from '../context';
import type { Job } from '../job/job.type';
import { anywhere, parseCidr, sameRange } from '../network/addressing';
import { findResource, relatedResource, runTenancyJob, tenancyInput } from '../tenancy/resource-lookup';
import type { TenantScope } from '../tenancy/tenancy.scope';
import {
  addRuleRule,
  createSecurityGroupRule,
  updateSecurityGroupRule,
  type AddSecurityGroupRuleInput,
  type CreateSecurityGroupInput,
  type UpdateSecurityGroupInput,
} from './security-group.input';
import { SecurityGroup } from './security-group.type';

export class SecurityGroupService {
  constructor(private readonly ctx: Context) {}

  async create(input: CreateSecurityGroupInput): Promise<SecurityGroup> {
    const v = parseInput(createSecurityGroupRule, input);
    const { ctx } = this;
    const scope = await tenancyInput(ctx, v.tenancyId);
    if (v.networkId) await this.checkNetwork(scope, v.networkId);
    if ((await scope.loaders.allSecurityGroups()).some((g) => g.name === v.name)) {
      throw conflict(`A security group named ${v.name} exists already.`, 'input.name');
    }
    let made: GroupModel;
    try {
      made = await scope.driver.createSecurityGroup({ name: v.name, description: v.description ?? null });
    } catch (err) {
      throw namingInputField(err, []);
    }
    scope.loaders.clear();
    return SecurityGroup.from(scope, made);
  }

  /** CloudStack refuses both changes (its groups are fixed once made): the cloud's answer is the client's. */
  async update(id: string, input: UpdateSecurityGroupInput): Promise<SecurityGroup> {
    const v = parseInput(updateSecurityGroupRule, input);
    const { scope, model } = await findResource(this.ctx, id, 'SecurityGroup');
    const changes: { name?: string; description?: string | null } = {};
    if (v.name !== undefined && v.name !== null) changes.name = v.name;
    if (v.description !== undefined) changes.description = v.description || null;
    if (changes.name !== undefined && changes.name !== model.name) {
      if (model.isDefault) throw conflict('The default security group cannot be renamed.', 'input.name');
      if ((await scope.loaders.allSecurityGroups()).some((g) => g.id !== model.id && g.name === changes.name)) {
        throw conflict(`A security group named ${changes.name} exists already.`, 'input.name');
      }
    }
    if (!Object.keys(changes).length) return SecurityGroup.from(scope, model);
    let updated: GroupModel;
    try {
      updated = await scope.driver.updateSecurityGroup(model.id, changes);
    } catch (err) {
      throw namingInputField(err, []);
    }
    scope.loaders.clear();
    return SecurityGroup.from(scope, updated);
  }

  async delete(id: string): Promise<{ job: Job; deletedId: string }> {
    const { scope, model } = await findResource(this.ctx, id, 'SecurityGroup');
    if (model.isDefault) throw conflict('The default security group cannot be deleted.', 'id');
    const { job } = await runTenancyJob(
      this.ctx,
      scope,
      { kind: 'deleteSecurityGroup', resource: 'SecurityGroup', resourceId: id },
      { method: 'deleteSecurityGroup', args: [model.id], message: `deleting security group ${model.name}` },
    );
    return { job, deletedId: id };
  }

  /** CloudStack adds a rule as an async job; the group is read back once it has ended. */
  async addRule(input: AddSecurityGroupRuleInput): Promise<{ job: Job; securityGroup: SecurityGroup | null }> {
    const v = parseInput(addRuleRule, input);
    const { ctx } = this;
    const { scope, model: group } = await findResource(ctx, v.groupId, 'SecurityGroup', 'input.groupId');
    let remoteGroupId: string | null = null;
    if (v.remoteGroupId) {
      remoteGroupId = (await relatedResource(ctx, scope, v.remoteGroupId, 'SecurityGroup', 'input.remoteGroupId')).id;
    }
    const spec: SecurityGroupRuleSpec = { ...v.rule, remoteGroupId };
    const twin = group.rules.find((r) => sameRule(r, spec));
    if (twin) throw conflict(`The group has this rule already (rule ${twin.id}).`, 'input');

    const globalId = scope.id('SecurityGroup', group.id);
    const { job, model } = await runTenancyJob(
      ctx,
      scope,
      { kind: 'addSecurityGroupRule', resource: 'SecurityGroup', resourceId: globalId, payload: { rule: { ...v.rule, remoteGroupId: v.remoteGroupId } } },
      {
        method: 'addSecurityGroupRule',
        args: [group.id, spec],
        message: `adding a ${spec.direction.toLowerCase()} ${spec.protocol} rule to security group ${group.name}`,
        resultId: group.id,
        prefixes: ['rule'],
      },
    );
    return { job, securityGroup: model ? SecurityGroup.from(scope, model) : null };
  }

  async removeRule(groupId: string, ruleId: string): Promise<{ job: Job; securityGroup: SecurityGroup | null }> {
    const { ctx } = this;
    const { scope, model: group } = await findResource(ctx, groupId, 'SecurityGroup', 'groupId');
    if (!group.rules.some((r) => r.id === ruleId)) {
      const err = notFound('Rule');
      Object.assign(err.details, { field: 'ruleId' });
      throw err;
    }
    const { job, model } = await runTenancyJob(
      ctx,
      scope,
      { kind: 'removeSecurityGroupRule', resource: 'SecurityGroup', resourceId: scope.id('SecurityGroup', group.id), payload: { ruleId } },
      { method: 'removeSecurityGroupRule', args: [group.id, ruleId], message: `removing rule ${ruleId} from security group ${group.name}`, resultId: group.id },
    );
    return { job, securityGroup: model ? SecurityGroup.from(scope, model) : null };
  }

  /**
   * The network must be the tenancy's own. CloudStack VPC zones keep a group in the tenancy's
   * only network (the driver cannot be told which one), so with others beside it the group
   * could land in the wrong one: refused here rather than guessed.
   */
  private async checkNetwork(scope: TenantScope, networkId: string): Promise<void> {
    const network = await relatedResource(this.ctx, scope, networkId, 'Network', 'input.networkId');
    if (scope.datacenter.kind === 'CLOUDSTACK') {
      const others = (await scope.loaders.allNetworks()).filter((n) => n.id !== network.id);
      if (others.length) {
        throw badInput(
          'input.networkId',
          `CloudStack keeps a security group in the tenancy’s only network; this tenancy has ${others.length + 1} networks, so ${network.name} cannot be chosen`,
        );
      }
    }
  }
}

/**
 * Two rules admit the same traffic: "any port" is 1-65535 (CloudStack always stores the
 * range, OpenStack may store none), ICMP "any" is -1 or null, and no range is anywhere.
 */
export function sameRule(a: RuleModel | SecurityGroupRuleSpec, b: SecurityGroupRuleSpec): boolean {
  return a.direction === b.direction && a.ethertype === b.ethertype && a.protocol === b.protocol && samePorts(a, b) && sameRemote(a, b);
}

function samePorts(a: SecurityGroupRuleSpec, b: SecurityGroupRuleSpec): boolean {
  const norm = (r: SecurityGroupRuleSpec): [number, number] => {
    if (r.protocol === 'TCP' || r.protocol === 'UDP') return [r.portMin ?? 1, r.portMax ?? r.portMin ?? 65535];
    if (r.protocol === 'ICMP') return [r.portMin ?? -1, r.portMax ?? -1];
    return [0, 0];
  };
  const [x, y] = [norm(a), norm(b)];
  return x[0] === y[0] && x[1] === y[1];
}

function sameRemote(a: SecurityGroupRuleSpec, b: SecurityGroupRuleSpec): boolean {
  if (a.remoteGroupId || b.remoteGroupId) return a.remoteGroupId === b.remoteGroupId;
  const range = (r: SecurityGroupRuleSpec) => r.cidr ?? anywhere(r.ethertype === 'IPv6' ? 'ipv6' : 'ipv4');
  const [x, y] = [range(a), range(b)];
  return parseCidr(x) && parseCidr(y) ? sameRange(x, y) : x === y;
}
