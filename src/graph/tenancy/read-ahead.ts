import {
  getNamedType,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  Kind,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import type { Context } from '../context';
import type { TenantScope } from './tenancy.scope';

/** What a tenancy's fields read of its cloud, each one list per request (`TenancyLoaders`, the catalogue). */
export type CloudRead =
  | 'networks'
  | 'subnets'
  | 'instances'
  | 'volumes'
  | 'backups'
  | 'floatingIps'
  | 'securityGroups'
  | 'keyPairs'
  | 'quota'
  | 'flavors'
  | 'images'
  | 'zones';

/**
 * The cloud reads of each field (`Type.field`), those a tenancy's fields and the fields under
 * them make. A field left out only waits for its parents' answers before its read is sent.
 */
export const FIELD_READS: Readonly<Record<string, readonly CloudRead[]>> = {
  'Tenancy.quota': ['quota'],
  'Tenancy.networks': ['networks'],
  'Tenancy.instances': ['instances'],
  'Tenancy.volumes': ['volumes'],
  'Tenancy.backups': ['backups'],
  'Tenancy.floatingIps': ['floatingIps'],
  'Tenancy.securityGroups': ['securityGroups'],
  'Tenancy.keyPairs': ['keyPairs'],
  'Network.subnets': ['subnets'],
  'Network.instances': ['instances'],
  'Network.zone': ['zones'],
  'Subnet.network': ['networks'],
  'Subnet.instances': ['instances'],
  'Instance.flavor': ['flavors'],
  'Instance.image': ['images'],
  'Instance.zone': ['zones'],
  'Instance.volumes': ['volumes'],
  'Instance.floatingIps': ['floatingIps'],
  'Instance.securityGroups': ['securityGroups'],
  'Instance.keyPair': ['keyPairs'],
  'InstanceAddress.network': ['networks'],
  'InstanceAddress.subnet': ['subnets'],
  'Volume.instance': ['instances'],
  'Volume.backups': ['backups'],
  'Volume.zone': ['zones'],
  'VolumeBackup.volume': ['volumes'],
  'FloatingIp.instance': ['instances'],
  'FloatingIp.network': ['networks'],
  'SecurityGroup.instances': ['instances'],
  'SecurityGroupRule.remoteGroup': ['securityGroups'],
};

const NONE: ReadonlySet<CloudRead> = new Set();

/** Per field of a parsed document (the same nodes for every request of it): what is read below it. */
const below = new WeakMap<FieldNode, ReadonlySet<CloudRead>>();

/**
 * The cloud reads of the fields selected under this field, at every depth: what a query will
 * ask of the tenancy's cloud once its parents have answered, known before they have. Only a
 * query's: a mutation reads after it writes, a subscription over time. A selection under
 * `@include`/`@skip` with a variable is left out (its reads wait their turn), so nothing is
 * read ahead that the request may not ask for.
 */
export function readsBelow(info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'returnType' | 'fragments' | 'operation' | 'schema'>): ReadonlySet<CloudRead> {
  if (info.operation.operation !== 'query') return NONE;
  const first = info.fieldNodes[0];
  let reads = below.get(first);
  if (!reads) {
    const found = new Set<CloudRead>();
    const type = getNamedType(info.returnType);
    if (isCompositeType(type)) {
      for (const node of info.fieldNodes) if (node.selectionSet) collect(info.schema, info.fragments, node.selectionSet, type, found, new Set());
    }
    below.set(first, (reads = found));
  }
  return reads;
}

function collect(
  schema: GraphQLSchema,
  fragments: Record<string, FragmentDefinitionNode>,
  set: SelectionSetNode,
  type: GraphQLCompositeType,
  found: Set<CloudRead>,
  spread: Set<string>,
): void {
  for (const selection of set.selections) {
    if (!certain(selection)) continue;
    if (selection.kind === Kind.FIELD) {
      if (!isObjectType(type) && !isInterfaceType(type)) continue;
      const field = type.getFields()[selection.name.value];
      if (!field) continue;
      for (const read of FIELD_READS[`${type.name}.${field.name}`] ?? []) found.add(read);
      const child = getNamedType(field.type);
      if (selection.selectionSet && isCompositeType(child)) collect(schema, fragments, selection.selectionSet, child, found, spread);
    } else {
      const fragment = selection.kind === Kind.FRAGMENT_SPREAD ? fragments[selection.name.value] : selection;
      if (!fragment || (selection.kind === Kind.FRAGMENT_SPREAD && spread.has(selection.name.value))) continue;
      if (selection.kind === Kind.FRAGMENT_SPREAD) spread.add(selection.name.value);
      const on = fragment.typeCondition ? schema.getType(fragment.typeCondition.name.value) : type;
      if (on && isCompositeType(on)) collect(schema, fragments, fragment.selectionSet, on, found, spread);
    }
  }
}

/** Whether a selection is always made: no `@include`/`@skip` whose condition is a variable or says no. */
function certain(selection: SelectionNode): boolean {
  for (const directive of selection.directives ?? []) {
    const name = directive.name.value;
    if (name !== 'include' && name !== 'skip') continue;
    const condition = directive.arguments?.find((a) => a.name.value === 'if')?.value;
    if (condition?.kind !== Kind.BOOLEAN) return false;
    if (condition.value !== (name === 'include')) return false;
  }
  return true;
}

/**
 * Starts `reads` of the tenancy's cloud now (each still once per request: a field that needs
 * one later joins it). Settles when they all have, and never rejects: what fails is reported by
 * the fields that need it. A list awaits it before it answers its items, so that the fields of
 * a thousand items below it answer from what is in, without a promise each.
 */
export function startReads(scope: TenantScope, ctx: Context, reads: ReadonlySet<CloudRead>): Promise<unknown> | null {
  if (!reads.size) return null;
  const { catalog } = ctx.services;
  const { datacenter, driver } = scope;
  const started: Promise<unknown>[] = [scope.loaders.readAhead(reads)];
  if (reads.has('flavors')) started.push(catalog.flavors(datacenter, driver));
  if (reads.has('images')) started.push(catalog.images(datacenter, driver), catalog.overlay(datacenter));
  if (reads.has('zones')) started.push(catalog.zones(datacenter, driver));
  return Promise.allSettled(started);
}
