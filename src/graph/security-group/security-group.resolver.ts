import { FieldResolver, Resolver, Root } from 'type-graphql';
import { Instance } from '../instance/instance.type';
import { resourceFields } from '../tenancy/resource.resolver';
import { SecurityGroup, SecurityGroupRule } from './security-group.type';

export const SecurityGroupFields = resourceFields(SecurityGroup);

@Resolver(() => SecurityGroup)
export class SecurityGroupResolver {
  @FieldResolver(() => [Instance], { description: 'Instances the group applies to.' })
  async instances(@Root() group: SecurityGroup): Promise<Instance[]> {
    const { scope } = group;
    const all = await scope.loaders.allInstances();
    return all.filter((i) => i.securityGroupIds.includes(group.cloudId)).map((m) => Instance.from(scope, m));
  }
}

@Resolver(() => SecurityGroupRule)
export class SecurityGroupRuleResolver {
  @FieldResolver(() => SecurityGroup, { nullable: true, description: 'Traffic from members of this group (instead of a CIDR).' })
  async remoteGroup(@Root() rule: SecurityGroupRule): Promise<SecurityGroup | null> {
    if (!rule.model.remoteGroupId) return null;
    const model = await rule.scope.loaders.securityGroups.load(rule.model.remoteGroupId);
    return model ? SecurityGroup.from(rule.scope, model) : null;
  }
}
