import { Field, InterfaceType } from 'type-graphql';
import type { ResourceKind } from '../node/global-id';
import { Node } from '../node/node.interface';
import type { TenantScope } from './tenancy.scope';

/** A resource that lives in a tenant's cloud; field resolvers reach the cloud through its scope. */
@InterfaceType('CloudResource', { implements: Node, description: 'A resource that lives in a tenant’s cloud.' })
export abstract class TenantResource extends Node {
  /** The tenancy it belongs to, as this request reaches it. Not a GraphQL field. */
  scope!: TenantScope;

  @Field({ description: "The cloud's own id (key pairs: their name)." })
  cloudId!: string;
}

/** Places a new object in its tenancy: its scope, the cloud's model, its global and cloud ids. */
export function placed<T extends TenantResource & { model: M }, M>(object: T, scope: TenantScope, kind: ResourceKind, cloudId: string, model: M): T {
  object.scope = scope;
  object.model = model;
  object.id = scope.id(kind, cloudId);
  object.cloudId = cloudId;
  return object;
}
