import type { GraphQLSchema } from 'graphql';
import type { AppDeps } from '../services';
import { manifestOperations, manifestVersions, registerManifest, type ManifestVersion, type Registration, type StoredOperation } from './persisted.store';

/** Administrators' view of the persisted-operation manifests (the resolvers check access). */
export class PersistedOperationService {
  constructor(private readonly deps: Pick<AppDeps, 'db'>) {}

  register(schema: GraphQLSchema, input: { clientName: string; version: string; manifest: unknown }): Promise<Registration> {
    return registerManifest(this.deps.db, schema, input);
  }

  /** Every client with its versions, by client name. */
  async clients(): Promise<{ name: string; versions: ManifestVersion[] }[]> {
    const byClient = new Map<string, ManifestVersion[]>();
    for (const version of await manifestVersions(this.deps.db)) {
      const list = byClient.get(version.clientName) ?? [];
      list.push(version);
      byClient.set(version.clientName, list);
    }
    return [...byClient].map(([name, versions]) => ({ name, versions }));
  }

  operations(clientName: string, version: string): Promise<StoredOperation[]> {
    return manifestOperations(this.deps.db, clientName, version);
  }
}
