import { Field, InputType } from 'type-graphql';
import { z } from 'zod';
import { Role } from './user.type';

@InputType({ description: "The old portal's profile fields; every one optional." })
export class PortalProfileInput {
  @Field(() => String, { nullable: true }) loginName?: string | null;
  @Field(() => String, { nullable: true }) loginEmail?: string | null;
  @Field(() => String, { nullable: true }) rootUserId?: string | null;
  @Field(() => String, { nullable: true }) fkRootUserId?: string | null;
  @Field(() => Date, { nullable: true }) portalCreatedAt?: Date | null;
  @Field(() => String, { nullable: true }) accountType?: string | null;
  @Field(() => String, { nullable: true }) status?: string | null;
  @Field(() => String, { nullable: true }) province?: string | null;
  @Field(() => String, { nullable: true }) city?: string | null;
  @Field(() => String, { nullable: true }) county?: string | null;
  @Field(() => String, { nullable: true }) mobilePhone?: string | null;
  @Field(() => String, { nullable: true }) channel?: string | null;
  @Field(() => String, { nullable: true }) userLevel?: string | null;
  @Field(() => Boolean, { nullable: true }) messageFlag?: boolean | null;
  @Field(() => Boolean, { nullable: true }) emailFlag?: boolean | null;
  @Field(() => String, { nullable: true }) auditStatus?: string | null;
  @Field(() => Boolean, { nullable: true }) postpaid?: boolean | null;
}

/** Fields a user is created with and that can change later. */
@InputType()
abstract class UserFieldsInput {
  @Field(() => String, { nullable: true })
  email?: string | null;

  @Field(() => String, { nullable: true })
  mobile?: string | null;

  @Field(() => String, { nullable: true })
  ctUserId?: string | null;

  @Field(() => String, { nullable: true })
  ctAccountId?: string | null;

  @Field(() => Role, { nullable: true, description: 'A new user is a USER unless given.' })
  role?: Role | null;

  @Field(() => PortalProfileInput, { nullable: true })
  profile?: PortalProfileInput | null;
}

@InputType()
export class CreateUserInput extends UserFieldsInput {
  @Field({ description: 'Letters, digits and @ . + - _; at most 150 characters.' })
  username!: string;

  @Field({ description: 'At least 8 characters.' })
  password!: string;
}

@InputType({ description: 'Fields left out are unchanged; null clears an optional field.' })
export class UpdateUserInput extends UserFieldsInput {
  @Field(() => String, { nullable: true })
  username?: string | null;
}

// Validation rules, shared by the mutations and the importer.

const trimmed = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `at most ${max} characters`);
const optionalText = (max: number) => trimmed(max).nullish();

export const usernameRule = trimmed(150).regex(/^[\w.@+-]+$/, 'only letters, digits and @ . + - _');
export const passwordRule = z
  .string()
  .min(8, 'at least 8 characters')
  .max(256, 'at most 256 characters');
export const emailRule = z.string().trim().toLowerCase().pipe(z.email('not an e-mail address').max(254));
export const mobileRule = z
  .string()
  .trim()
  .regex(/^\+?[0-9][0-9 -]{4,19}$/, 'not a phone number');
export const externalIdRule = trimmed(64).regex(/^[\w.:-]+$/, 'only letters, digits and . : - _');

export const profileRule = z
  .object({
    loginName: optionalText(150),
    loginEmail: optionalText(254),
    rootUserId: optionalText(64),
    fkRootUserId: optionalText(64),
    portalCreatedAt: z.date().nullish(),
    accountType: optionalText(32),
    status: optionalText(32),
    province: optionalText(64),
    city: optionalText(64),
    county: optionalText(64),
    mobilePhone: optionalText(32),
    channel: optionalText(64),
    userLevel: optionalText(32),
    messageFlag: z.boolean().nullish(),
    emailFlag: z.boolean().nullish(),
    auditStatus: optionalText(32),
    postpaid: z.boolean().nullish(),
  })
  .partial();

export const createUserRule = z.object({
  username: usernameRule,
  password: passwordRule,
  email: emailRule.nullish(),
  mobile: mobileRule.nullish(),
  ctUserId: externalIdRule.nullish(),
  ctAccountId: externalIdRule.nullish(),
  role: z.enum(Role).nullish(),
  profile: profileRule.nullish(),
});

export const updateUserRule = z.object({
  username: usernameRule.optional(),
  email: emailRule.nullish(),
  mobile: mobileRule.nullish(),
  ctUserId: externalIdRule.nullish(),
  ctAccountId: externalIdRule.nullish(),
  role: z.enum(Role).optional(),
  profile: profileRule.nullish(),
});

export type CreateUserValues = z.output<typeof createUserRule>;
export type UpdateUserValues = z.output<typeof updateUserRule>;
