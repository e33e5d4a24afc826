import { Field, InterfaceType } from 'type-graphql';
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
