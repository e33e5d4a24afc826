import { Field, ID, InputType, Int } from 'type-graphql';
import { z } from 'zod';
import { name } from '../network/network.input';

/** The largest volume either cloud is asked for; quotas usually stop a tenant well before. */
export const MAX_VOLUME_GB = 16384;

/**
 * The disk types sold: both clouds offer them (OpenStack volume types, CloudStack custom-size
 * disk offerings of the same names). Other offerings (fixed sizes, the cloud's default) are
 * not part of the product.
 */
export const VOLUME_TYPES = ['SSD', 'SATA'] as const;

@InputType()
export class CreateVolumeInput {
  @Field(() => ID, { description: 'The tenancy (user in a datacenter) to create it in.' }) tenancyId!: string;
  @Field() name!: string;
  @Field(() => Int, { description: `Size in GB: 1 to ${MAX_VOLUME_GB}, within the tenancy’s quota.` }) sizeGb!: number;
  @Field(() => String, { nullable: true, description: 'SSD or SATA; default: the datacenter’s default disk type.' }) type?: string | null;
  @Field(() => String, { nullable: true, description: 'The zone id; default the datacenter’s first zone.' }) zoneId?: string | null;
}

export const zoneId = z.string().trim().min(1, 'must not be empty').max(255, 'at most 255 characters');

export const createVolumeRule = z.object({
  tenancyId: z.string(),
  name: name(),
  sizeGb: z
    .number()
    .int('must be a whole number of GB')
    .min(1, 'must be at least 1 GB')
    .max(MAX_VOLUME_GB, `at most ${MAX_VOLUME_GB} GB`),
  type: z
    .string()
    .trim()
    .toUpperCase()
    .pipe(z.enum(VOLUME_TYPES, { error: `must be one of ${VOLUME_TYPES.join(', ')}` }))
    .nullish(),
  zoneId: zoneId.nullish(),
});
