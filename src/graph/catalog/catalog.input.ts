import { Field, InputType, Int } from 'type-graphql';
import { z } from 'zod';
import { name } from '../network/network.input';

@InputType({ description: 'A new instance size: OpenStack flavor, CloudStack service offering.' })
export class CreateFlavorInput {
  @Field({ description: '1 to 64 characters, unique in the datacenter.' }) name!: string;
  @Field(() => Int, { description: 'Virtual CPUs, 1 to 128.' }) cpu!: number;
  @Field(() => Int, { description: 'Memory in MB, 128 to 1048576 (1 TB).' }) memoryMb!: number;
  @Field(() => Int, { description: 'Root disk in GB, up to 16384; 0 = the image decides.' }) diskGb!: number;
}

const whole = (min: number, max: number) =>
  z
    .number()
    .int('must be a whole number')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);

export const createFlavorRule = z.object({
  name: name(64),
  cpu: whole(1, 128),
  memoryMb: whole(128, 1_048_576),
  diskGb: whole(0, 16_384),
});

@InputType({
  description: 'What the catalogue shows of an image. Fields left out, and a null shared, are unchanged; null on name or osType shows the cloud’s own again.',
})
export class ShareImageInput {
  @Field(() => Boolean, { nullable: true, description: 'Offered to users in the catalogue.' }) shared?: boolean | null;
  @Field(() => String, { nullable: true, description: 'Display name, 1 to 128 characters.' }) name?: string | null;
  @Field(() => String, { nullable: true, description: 'Os type shown, 1 to 64 characters.' }) osType?: string | null;
}

export const shareImageRule = z.object({
  shared: z.boolean().nullish(),
  name: name(128).nullish(),
  osType: name(64).nullish(),
});
