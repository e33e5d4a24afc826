import { Field, ID, InputType, Int } from 'type-graphql';
import { z } from 'zod';
import { name } from '../network/network.input';

@InputType({ description: 'A new instance. Its size is a flavor: `flavorId`, or the flavor with exactly `cpu` and `memoryMb`.' })
export class CreateInstanceInput {
  @Field(() => ID, { description: 'The tenancy (user in a datacenter) to create it in.' }) tenancyId!: string;
  @Field() name!: string;
  @Field({ description: "The image's catalogue id (as Datacenter.images shows it); it must be ACTIVE." }) imageId!: string;
  @Field(() => Int, { nullable: true, description: 'vCPUs; with memoryMb, picks the flavor of exactly that size.' }) cpu?: number | null;
  @Field(() => Int, { nullable: true, description: 'Memory in MB; with cpu, picks the flavor of exactly that size.' }) memoryMb?: number | null;
  @Field(() => String, { nullable: true, description: "The flavor's catalogue id (as Datacenter.flavors shows it), instead of cpu + memoryMb." })
  flavorId?: string | null;
  @Field(() => String, { nullable: true, description: "The zone id; default: the network's zone, else the datacenter's first available one." })
  zoneId?: string | null;
  @Field(() => ID, { description: 'The network to place it on, of the same tenancy.' }) networkId!: string;
  @Field(() => ID, { nullable: true, description: "The network's subnet to take the address from; default: the network's first subnet." })
  subnetId?: string | null;
  @Field(() => [ID], {
    nullable: true,
    description: 'Security groups of the same tenancy. CloudStack (VPC zones): at most one, and it applies to the whole subnet.',
  })
  securityGroupIds?: string[] | null;
  @Field(() => ID, { nullable: true, description: 'A key pair of the same tenancy, installed for SSH.' }) keyPairId?: string | null;
  @Field(() => String, { nullable: true, description: '8 to 72 characters; never stored nor logged.' }) adminPassword?: string | null;
  @Field(() => Int, { nullable: true, description: "Root disk in GB (at least the image's minimum); default: the flavor's, or the image's." })
  rootDiskGb?: number | null;
}

@InputType({ description: 'Reinstalls the root disk from an image; the instance keeps its id, addresses and flavor.' })
export class RebuildInstanceInput {
  @Field({ description: "The image's catalogue id; it must be ACTIVE." }) imageId!: string;
  @Field(() => String, { nullable: true, description: '8 to 72 characters; never stored nor logged.' }) adminPassword?: string | null;
  @Field(() => String, { nullable: true, description: 'A new name, if any.' }) name?: string | null;
}

@InputType({ description: 'The new size: `flavorId`, or the flavor with exactly `cpu` and `memoryMb`.' })
export class ResizeInstanceInput {
  @Field(() => String, { nullable: true }) flavorId?: string | null;
  @Field(() => Int, { nullable: true }) cpu?: number | null;
  @Field(() => Int, { nullable: true }) memoryMb?: number | null;
}

export const instanceName = () => name(64);

const password = z.string().min(8, 'at least 8 characters').max(72, 'at most 72 characters');
const catalogueId = z.string().trim().min(1, 'must not be empty').max(255, 'at most 255 characters');
const globalId = z.string().trim().min(1, 'must not be empty').max(1024, 'at most 1024 characters');
const cpu = z.number().int().min(1, 'must be at least 1').max(512, 'at most 512');
const memoryMb = z.number().int().min(64, 'must be at least 64').max(16 * 1024 * 1024, 'at most 16777216');

/** A size is a flavor id or cpu + memory, never half of one nor both. */
const size = <T extends { flavorId?: string | null; cpu?: number | null; memoryMb?: number | null }>(v: T, ctx: z.RefinementCtx) => {
  const bySize = v.cpu != null || v.memoryMb != null;
  if (v.flavorId && bySize) {
    ctx.addIssue({ code: 'custom', path: ['flavorId'], message: 'give flavorId or cpu + memoryMb, not both' });
  } else if (!v.flavorId && !bySize) {
    ctx.addIssue({ code: 'custom', path: ['flavorId'], message: 'give flavorId, or cpu and memoryMb' });
  } else if (bySize && v.cpu == null) {
    ctx.addIssue({ code: 'custom', path: ['cpu'], message: 'is required with memoryMb' });
  } else if (bySize && v.memoryMb == null) {
    ctx.addIssue({ code: 'custom', path: ['memoryMb'], message: 'is required with cpu' });
  }
};

export const createInstanceRule = z
  .object({
    tenancyId: z.string(),
    name: instanceName(),
    imageId: catalogueId,
    cpu: cpu.nullish(),
    memoryMb: memoryMb.nullish(),
    flavorId: catalogueId.nullish(),
    zoneId: catalogueId.nullish(),
    networkId: globalId,
    subnetId: globalId.nullish(),
    securityGroupIds: z
      .array(globalId)
      .max(10, 'at most 10 groups')
      .refine((ids) => new Set(ids).size === ids.length, 'must not repeat a group')
      .nullish(),
    keyPairId: globalId.nullish(),
    adminPassword: password.nullish(),
    rootDiskGb: z.number().int().min(1, 'must be at least 1').max(16_384, 'at most 16384').nullish(),
  })
  .superRefine(size);

export const rebuildInstanceRule = z.object({
  imageId: catalogueId,
  adminPassword: password.nullish(),
  name: instanceName().nullish(),
});

export const resizeInstanceRule = z
  .object({
    flavorId: catalogueId.nullish(),
    cpu: cpu.nullish(),
    memoryMb: memoryMb.nullish(),
  })
  .superRefine(size);
