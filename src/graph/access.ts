import { defaultFieldResolver, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import type { AuthChecker } from 'type-graphql';
import { forbidden, unauthenticated } from '../errors';
import type { ApiKeyScope, Context, Viewer } from './context';

/** Who may call a field: anyone, any signed-in viewer, or admins only. */
export type Access = 'PUBLIC' | 'SIGNED_IN' | 'ADMIN';

/** A top-level field of an operation: what an API key's scopes are about. */
export interface RootField {
  operation: 'query' | 'mutation' | 'subscription';
  name: string;
}

/** What each scope lets a key run; a key with several scopes runs what any of them allows. */
const SCOPES: Record<ApiKeyScope, (field: RootField) => boolean> = {
  FULL: () => true,
  READ_ONLY: (field) => field.operation !== 'mutation',
  WORK_ORDERS: (field) =>
    (field.operation === 'mutation' && field.name === 'submitWorkOrder') || (field.operation === 'query' && field.name === 'workOrder'),
};

/**
 * The one rule of access. `@Authorized()` fields, `@Authorized('ADMIN')` fields and audited
 * mutations all come here, by role; every root field comes here with `field`, so an API key's
 * scopes narrow what its user may do. They never widen it: the role checked is the user's.
 */
export function checkAccess(viewer: Viewer | null, access: Access, field?: RootField): void {
  if (viewer?.scopes && field && !viewer.scopes.some((scope) => SCOPES[scope](field))) {
    throw forbidden(`This API key (${viewer.scopes.join(', ') || 'no scope'}) may not run ${field.name}.`);
  }
  if (access === 'PUBLIC') return;
  if (!viewer) throw unauthenticated();
  if (access === 'ADMIN' && viewer.role !== 'ADMIN') throw forbidden('Only administrators may do this.');
}

export const authChecker: AuthChecker<Context> = ({ context }, roles) => {
  checkAccess(context.viewer, roles.includes('ADMIN') ? 'ADMIN' : 'SIGNED_IN');
  return true;
};

/** Marks a root field that checks its scopes itself (audited mutations do, so that refusals are audited too). */
export const CHECKS_SCOPES = 'checksScopes';

/**
 * Puts the scope check in front of every root field of `schema`, public ones included (a
 * WORK_ORDERS key may not read `viewer`), unless the field does it itself. Root fields only:
 * what a permitted root field returns is then read under the ordinary rules.
 */
export function checkScopesOfRootFields(schema: GraphQLSchema): GraphQLSchema {
  const roots = [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
    ['subscription', schema.getSubscriptionType()],
  ] as const;
  for (const [operation, type] of roots) {
    for (const field of Object.values(type?.getFields() ?? {})) {
      if (field.extensions[CHECKS_SCOPES]) continue;
      const root: RootField = { operation, name: field.name };
      const guard =
        (run: GraphQLFieldResolver<unknown, Context>): GraphQLFieldResolver<unknown, Context> =>
        (source, args, context, info) => {
          checkAccess(context.viewer, 'PUBLIC', root);
          return run(source, args, context, info);
        };
      if (operation === 'subscription') {
        // The stream is what a subscription runs; each event's resolve only shapes it.
        if (field.subscribe) field.subscribe = guard(field.subscribe);
      } else {
        field.resolve = guard(field.resolve ?? defaultFieldResolver);
      }
    }
  }
  return schema;
}
