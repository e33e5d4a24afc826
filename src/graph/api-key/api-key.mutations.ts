import { Arg, Ctx, Field, ID, ObjectType, Resolver } from 'type-graphql';
import { AuditedMutation } from '../audit/audit.middleware';
import type { Context } from '../context';
import { CreateApiKeyInput } from './api-key.input';
import { ApiKey } from './api-key.type';

@ObjectType({ description: 'A new API key, with its secret.' })
export class CreateApiKeyPayload {
  @Field(() => ApiKey) apiKey!: ApiKey;

  @Field(() => String, {
    nullable: true,
    description: 'Send as `X-Api-Key: <secret>`. Shown this once and kept nowhere (only its hash is stored): the same call answered again for its idempotencyKey gives null.',
  })
  secret!: string | null;
}

@Resolver()
export class ApiKeyMutations {
  @AuditedMutation(() => CreateApiKeyPayload, {
    access: 'SIGNED_IN',
    description: 'Makes an API key acting as the viewer (admins: as `userId`), limited to its scopes and never beyond the user’s role.',
  })
  async createApiKey(@Arg('input', () => CreateApiKeyInput) input: CreateApiKeyInput, @Ctx() ctx: Context): Promise<CreateApiKeyPayload> {
    const { key, secret } = await ctx.services.apiKeys.create(ctx.viewer!, input);
    return { apiKey: key, secret };
  }

  @AuditedMutation(() => ApiKey, {
    access: 'SIGNED_IN',
    description: 'Revokes a key of the viewer (admins: anyone’s) at once and for good. Another user’s key is NOT_FOUND.',
  })
  revokeApiKey(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<ApiKey> {
    return ctx.services.apiKeys.revoke(ctx.viewer!, id);
  }
}
