import { Field, ID, InputType } from 'type-graphql';
import { z } from 'zod';

@InputType()
export class CreateKeyPairInput {
  @Field(() => ID, { description: 'The tenancy (user in a datacenter) to create it in.' }) tenancyId!: string;
  @Field({ description: '1 to 64 letters, digits, spaces, dots, underscores or hyphens; unique in the tenancy (it is the key’s id in the cloud).' })
  name!: string;
  @Field(() => String, {
    nullable: true,
    description: 'An OpenSSH public key line (ssh-rsa, ssh-ed25519 or ecdsa-sha2-nistp256/384/521). Without one the cloud makes a pair and its private key is returned once.',
  })
  publicKey?: string | null;
}

/** The key types both clouds import. */
const KEY_TYPES = new Set(['ssh-rsa', 'ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521']);

/**
 * Why `line` is not an OpenSSH public key, or null. The base64 blob must start with its own
 * type name (length-prefixed), as OpenSSH writes it: the clouds fingerprint that blob and
 * refuse the key otherwise, after the request has been sent.
 */
export function publicKeyProblem(line: string): string | null {
  const [type, data, ...rest] = line.split(/\s+/);
  if (!type || !data) return 'must be an OpenSSH public key line: <type> <base64> [comment]';
  if (!KEY_TYPES.has(type)) return `key type ${type.slice(0, 40)} is not one of ${[...KEY_TYPES].join(', ')}`;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(data) || data.length % 4 !== 0) return 'the key data is not base64';
  const blob = Buffer.from(data, 'base64');
  const length = blob.length >= 4 ? blob.readUInt32BE(0) : -1;
  if (length < 0 || blob.length < 4 + length || blob.subarray(4, 4 + length).toString('latin1') !== type) {
    return `the key data is not a ${type} key`;
  }
  if (rest.join(' ').length > 255) return 'the comment is longer than 255 characters';
  return null;
}

export const keyPairName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(64, 'at most 64 characters')
  .regex(/^[A-Za-z0-9._\- ]+$/, 'only letters, digits, spaces, dots, underscores and hyphens');

export const createKeyPairRule = z.object({
  tenancyId: z.string(),
  name: keyPairName,
  publicKey: z
    .string()
    .trim()
    .min(1, 'must not be empty (leave it out to have the cloud make a pair)')
    .max(16_384, 'at most 16384 characters')
    .superRefine((value, ctx) => {
      const problem = value ? publicKeyProblem(value) : null;
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .nullish(),
});
