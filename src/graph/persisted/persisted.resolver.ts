import type { GraphQLResolveInfo } from 'graphql';
import { GraphQLJSON } from 'graphql-scalars';
import { Arg, Authorized, Ctx, FieldResolver, Info, Query, Resolver, Root } from 'type-graphql';
import { AuditedMutation } from '../audit/audit.middleware';
import type { Context } from '../context';
import {
  PersistedManifestVersion,
  PersistedOperation,
  PersistedOperationClient,
  RegisterPersistedOperationsPayload,
} from './persisted.type';

@Resolver(() => PersistedManifestVersion)
export class PersistedOperationResolver {
  @Authorized('ADMIN')
  @Query(() => [PersistedOperationClient], { description: 'Every client with registered persisted operations, and the versions of its manifest. Administrators only.' })
  async persistedOperationClients(@Ctx() ctx: Context): Promise<PersistedOperationClient[]> {
    const clients = await ctx.services.persisted.clients();
    return clients.map(({ name, versions }) => Object.assign(new PersistedOperationClient(), { name, versions: versions.map(PersistedManifestVersion.from) }));
  }

  @FieldResolver(() => [PersistedOperation], { description: 'The operations of this version, by name.' })
  async operations(@Root() version: PersistedManifestVersion, @Ctx() ctx: Context): Promise<PersistedOperation[]> {
    return (await ctx.services.persisted.operations(version.clientName, version.version)).map(PersistedOperation.from);
  }
}

@Resolver()
export class PersistedOperationMutations {
  @AuditedMutation(() => RegisterPersistedOperationsPayload, {
    access: 'ADMIN',
    description:
      'Registers a client’s persisted-operation manifest (Apollo’s format, as `npm run codegen` writes operations/generated/persisted-operations.json) under a version. Checked whole: every id is the sha256 of its body, every body parses and validates against the schema; problems name the field (`manifest.operations.3.body`). A version never changes: the same manifest again changes nothing, another one under the same version is CONFLICT.',
  })
  async registerPersistedOperations(
    @Arg('clientName', () => String) clientName: string,
    @Arg('version', () => String) version: string,
    @Arg('manifest', () => GraphQLJSON) manifest: unknown,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ): Promise<RegisterPersistedOperationsPayload> {
    const registration = await ctx.services.persisted.register(info.schema, { clientName, version, manifest });
    return Object.assign(new RegisterPersistedOperationsPayload(), { manifest: PersistedManifestVersion.from(registration), created: registration.created });
  }
}
