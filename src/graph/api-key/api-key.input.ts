import { Field, ID, InputType } from 'type-graphql';
import { z } from 'zod';
import { ApiKeyScope } from './api-key.type';

@InputType()
export class CreateApiKeyInput {
  @Field(() => ID, {
    nullable: true,
    description: 'Admins: the user the key acts as. Default: the viewer. Anyone else’s id is NOT_FOUND for a user.',
  })
  userId?: string | null;

  @Field({ description: 'What the key is for (e.g. the partner’s name); 1 to 100 characters.' })
  name!: string;

  @Field(() => [ApiKeyScope], { description: 'At least one.' })
  scopes!: ApiKeyScope[];

  @Field(() => Date, { nullable: true, description: 'When the key stops working; in the future. Default: never.' })
  expiresAt?: Date | null;

  @Field(() => String, {
    nullable: true,
    description: 'Binds the key to this client’s persisted-operation manifests (registerPersistedOperations): it then runs only their operations (any registered version), by id or by their document unchanged; anything else is PERSISTED_QUERY_NOT_ALLOWED. The client must have a registered manifest.',
  })
  safelistClient?: string | null;
}

export const createApiKeyRule = z.object({
  userId: z.string().nullish(),
  name: z.string().trim().min(1, 'must not be empty').max(100, 'at most 100 characters'),
  scopes: z
    .array(z.enum(ApiKeyScope))
    .min(1, 'name at least one scope')
    .transform((scopes) => [...new Set(scopes)]),
  expiresAt: z
    .date()
    .refine((at) => at.getTime() > Date.now(), 'must be in the future')
    .nullish(),
  safelistClient: z.string().trim().min(1, 'must not be empty').max(100, 'at most 100 characters').nullish(),
});
