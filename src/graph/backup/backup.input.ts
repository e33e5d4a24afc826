import { Field, ID, InputType } from 'type-graphql';
import { z } from 'zod';
import { description, name } from '../network/network.input';

@InputType()
export class CreateBackupInput {
  @Field(() => ID, { description: 'The volume to back up: a data disk, or an instance’s system disk (backed up while in use).' })
  volumeId!: string;
  @Field() name!: string;
  @Field(() => String, { nullable: true }) description?: string | null;
}

export const createBackupRule = z.object({
  volumeId: z.string(),
  name: name(),
  description: description.nullish(),
});

/** The name of a volume restored from a backup; without one the cloud names it after the backup. */
export const restoreNameRule = name().nullish();
