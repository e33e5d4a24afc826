import { Field, InputType } from 'type-graphql';
import { z } from 'zod';
import { CloudKind, DatacenterState } from './datacenter.type';

/** Optional fields, the same when creating and updating. */
@InputType()
abstract class DatacenterOptionalInput {
  @Field(() => String, { nullable: true, description: 'CloudStack: the administrator API key.' }) apiKey?: string | null;
  @Field(() => String, { nullable: true, description: 'CloudStack: the administrator secret key. Stored encrypted; never readable.' })
  secretKey?: string | null;
  @Field(() => String, { nullable: true, description: 'Default: the host of serviceUrl.' }) host?: string | null;
  @Field(() => String, { nullable: true, description: 'OpenStack: the admin project. Default admin.' }) project?: string | null;
  @Field(() => String, { nullable: true, description: 'OpenStack: the Keystone domain. Default Default.' }) domain?: string | null;
  @Field(() => String, { nullable: true }) region?: string | null;
  @Field(() => String, { nullable: true }) externalNetwork?: string | null;
  @Field(() => String, { nullable: true }) idcTypeName?: string | null;
  @Field(() => DatacenterState, { nullable: true }) state?: DatacenterState | null;
}

@InputType()
export class CreateDatacenterInput extends DatacenterOptionalInput {
  @Field() name!: string;
  @Field() shortName!: string;
  @Field(() => String, { nullable: true, description: "The portal's platform id; generated when absent." }) uuid?: string | null;
  @Field(() => CloudKind) kind!: CloudKind;
  @Field({ description: 'OpenStack: Keystone v3 URL (…/v3). CloudStack: API URL (…/client/api).' }) serviceUrl!: string;
  @Field({ description: 'The cloud administrator account.' }) adminUser!: string;
  @Field({ description: "The administrator's password. Stored encrypted; never readable." }) password!: string;
}

@InputType({ description: 'Fields left out are unchanged; null clears an optional field.' })
export class UpdateDatacenterInput extends DatacenterOptionalInput {
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => String, { nullable: true }) shortName?: string | null;
  @Field(() => String, { nullable: true }) serviceUrl?: string | null;
  @Field(() => String, { nullable: true }) adminUser?: string | null;
  @Field(() => String, { nullable: true }) password?: string | null;
}

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `at most ${max} characters`);

const serviceUrl = z
  .string()
  .trim()
  .max(2048, 'at most 2048 characters')
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'http:' || url.protocol === 'https:') && !!url.hostname && !url.username && !url.password;
    } catch {
      return false;
    }
  }, 'must be an http(s) URL without credentials in it')
  .transform((value) => value.replace(/\/+$/, ''));

const secret = z.string().min(1, 'must not be empty').max(1024, 'at most 1024 characters');

export const createDatacenterRule = z
  .object({
    name: text(128),
    shortName: text(32).regex(/^[\w.-]+$/, 'only letters, digits and . - _'),
    uuid: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9-]{8,64}$/, '8 to 64 letters, digits or -')
      .nullish(),
    kind: z.enum(CloudKind, 'must be OPENSTACK or CLOUDSTACK'),
    serviceUrl,
    adminUser: text(255),
    password: secret,
    apiKey: secret.nullish(),
    secretKey: secret.nullish(),
    host: text(255).nullish(),
    project: text(255).nullish(),
    domain: text(255).nullish(),
    region: text(255).nullish(),
    externalNetwork: text(255).nullish(),
    idcTypeName: text(128).nullish(),
    state: z.enum(DatacenterState).nullish(),
  })
  .superRefine((v, ctx) => {
    if (!!v.apiKey !== !!v.secretKey) {
      ctx.addIssue({ code: 'custom', path: [v.apiKey ? 'secretKey' : 'apiKey'], message: 'apiKey and secretKey go together' });
    }
    if (v.kind === CloudKind.OPENSTACK && (v.apiKey || v.secretKey)) {
      ctx.addIssue({ code: 'custom', path: ['apiKey'], message: 'API keys are for CloudStack datacenters' });
    }
  });

export const updateDatacenterRule = z.object({
  name: text(128).optional(),
  shortName: text(32).regex(/^[\w.-]+$/, 'only letters, digits and . - _').optional(),
  serviceUrl: serviceUrl.optional(),
  adminUser: text(255).optional(),
  password: secret.optional(),
  apiKey: secret.nullish(),
  secretKey: secret.nullish(),
  host: text(255).nullish(),
  project: text(255).nullish(),
  domain: text(255).optional(),
  region: text(255).nullish(),
  externalNetwork: text(255).nullish(),
  idcTypeName: text(128).nullish(),
  state: z.enum(DatacenterState).optional(),
});

/** What is sealed in `datacenters.credentials`. */
export interface DatacenterCredentials {
  password: string;
  apiKey?: string | null;
  secretKey?: string | null;
}
