import 'reflect-metadata';
import { GraphQLScalarType, lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { DateTimeISOResolver } from 'graphql-scalars';
import { buildSchemaSync, getMetadataStorage } from 'type-graphql';
import { authChecker, checkScopesOfRootFields } from './access';
import { directFieldResolvers } from './direct-resolvers';
import { ApiKeyMutations } from './api-key/api-key.mutations';
import { ApiKeyResolver } from './api-key/api-key.resolver';
import { SubnetMutations } from './subnet/subnet.mutations';
import { SecurityGroupMutations } from './security-group/security-group.mutations';
import { InstanceMutations } from './instance/instance.mutations';
import { KeyPairMutations } from './key-pair/key-pair.mutations';
import { VolumeMutations } from './volume/volume.mutations';
import { BackupMutations } from './backup/backup.mutations';
import { FloatingIpMutations } from './floating-ip/floating-ip.mutations';
import { CatalogMutations } from './catalog/catalog.mutations';
import { CleanupMutations } from './cleanup/cleanup.mutations';
import { AuditResolver } from './audit/audit.resolver';
import { VolumeBackupFields, VolumeBackupResolver } from './backup/backup.resolver';
import { CatalogResolver } from './catalog/catalog.resolver';
import { DatacenterResolver } from './datacenter/datacenter.resolver';
import { FloatingIpFields, FloatingIpResolver } from './floating-ip/floating-ip.resolver';
import { InstanceAddressResolver, InstanceFields, InstanceResolver } from './instance/instance.resolver';
import { JobResolver } from './job/job.resolver';
import { JobSubscriptions, schemaPubSub } from './job/job.subscriptions';
import { KeyPairFields } from './key-pair/key-pair.resolver';
import { NetworkMutations } from './network/network.mutations';
import { NetworkFields, NetworkResolver } from './network/network.resolver';
import { NodeResolver } from './node/node.resolver';
import { PersistedOperationMutations, PersistedOperationResolver } from './persisted/persisted.resolver';
import { SecurityGroupFields, SecurityGroupResolver, SecurityGroupRuleResolver } from './security-group/security-group.resolver';
import { SessionResolver } from './session/session.resolver';
import { SubnetFields, SubnetResolver } from './subnet/subnet.resolver';
import { TenancyMutations } from './tenancy/tenancy.mutations';
import { TenancyResolver } from './tenancy/tenancy.resolver';
import { UserResolver } from './user/user.resolver';
import { VolumeFields, VolumeResolver } from './volume/volume.resolver';
import { WorkOrderMutations } from './work-order/work-order.mutations';
import { WorkOrderItemResolver, WorkOrderResolver } from './work-order/work-order.resolver';

export const resolvers = [
  NodeResolver,
  SessionResolver,
  ApiKeyResolver,
  ApiKeyMutations,
  UserResolver,
  DatacenterResolver,
  CatalogResolver,
  TenancyResolver,
  TenancyMutations,
  JobResolver,
  JobSubscriptions,
  NetworkFields,
  NetworkResolver,
  NetworkMutations,
  SubnetFields,
  SubnetResolver,
  InstanceFields,
  InstanceResolver,
  InstanceAddressResolver,
  VolumeFields,
  VolumeResolver,
  VolumeBackupFields,
  VolumeBackupResolver,
  FloatingIpFields,
  FloatingIpResolver,
  SecurityGroupFields,
  SecurityGroupResolver,
  SecurityGroupRuleResolver,
  KeyPairFields,
  SubnetMutations,
  SecurityGroupMutations,
  InstanceMutations,
  KeyPairMutations,
  VolumeMutations,
  BackupMutations,
  FloatingIpMutations,
  CatalogMutations,
  CleanupMutations,
  WorkOrderResolver,
  WorkOrderItemResolver,
  WorkOrderMutations,
  AuditResolver,
  PersistedOperationResolver,
  PersistedOperationMutations,
] as const;

/** ISO-8601 date-times with offset, named plainly for clients. */
const DateTime = new GraphQLScalarType({ ...DateTimeISOResolver.toConfig(), name: 'DateTime' });

let cached: GraphQLSchema | undefined;

/**
 * A plain property field (no @Authorized, no middleware, its schema name its property's) is
 * resolved by graphql-js's default resolver instead of type-graphql's wrapper, which allocates
 * and runs an empty middleware chain for every field of every object (the console query reads
 * thousands). This is type-graphql's `simple` option, set on exactly the fields whose wrapper
 * would do nothing else. Fields with a @FieldResolver are unaffected (type-graphql looks at
 * those first); a field @Authorized guards keeps its wrapper, since a simple field skips the check.
 */
function simplePropertyFields(): void {
  const storage = getMetadataStorage();
  const guarded = (target: Function, field: string) =>
    storage.authorizedFields.some((a) => a.target === target && a.fieldName === field) ||
    storage.authorizedResolver.some((a) => a.target === target) ||
    storage.middlewares.some((m) => m.target === target && m.fieldName === field) ||
    storage.resolverMiddlewares.some((m) => m.target === target);
  for (const field of storage.fields) {
    if (field.simple === undefined && field.name === field.schemaName && !guarded(field.target, field.name)) field.simple = true;
  }
}

/** The executable schema, built once per process from the decorated classes. */
export function graphSchema(): GraphQLSchema {
  if (!cached) simplePropertyFields();
  cached ??= directSchema(
    buildSchemaSync({
      resolvers,
      authChecker,
      authMode: 'error',
      pubSub: schemaPubSub,
      validate: false,
      scalarsMap: [{ type: Date, scalar: DateTime }],
    }),
  );
  return cached;
}

/** The built schema, its root fields' scopes checked and its plain field resolvers called directly. */
function directSchema(schema: GraphQLSchema): GraphQLSchema {
  const checked = checkScopesOfRootFields(schema);
  directFieldResolvers(checked);
  return checked;
}

/** schema.graphql as committed: sorted, so the file changes only when the schema does. */
export function printGraphSchema(): string {
  return `# Emitted from the code by \`npm run schema\`; do not edit.\n\n${printSchema(lexicographicSortSchema(graphSchema()))}\n`;
}
