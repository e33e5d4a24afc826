import { Arg, Ctx, Field, ID, ObjectType, Resolver } from 'type-graphql';
import { AuditedMutation } from '../audit/audit.middleware';
import type { Context } from '../context';
import { DeletePayload } from '../job/payload';
import { CreateKeyPairInput } from './key-pair.input';
import { KeyPairService } from './key-pair.service';
import { KeyPair } from './key-pair.type';

@ObjectType({ description: 'A new key pair, with its private key when the cloud made it.' })
export class CreateKeyPairPayload {
  @Field(() => KeyPair) keyPair!: KeyPair;

  @Field(() => String, {
    nullable: true,
    description: 'The private key (PEM or OpenSSH) the cloud made: shown this once and kept nowhere. Null when a public key was given.',
  })
  privateKey!: string | null;
}

@Resolver()
export class KeyPairMutations {
  @AuditedMutation(() => CreateKeyPairPayload, {
    access: 'SIGNED_IN',
    description: 'Imports a public key, or has the cloud make a key pair and returns its private key once.',
  })
  createKeyPair(@Arg('input', () => CreateKeyPairInput) input: CreateKeyPairInput, @Ctx() ctx: Context) {
    return new KeyPairService(ctx).create(input);
  }

  @AuditedMutation(() => DeletePayload, { access: 'SIGNED_IN', description: 'Deletes a key pair; instances made with it keep the key they were given.' })
  deleteKeyPair(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return new KeyPairService(ctx).delete(id);
  }
}
