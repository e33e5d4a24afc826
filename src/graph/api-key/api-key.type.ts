import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { Connection } from '../connection';
import { encodeId } from '../node/global-id';
import { Node } from '../node/node.interface';
import type { ApiKeyRecord } from './api-key.service';

export enum ApiKeyScope {
  READ_ONLY = 'READ_ONLY',
  FULL = 'FULL',
  WORK_ORDERS = 'WORK_ORDERS',
}
registerEnumType(ApiKeyScope, {
  name: 'ApiKeyScope',
  description: 'What a key may run. Whatever its scopes, a key never does more than its user’s role allows.',
  valuesConfig: {
    READ_ONLY: { description: 'Queries and subscriptions; every mutation is FORBIDDEN.' },
    FULL: { description: 'Everything its user may do.' },
    WORK_ORDERS: { description: 'submitWorkOrder, the workOrder query and POST /api/msg/order/ only.' },
  },
});

@ObjectType({
  implements: Node,
  description: 'A key a partner sends as `X-Api-Key` instead of signing in. Its secret is shown once, at creation, and kept nowhere.',
})
export class ApiKey extends Node {
  /** The owner, for the `user` field. Not a GraphQL field. */
  userId!: string;

  @Field() name!: string;
  @Field({ description: 'The first characters of the secret, to tell keys apart.' }) prefix!: string;
  @Field(() => [ApiKeyScope]) scopes!: ApiKeyScope[];
  @Field() createdAt!: Date;
  @Field(() => Date, { nullable: true, description: 'Null: the key does not expire.' }) expiresAt!: Date | null;
  @Field(() => Date, { nullable: true }) revokedAt!: Date | null;
  @Field(() => Date, { nullable: true, description: 'Recorded at most once a minute.' }) lastUsedAt!: Date | null;
  @Field(() => String, { nullable: true, description: 'The client whose persisted-operation manifests alone the key runs; null: any operation its scopes allow.' })
  safelistClient!: string | null;

  static fromRecord(record: ApiKeyRecord): ApiKey {
    const key = new ApiKey();
    key.userId = record.userId;
    key.id = encodeId('ApiKey', record.id);
    key.name = record.name;
    key.prefix = record.prefix;
    key.scopes = record.scopes as ApiKeyScope[];
    key.createdAt = record.createdAt;
    key.expiresAt = record.expiresAt;
    key.revokedAt = record.revokedAt;
    key.lastUsedAt = record.lastUsedAt;
    key.safelistClient = record.safelistClient;
    return key;
  }
}

export const ApiKeyConnection = Connection('ApiKey', ApiKey);
export type ApiKeyConnection = InstanceType<typeof ApiKeyConnection>;
