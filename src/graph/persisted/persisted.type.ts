import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { ManifestVersion, Registration, StoredOperation } from './persisted.store';

export enum PersistedOperationType {
  QUERY = 'query',
  MUTATION = 'mutation',
  SUBSCRIPTION = 'subscription',
}
registerEnumType(PersistedOperationType, { name: 'PersistedOperationType' });

@ObjectType({ description: 'One operation of a persisted-operation manifest; clients send its `id` instead of its document.' })
export class PersistedOperation {
  @Field({ description: 'The sha256 of the body (hex): `documentId`, or `extensions.persistedQuery.sha256Hash`.' }) id!: string;
  @Field(() => String, { nullable: true }) name!: string | null;
  @Field(() => PersistedOperationType, { nullable: true }) type!: PersistedOperationType | null;
  @Field({ description: 'The operation with the fragments it uses, as graphql-js prints it.' }) body!: string;

  static from(op: StoredOperation): PersistedOperation {
    return Object.assign(new PersistedOperation(), { id: op.id, name: op.name, type: op.type as PersistedOperationType | null, body: op.body });
  }
}

@ObjectType({ description: 'A version of a client’s manifest, as registered (a version never changes).' })
export class PersistedManifestVersion {
  @Field() clientName!: string;
  @Field() version!: string;
  @Field(() => Int) operationCount!: number;
  @Field() registeredAt!: Date;

  static from(version: ManifestVersion | Registration): PersistedManifestVersion {
    return Object.assign(new PersistedManifestVersion(), {
      clientName: version.clientName,
      version: version.version,
      operationCount: version.operationCount,
      registeredAt: version.registeredAt,
    });
  }
}

@ObjectType({ description: 'A client (the console, a partner) whose operations are registered, with every version of its manifest.' })
export class PersistedOperationClient {
  @Field({ description: 'What `registerPersistedOperations(clientName)` and `createApiKey(input: { safelistClient })` name.' }) name!: string;
  @Field(() => [PersistedManifestVersion], { description: 'Oldest first.' }) versions!: PersistedManifestVersion[];
}

@ObjectType()
export class RegisterPersistedOperationsPayload {
  @Field(() => PersistedManifestVersion) manifest!: PersistedManifestVersion;
  @Field({ description: 'False when this very manifest was registered before under this client and version: nothing changed.' }) created!: boolean;
}
