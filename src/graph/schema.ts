import 'reflect-metadata';
import { GraphQLScalarType, lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { DateTimeISOResolver } from 'graphql-scalars';
import { buildSchemaSync } from 'type-graphql';
import { authChecker } from './access';
import { AuditResolver } from './audit/audit.resolver';
import { DatacenterResolver } from './datacenter/datacenter.resolver';
import { NodeResolver } from './node/node.resolver';
import { SessionResolver } from './session/session.resolver';
import { TenancyResolver } from './tenancy/tenancy.resolver';
import { UserResolver } from './user/user.resolver';

export const resolvers = [
  NodeResolver,
  SessionResolver,
  UserResolver,
  DatacenterResolver,
  TenancyResolver,
  AuditResolver,
] as const;

/** ISO-8601 date-times with offset, named plainly for clients. */
const DateTime = new GraphQLScalarType({ ...DateTimeISOResolver.toConfig(), name: 'DateTime' });

let cached: GraphQLSchema | undefined;

/** The executable schema, built once per process from the decorated classes. */
export function graphSchema(): GraphQLSchema {
  cached ??= buildSchemaSync({
    resolvers,
    authChecker,
    authMode: 'error',
    validate: false,
    scalarsMap: [{ type: Date, scalar: DateTime }],
  });
  return cached;
}

/** schema.graphql as committed: sorted, so the file changes only when the schema does. */
export function printGraphSchema(): string {
  return `# Emitted from the code by \`npm run schema\`; do not edit.\n\n${printSchema(lexicographicSortSchema(graphSchema()))}\n`;
}
